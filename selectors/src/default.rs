//! `DefaultBackend` and `DefaultSelector`: the best backend of this build, chosen at run time.

use std::fmt;
use std::io;
use std::time::Duration;

use selectors_core::{Backend, BaseSelector, BorrowedFd, Events, RawFd, Registration, Token};

use crate::BackendKind;
use crate::host;

/// Python's `selectors.DefaultSelector`: a [`BaseSelector`] over [`DefaultBackend`], the most
/// efficient backend this build has on this system.
///
/// `DefaultSelector::<F, T>::new()` honours the [`BACKEND_ENV`] override, then probes in
/// CPython's order (see [`DefaultBackend`]); [`backend_name`](BaseSelector::backend_name)
/// says which backend was chosen.
pub type DefaultSelector<F, T = ()> = BaseSelector<DefaultBackend, F, T>;

/// The environment variable that forces [`DefaultBackend`]'s choice: `select`, `poll`,
/// `epoll`, `devpoll` or `kqueue` ([`BackendKind::name`]). Empty counts as unset.
pub const BACKEND_ENV: &str = "SELECTORS_BACKEND";

/// The backends, with whether this build has each here, in CPython's probe order; on Windows
/// select (CPython's `DefaultSelector` there), then poll.
const PROBE_ORDER: [(BackendKind, bool); 5] = {
    let kqueue = (
        BackendKind::Kqueue,
        cfg!(feature = "kqueue") && host::KQUEUE,
    );
    let epoll = (BackendKind::Epoll, cfg!(feature = "epoll") && host::EPOLL);
    let devpoll = (
        BackendKind::Devpoll,
        cfg!(feature = "devpoll") && host::DEVPOLL,
    );
    let poll = (BackendKind::Poll, cfg!(feature = "poll") && host::POLL);
    let select = (
        BackendKind::Select,
        cfg!(feature = "select") && host::SELECT,
    );
    if cfg!(windows) {
        [select, poll, kqueue, epoll, devpoll]
    } else {
        [kqueue, epoll, devpoll, poll, select]
    }
};

/// The kinds of `PROBE_ORDER` that this build has, packed at the front; the count follows.
const AVAILABLE: ([BackendKind; 5], usize) = {
    let mut kinds = [BackendKind::Select; 5];
    let (mut i, mut count) = (0, 0);
    while i < PROBE_ORDER.len() {
        if PROBE_ORDER[i].1 {
            kinds[count] = PROBE_ORDER[i].0;
            count += 1;
        }
        i += 1;
    }
    (kinds, count)
};

/// `AVAILABLE` at a fixed address, so [`available_backends`] can lend a slice of it.
static AVAILABLE_KINDS: ([BackendKind; 5], usize) = AVAILABLE;

// No enabled backend exists on this target (`epoll` alone on Windows, say).
const _: () = assert!(
    AVAILABLE.1 > 0,
    "selectors: none of the enabled backend features is available on this target; enable \
     one this target has (`poll` and `select` on every Unix and on Windows, `epoll` on Linux \
     and Android, `kqueue` on Apple systems and the BSDs, `devpoll` on illumos and Solaris)"
);

/// The backends this build has on this target, in the order `DefaultSelector` probes them
/// (CPython's: kqueue, epoll, devpoll, poll, select on Unix; select, poll on Windows).
///
/// A kind here was compiled in and the target has it; whether the running kernel lets it be
/// created is known only by trying ([`DefaultBackend::from_kind`]).
///
/// ```
/// use selectors::BackendKind;
///
/// let kinds = selectors::available_backends();
/// if cfg!(all(target_os = "linux", feature = "epoll", feature = "poll", feature = "select")) {
///     assert_eq!(kinds, [BackendKind::Epoll, BackendKind::Poll, BackendKind::Select]);
/// }
/// if cfg!(all(windows, feature = "poll", feature = "select")) {
///     assert_eq!(kinds, [BackendKind::Select, BackendKind::Poll]);
/// }
/// ```
#[must_use]
pub fn available_backends() -> &'static [BackendKind] {
    &AVAILABLE_KINDS.0[..AVAILABLE_KINDS.1]
}

