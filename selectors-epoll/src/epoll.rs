//! `EpollBackend`: the [`Backend`] operations as `epoll_ctl` and `epoll_wait` calls.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use rustix::event::epoll::{self, CreateFlags, EventData, EventFlags};
use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
#[cfg(not(target_os = "android"))]
use rustix::io::DupFlags;
use selectors_core::{
    Backend, BaseSelector, Events, FdWaker, Registration, Token, WakeSource, check_fd_range,
};

use crate::sys;

/// Python's `selectors.EpollSelector`: a [`BaseSelector`] over [`EpollBackend`].
///
/// It implements [`AsFd`] (its epoll instance, Python's `fileno()`), so one selector can
/// watch another, or hand its fd to a C event loop:
///
/// ```
/// use std::io::Write;
/// use std::os::fd::{AsFd, AsRawFd};
/// use std::os::unix::net::UnixStream;
/// use std::time::Duration;
/// use selectors_epoll::{EpollSelector, EVENT_READ};
///
/// let mut inner = EpollSelector::<UnixStream>::new()?;
/// let (mut a, b) = UnixStream::pair()?;
/// inner.register(b, EVENT_READ, ())?;
/// assert_eq!(Some(inner.as_fd().as_raw_fd()), inner.fileno());
/// let mut outer = EpollSelector::<EpollSelector<UnixStream>, &str>::new()?;
/// outer.register(inner, EVENT_READ, "inner")?;
/// a.write_all(b"x")?;
/// let ready = outer.select(Some(Duration::from_secs(5)))?;
/// assert_eq!((*ready[0].0.data(), ready[0].1), ("inner", EVENT_READ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type EpollSelector<F, T = ()> = BaseSelector<EpollBackend, F, T>;

/// An epoll instance and the buffer its events are read into.
///
/// Each registration's event data is its [`Token`], so an event is matched back to its
/// registration without trusting the fd number. A registration the kernel keeps after the fd
/// is closed (epoll(7) Q6: a `dup` of the fd keeps the file open, and `EPOLL_CTL_DEL` can no
/// longer name it) reports a token the selector no longer holds; the selector then calls
/// [`rebuild`](Backend::rebuild), which registers the live fds in a fresh epoll instance and
/// moves it onto the old number with `dup3`, so [`fileno`](Backend::fileno) stays the same and
/// the stale registration is gone with the old instance. That costs O(registrations) once per
/// such incident, and nothing on any other call. (The file behind `fileno` is then a new
/// one: an outer selector watching this epoll fd must register it again.)
pub struct EpollBackend {
    epoll: OwnedFd,
    /// Filled by `epoll_wait`; its capacity is kept at the number of registrations (at least
    /// 1, bpo-23009), so one call reports every ready fd.
    events: sys::EventBuffer,
    /// The registrations made and not deleted: a count only (the kernel keeps the list),
    /// which sizes the event buffer.
    registered: usize,
    timeouts: TimeoutResolution,
}

/// How positive timeouts reach the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeoutResolution {
    /// `epoll_pwait2` when the running kernel has it, else milliseconds.
    Best,
    /// Always whole milliseconds, rounded up (`epoll_wait`).
    Millis,
}

impl EpollBackend {
    /// An epoll backend whose positive timeouts always go through `epoll_wait` in whole
    /// milliseconds, rounded up, as on kernels older than 5.11. For tests of that path on new
    /// kernels, and for programs that want the old behaviour.
    ///
    /// # Errors
    /// The OS error of `epoll_create1`.
    pub fn with_millisecond_timeouts() -> io::Result<Self> {
        Self::create(TimeoutResolution::Millis)
    }

    fn create(timeouts: TimeoutResolution) -> io::Result<Self> {
        Ok(EpollBackend {
            epoll: epoll::create(CreateFlags::CLOEXEC)?,
            events: sys::EventBuffer(Vec::with_capacity(1)),
            registered: 0,
            timeouts,
        })
    }
}

/// The kernel's interest flags for a (valid) event mask: level-triggered, except for the
/// waker's eventfd. That one is edge-triggered, as `mio::Waker`'s is: every write is a new
/// edge, so a wake costs one `write` and its return no `read`
/// ([`FdWaker::edge_triggered`]).
#[inline]
fn interest(token: Token, events: Events) -> EventFlags {
    let mut flags = if token == Token::WAKER {
        EventFlags::ET
    } else {
        EventFlags::empty()
    };
    if events.contains(Events::READ) {
        flags |= EventFlags::IN;
    }
    if events.contains(Events::WRITE) {
        flags |= EventFlags::OUT;
    }
    flags
}

#[inline]
fn token_data(token: Token) -> EventData {
    EventData::new_u64(token.0)
}

