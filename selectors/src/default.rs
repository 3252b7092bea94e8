//! `DefaultBackend` and `DefaultSelector`: the best backend of this build, chosen at run time.

use std::fmt;
use std::io;
use std::time::Duration;

use selectors_core::{Backend, BaseSelector, BorrowedFd, Events, RawFd, Registration, Token};

use crate::host;

/// Python's `selectors.DefaultSelector`: a [`BaseSelector`] over [`DefaultBackend`], the most
/// efficient backend this build has on this system.
///
/// `DefaultSelector::<F, T>::new()` honours the [`BACKEND_ENV`] override, then probes in
/// CPython's order (see [`DefaultBackend`]); [`backend_name`](BaseSelector::backend_name)
/// says which backend was chosen.
pub type DefaultSelector<F, T = ()> = BaseSelector<DefaultBackend, F, T>;

/// The environment variable that forces [`DefaultBackend`]'s choice: `select`, `poll`,
/// `epoll`, `devpoll` or `kqueue`. Empty counts as unset.
pub const BACKEND_ENV: &str = "SELECTORS_BACKEND";

/// The backends this build has, by name, with whether the target has each, in CPython's
/// probe order.
const PROBE_ORDER: [(&str, bool); 5] = [
    ("kqueue", cfg!(feature = "kqueue") && host::KQUEUE),
    ("epoll", cfg!(feature = "epoll") && host::EPOLL),
    ("devpoll", cfg!(feature = "devpoll") && host::DEVPOLL),
    ("poll", cfg!(feature = "poll") && host::POLL),
    ("select", cfg!(feature = "select") && host::SELECT),
];

/// The names of `PROBE_ORDER` that this build has, packed at the front; the count follows.
const AVAILABLE: ([&str; 5], usize) = {
    let mut names = [""; 5];
    let (mut i, mut count) = (0, 0);
    while i < PROBE_ORDER.len() {
        if PROBE_ORDER[i].1 {
            names[count] = PROBE_ORDER[i].0;
            count += 1;
        }
        i += 1;
    }
    (names, count)
};

/// `AVAILABLE` at a fixed address, so [`available_backends`] can lend a slice of it.
static AVAILABLE_NAMES: ([&str; 5], usize) = AVAILABLE;

// Features are on but none of their backends exists on this target (`poll` alone on a
// non-Unix target, say). The backend crates know their OS lists, so the check is a constant.
const _: () = assert!(
    AVAILABLE.1 > 0,
    "selectors: none of the enabled backend features is available on this target; \
     enable one this target has (`poll` and `select` on every Unix, `epoll` on Linux and \
     Android, `kqueue` on Apple systems and the BSDs, `devpoll` on illumos and Solaris)"
);

/// The names of the backends this build has on this target, in the order `DefaultSelector`
/// probes them (CPython's: kqueue, epoll, devpoll, poll, select).
///
/// A name here was compiled in and the target has it; whether the running kernel lets it be
/// created is known only by trying ([`DefaultBackend::from_name`]).
///
/// ```
/// let names = selectors::available_backends();
/// if cfg!(all(target_os = "linux", feature = "epoll", feature = "poll", feature = "select")) {
///     assert_eq!(names, ["epoll", "poll", "select"]);
/// }
/// ```
#[must_use]
pub fn available_backends() -> &'static [&'static str] {
    &AVAILABLE_NAMES.0[..AVAILABLE_NAMES.1]
}