/// The backend of [`DefaultSelector`]: one of the backends this build has, chosen at run
/// time.
///
/// [`Backend::new`] chooses:
/// 1. if [`BACKEND_ENV`] (`SELECTORS_BACKEND`) is set and not empty, the backend it names; a
///    name that is unknown or not in this build is an [`io::ErrorKind::InvalidInput`] error
///    listing the valid choices, never a silent fallback, so a test run under each backend
///    really runs under each;
/// 2. else the first of kqueue, epoll, devpoll, poll, select (CPython's order; on Windows
///    select, then poll; restricted to [`available_backends`]) whose creation succeeds: a kernel that refuses one with any
///    error (`ENOSYS`, `EMFILE`, a missing `/dev/poll`, a seccomp filter's `EPERM`) falls
///    through to the next, as CPython's `_can_use` does.
///
/// An error names the backend and, for the first case, the variable: `cannot create the
/// epoll backend (SELECTORS_BACKEND=epoll): Function not implemented (os error 38)`; its
/// [`io::ErrorKind`] is the OS error's, whose errno its `source()` keeps.
///
/// Each call dispatches with one `match` to the chosen backend.
pub struct DefaultBackend(Inner);

/// One variant per enabled feature; a variant whose backend the target lacks holds an
/// uninhabited stand-in (see `host`), so its arms compile to nothing.
enum Inner {
    #[cfg(feature = "kqueue")]
    Kqueue(host::KqueueBackend),
    #[cfg(feature = "epoll")]
    Epoll(host::EpollBackend),
    #[cfg(feature = "devpoll")]
    Devpoll(host::DevpollBackend),
    #[cfg(feature = "poll")]
    Poll(host::PollBackend),
    #[cfg(feature = "select")]
    Select(host::SelectBackend),
}

/// `match $inner { Inner::X($binding) => $body, ... }` over every enabled variant.
macro_rules! dispatch {
    ($inner:expr, |$binding:pat_param| $body:expr) => {
        match $inner {
            #[cfg(feature = "kqueue")]
            Inner::Kqueue($binding) => $body,
            #[cfg(feature = "epoll")]
            Inner::Epoll($binding) => $body,
            #[cfg(feature = "devpoll")]
            Inner::Devpoll($binding) => $body,
            #[cfg(feature = "poll")]
            Inner::Poll($binding) => $body,
            #[cfg(feature = "select")]
            Inner::Select($binding) => $body,
        }
    };
}

impl DefaultBackend {
    /// Creates the backend of `kind`, ignoring [`BACKEND_ENV`].
    ///
    /// ```
    /// use std::io;
    /// use selectors::{BackendKind, DefaultBackend, DefaultSelector, available_backends};
    ///
    /// for &kind in available_backends() {
    ///     let backend = DefaultBackend::from_kind(kind)?;
    ///     let selector = DefaultSelector::<std::net::TcpStream>::with_backend(backend);
    ///     assert_eq!(selector.backend().kind(), kind);
    /// }
    /// let err = "bogus".parse::<BackendKind>().unwrap_err();
    /// assert!(err.to_string().contains("bogus"));
    /// # Ok::<(), io::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`io::ErrorKind::InvalidInput`] when this build has no such backend on this target
    /// (the message lists [`available_backends`]); otherwise the OS error of creating it,
    /// with a message that names the backend.
    pub fn from_kind(kind: BackendKind) -> io::Result<Self> {
        Self::create(kind, None)
    }