impl fmt::Debug for EpollBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EpollBackend")
            .field("epoll", &self.epoll)
            .field("registered", &self.registered)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl Backend for EpollBackend {
    fn new() -> io::Result<Self> {
        Self::create(TimeoutResolution::Best)
    }

    fn name(&self) -> &'static str {
        "epoll"
    }

    #[inline]
    fn add(&mut self, fd: BorrowedFd<'_>, token: Token, events: Events) -> io::Result<()> {
        check_fd_range(fd, fd.as_raw_fd())?;
        epoll::add(&self.epoll, fd, token_data(token), interest(token, events))?;
        self.registered += 1;
        Ok(())
    }

    #[inline]
    fn modify(&mut self, fd: RawFd, token: Token, _old: Events, new: Events) -> io::Result<()> {
        sys::epoll_ctl(
            &self.epoll,
            sys::Ctl::Modify,
            fd,
            token_data(token),
            interest(token, new),
        )
    }

    #[inline]
    fn delete(&mut self, fd: RawFd, _token: Token, _events: Events) -> io::Result<()> {
        let result = sys::epoll_ctl(
            &self.epoll,
            sys::Ctl::Delete,
            fd,
            EventData::new_u64(0),
            EventFlags::empty(),
        );
        // The selector forgets the fd whatever the kernel says, and so does the count
        // (unless the kernel never had it); a count left too high only enlarges the buffer.
        if !matches!(&result, Err(err) if err.kind() == io::ErrorKind::NotFound) {
            self.registered = self.registered.saturating_sub(1);
        }
        result
    }

    /// An eventfd, registered edge-triggered: a wake is one `write`, its return reads nothing.
    fn waker(&mut self) -> Option<io::Result<Arc<dyn WakeSource>>> {
        let source = FdWaker::edge_triggered().and_then(|source| {
            source.lend_fd(&mut |fd| self.add(fd, Token::WAKER, Events::READ))?;
            Ok(source)
        });
        Some(source.map(|source| Arc::new(source) as Arc<dyn WakeSource>))
    }

    fn rebuild<I>(&mut self, live: I) -> io::Result<()>
    where
        I: IntoIterator<Item = Registration>,
    {
        let fresh = epoll::create(CreateFlags::CLOEXEC)?;
        let mut registered = 0;
        for registration in live {
            // An fd closed behind the selector's back cannot be watched any more (epoll
            // would have dropped it too); the others are registered as they were.
            let added = sys::epoll_ctl(
                &fresh,
                sys::Ctl::Add,
                registration.fd,
                token_data(registration.token),
                interest(registration.token, registration.events),
            );
            registered += usize::from(added.is_ok());
        }
        // Atomically replaces the old instance behind the same number, which closes it and
        // every registration it held, stale or not.
        #[cfg(not(target_os = "android"))]
        rustix::io::dup3(&fresh, &mut self.epoll, DupFlags::CLOEXEC)?;
        // rustix's libc backend has no `O_CLOEXEC` for `dup3` on Android (its libc has no
        // binding): `dup2`, then the flag. Nothing in this process forks in between.
        #[cfg(target_os = "android")]
        {
            rustix::io::dup2(&fresh, &mut self.epoll)?;
            rustix::io::fcntl_setfd(&self.epoll, rustix::io::FdFlags::CLOEXEC)?;
        }
        self.registered = registered;
        Ok(())
    }

    #[inline]
    fn wait<R>(&mut self, timeout: Option<Duration>, ready: R) -> io::Result<()>
    where
        R: FnMut(Token, Events),
    {
        let max_events = self.registered.max(1);
        self.events.0.clear();
        if self.events.0.capacity() < max_events {
            self.events.0.reserve_exact(max_events);
        }
        let precise = self.timeouts == TimeoutResolution::Best
            && timeout.is_some_and(|t| !t.is_zero() && t.subsec_nanos() % 1_000_000 != 0);
        sys::epoll_wait(
            self.epoll.as_fd(),
            &mut self.events.0,
            max_events,
            timeout,
            precise,
        )?;
        self.replay(ready);
        Ok(())
    }

    /// A closed fd whose file a `dup` keeps open stays registered (epoll(7) Q6).
    const MAY_REPORT_STALE: bool = true;

    #[inline]
    fn replay<R>(&mut self, mut ready: R)
    where
        R: FnMut(Token, Events),
    {
        for event in self.events.0.iter().copied() {
            // `epoll::Event` is packed on x86_64: copy fields out rather than borrow them.
            let (flags, data) = (event.flags, event.data);
            let events =
                Events::from_kernel(flags.bits(), EventFlags::IN.bits(), EventFlags::OUT.bits());
            ready(Token(data.u64()), events);
        }
    }

    fn fileno(&self) -> Option<RawFd> {
        Some(self.epoll.as_raw_fd())
    }
}

impl AsFd for EpollBackend {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.epoll.as_fd()
    }
}

/// The selector is `Send` (and the backend `Sync`) whenever its file objects and data are:
/// checked at compile time.
const _: () = {
    const fn assert_send_sync<S: Send + Sync>() {}
    const fn assert_send<S: Send>() {}
    assert_send_sync::<EpollBackend>();
    assert_send::<EpollSelector<OwnedFd, ()>>();
};