/// The backend of [`DefaultSelector`]: one of the backends this build has, chosen at run
/// time.
///
/// [`Backend::new`] chooses:
/// 1. if [`BACKEND_ENV`] (`SELECTORS_BACKEND`) is set and not empty, the backend it names; a
///    name that is unknown or not in this build is an [`io::ErrorKind::InvalidInput`] error
///    listing the valid choices, never a silent fallback, so a test run under each backend
///    really runs under each;
/// 2. else the first of kqueue, epoll, devpoll, poll, select (CPython's order, restricted to
///    [`available_backends`]) whose creation succeeds: a kernel that refuses one (`ENOSYS`,
///    `EMFILE`, a missing `/dev/poll`) falls through to the next.
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
    /// Creates the backend named `name` (`"select"`, `"poll"`, `"epoll"`, `"devpoll"` or
    /// `"kqueue"`), ignoring [`BACKEND_ENV`].
    ///
    /// ```
    /// use std::io;
    /// use selectors::{DefaultBackend, DefaultSelector, available_backends};
    ///
    /// for &name in available_backends() {
    ///     let backend = DefaultBackend::from_name(name)?;
    ///     let selector = DefaultSelector::<std::fs::File>::with_backend(backend);
    ///     assert_eq!(selector.backend_name(), name);
    /// }
    /// let err = DefaultBackend::from_name("bogus").unwrap_err();
    /// assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    /// # Ok::<(), io::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`io::ErrorKind::InvalidInput`] when the name is unknown or the backend is not in
    /// this build on this target (the message lists [`available_backends`]); the OS error
    /// when the kernel refuses to create it.
    pub fn from_name(name: &str) -> io::Result<Self> {
        Self::create(name).unwrap_or_else(|| Err(invalid_choice(name, None)))
    }

    /// Creates the first backend of [`available_backends`] that the kernel lets us create,
    /// ignoring [`BACKEND_ENV`].
    ///
    /// # Errors
    /// The last backend's OS error when none can be created.
    pub fn probe() -> io::Result<Self> {
        let mut last_error = None;
        for name in available_backends() {
            match Self::create(name) {
                Some(Ok(backend)) => return Ok(backend),
                Some(Err(err)) => last_error = Some(err),
                None => {}
            }
        }
        Err(last_error.unwrap_or_else(|| io::ErrorKind::Unsupported.into()))
    }

    /// The named backend, or `None` when the name is unknown or not in this build.
    fn create(name: &str) -> Option<io::Result<Self>> {
        if !available_backends().contains(&name) {
            return None;
        }
        let inner = match name {
            #[cfg(feature = "kqueue")]
            "kqueue" => host::KqueueBackend::new().map(Inner::Kqueue),
            #[cfg(feature = "epoll")]
            "epoll" => host::EpollBackend::new().map(Inner::Epoll),
            #[cfg(feature = "devpoll")]
            "devpoll" => host::DevpollBackend::new().map(Inner::Devpoll),
            #[cfg(feature = "poll")]
            "poll" => host::PollBackend::new().map(Inner::Poll),
            #[cfg(feature = "select")]
            "select" => host::SelectBackend::new().map(Inner::Select),
            _ => return None,
        };
        Some(inner.map(DefaultBackend))
    }
}

/// The error for a backend name that is unknown or not in this build; `source` says where
/// the name came from, if not from the caller.
fn invalid_choice(name: &str, source: Option<&str>) -> io::Error {
    let known = PROBE_ORDER.iter().any(|&(known, _)| known == name);
    let problem = if known {
        "is not available in this build on this target"
    } else {
        "is not a selectors backend"
    };
    let source = source
        .map(|source| format!(" (from {source})"))
        .unwrap_or_default();
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{name:?}{source} {problem}; valid choices: {}",
            available_backends().join(", ")
        ),
    )
}

impl Backend for DefaultBackend {
    /// The backend named by [`BACKEND_ENV`] if set, else the first that
    /// [`probe`](DefaultBackend::probe) can create.
    fn new() -> io::Result<Self> {
        match std::env::var_os(BACKEND_ENV) {
            Some(name) if !name.is_empty() => match name.to_str() {
                Some(name) => Self::create(name)
                    .unwrap_or_else(|| Err(invalid_choice(name, Some(BACKEND_ENV)))),
                None => Err(invalid_choice(&name.to_string_lossy(), Some(BACKEND_ENV))),
            },
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