    /// Creates the first backend of [`available_backends`] that the kernel lets us create,
    /// ignoring [`BACKEND_ENV`]. Any error falls through to the next backend, as CPython's
    /// `_can_use` catches any `OSError`: an epoll that cannot be created for lack of fds
    /// (`EMFILE`) leaves poll, which needs none.
    ///
    /// # Errors
    /// When no backend can be created, the last one's error, with a message that names every
    /// backend tried.
    pub fn probe() -> io::Result<Self> {
        let mut tried = Vec::new();
        for &kind in available_backends() {
            match Self::create(kind, None) {
                Ok(backend) => return Ok(backend),
                Err(err) => tried.push((kind, err)),
            }
        }
        let names: Vec<&str> = tried.iter().map(|(kind, _)| kind.name()).collect();
        let (kind, last) = tried
            .pop()
            .map_or((io::ErrorKind::Unsupported, None), |(_, err)| {
                (err.kind(), Some(err))
            });
        Err(io::Error::new(
            kind,
            CreateError {
                what: format!("no backend could be created (tried {})", names.join(", ")),
                cause: last,
            },
        ))
    }

    /// The kind of the backend chosen.
    #[must_use]
    pub fn kind(&self) -> BackendKind {
        match self.0 {
            #[cfg(feature = "kqueue")]
            Inner::Kqueue(_) => BackendKind::Kqueue,
            #[cfg(feature = "epoll")]
            Inner::Epoll(_) => BackendKind::Epoll,
            #[cfg(feature = "devpoll")]
            Inner::Devpoll(_) => BackendKind::Devpoll,
            #[cfg(feature = "poll")]
            Inner::Poll(_) => BackendKind::Poll,
            #[cfg(feature = "select")]
            Inner::Select(_) => BackendKind::Select,
        }
    }

    /// The backend of `kind`; `chosen_by` names the variable that chose it, for messages.
    fn create(kind: BackendKind, chosen_by: Option<&str>) -> io::Result<Self> {
        if !available_backends().contains(&kind) {
            return Err(not_available(kind.name(), chosen_by));
        }
        let created = match kind {
            #[cfg(feature = "kqueue")]
            BackendKind::Kqueue => host::KqueueBackend::new().map(Inner::Kqueue),
            #[cfg(feature = "epoll")]
            BackendKind::Epoll => host::EpollBackend::new().map(Inner::Epoll),
            #[cfg(feature = "devpoll")]
            BackendKind::Devpoll => host::DevpollBackend::new().map(Inner::Devpoll),
            #[cfg(feature = "poll")]
            BackendKind::Poll => host::PollBackend::new().map(Inner::Poll),
            #[cfg(feature = "select")]
            BackendKind::Select => host::SelectBackend::new().map(Inner::Select),
            #[allow(unreachable_patterns, reason = "every kind may be compiled in")]
            _ => return Err(not_available(kind.name(), chosen_by)),
        };
        created.map(DefaultBackend).map_err(|err| {
            let chosen = chosen_by.map_or_else(String::new, |var| format!(" ({var}={kind})"));
            io::Error::new(
                err.kind(),
                CreateError {
                    what: format!("cannot create the {kind} backend{chosen}"),
                    cause: Some(err),
                },
            )
        })
    }
}

/// A backend that could not be created: what was tried, and the OS error (its
/// [`source`](std::error::Error::source), which keeps the errno).
#[derive(Debug)]
struct CreateError {
    what: String,
    cause: Option<io::Error>,
}

impl fmt::Display for CreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Some(cause) => write!(f, "{}: {cause}", self.what),
            None => f.write_str(&self.what),
        }
    }
}

impl std::error::Error for CreateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_ref().map(|cause| cause as _)
    }
}

/// The error for a backend name that is unknown or not in this build; `chosen_by` says where
/// the name came from, if not from the caller.
fn not_available(name: &str, chosen_by: Option<&str>) -> io::Error {
    let known = PROBE_ORDER.iter().any(|&(kind, _)| kind.name() == name);
    let problem = if known {
        "is not available in this build on this target"
    } else {
        "is not a selectors backend"
    };
    let chosen_by = chosen_by
        .map(|var| format!(" (from {var})"))
        .unwrap_or_default();
    let valid: Vec<&str> = available_backends()
        .iter()
        .map(|kind| kind.name())
        .collect();
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{name:?}{chosen_by} {problem}; valid choices: {}",
            valid.join(", ")
        ),
    )
}

impl Backend for DefaultBackend {
    /// The backend named by [`BACKEND_ENV`] if set, else the first that
    /// [`probe`](DefaultBackend::probe) can create.
    fn new() -> io::Result<Self> {
        match std::env::var_os(BACKEND_ENV) {
            Some(name) if !name.is_empty() => {
                let name = name.to_string_lossy();
                match name.parse::<BackendKind>() {
                    Ok(kind) => Self::create(kind, Some(BACKEND_ENV)),
                    Err(_) => Err(not_available(&name, Some(BACKEND_ENV))),
                }
            }
            _ => Self::probe(),
        }
    }

    #[inline]
    fn name(&self) -> &'static str {
        dispatch!(self.0, |ref backend| backend.name())
    }

    #[inline]
    fn add(&mut self, fd: BorrowedFd<'_>, token: Token, events: Events) -> io::Result<()> {
        dispatch!(self.0, |ref mut backend| backend.add(fd, token, events))
    }

    #[inline]
    fn modify(&mut self, fd: RawFd, token: Token, old: Events, new: Events) -> io::Result<()> {
        dispatch!(self.0, |ref mut backend| backend
            .modify(fd, token, old, new))
    }

    #[inline]
    fn delete(&mut self, fd: RawFd, token: Token, events: Events) -> io::Result<()> {
        dispatch!(self.0, |ref mut backend| backend.delete(fd, token, events))
    }

    fn rebuild<I>(&mut self, live: I) -> io::Result<()>
    where
        I: IntoIterator<Item = Registration>,
    {
        dispatch!(self.0, |ref mut backend| backend.rebuild(live))
    }

    #[inline]
    fn wait<R>(&mut self, timeout: Option<Duration>, ready: R) -> io::Result<()>
    where
        R: FnMut(Token, Events),
    {
        dispatch!(self.0, |ref mut backend| backend.wait(timeout, ready))
    }

    const MAY_REPORT_STALE: bool = host::KqueueBackend::MAY_REPORT_STALE
        || host::EpollBackend::MAY_REPORT_STALE
        || host::DevpollBackend::MAY_REPORT_STALE
        || host::PollBackend::MAY_REPORT_STALE
        || host::SelectBackend::MAY_REPORT_STALE;

    #[inline]
    fn replay<R>(&mut self, ready: R)
    where
        R: FnMut(Token, Events),
    {
        dispatch!(self.0, |ref mut backend| backend.replay(ready));
    }

    fn waker(&mut self) -> Option<io::Result<std::sync::Arc<dyn selectors_core::WakeSource>>> {
        dispatch!(self.0, |ref mut backend| backend.waker())
    }

    #[inline]
    fn fd_limit(&self) -> Option<RawFd> {
        dispatch!(self.0, |ref backend| backend.fd_limit())
    }

    #[inline]
    fn fileno(&self) -> Option<RawFd> {
        dispatch!(self.0, |ref backend| backend.fileno())
    }

    fn close(self) -> io::Result<()> {
        dispatch!(self.0, |backend| backend.close())
    }
}

impl fmt::Debug for DefaultBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        dispatch!(self.0, |ref backend| f
            .debug_tuple("DefaultBackend")
            .field(backend)
            .finish())
    }
}

/// `DefaultSelector` is `Send` whenever its file objects and data are: checked at compile
/// time.
const _: () = {
    const fn assert_send<S: Send>() {}
    assert_send::<DefaultSelector<selectors_core::OwnedFd, ()>>();
};
