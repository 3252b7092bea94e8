//! `Faulty<B>`: a backend that delegates to `B`, counts every call, records what the kernel
//! reported, and fails the calls it is told to.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::time::Duration;

use rustix::fd::{BorrowedFd, RawFd};

use crate::{Backend, Events, Registration, Token};

/// How many times each [`Backend`] operation was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Calls {
    /// Calls of [`Backend::add`].
    pub add: usize,
    /// Calls of [`Backend::modify`].
    pub modify: usize,
    /// Calls of [`Backend::delete`].
    pub delete: usize,
    /// Calls of [`Backend::wait`].
    pub wait: usize,
    /// Calls of [`Backend::rebuild`].
    pub rebuild: usize,
}

#[derive(Debug, Default)]
struct State {
    calls: Calls,
    fail_add: Option<i32>,
    fail_modify: Option<(i32, bool)>,
    fail_delete: Option<i32>,
    interrupts: usize,
    interrupt_after: Duration,
    timeouts: Vec<Option<Duration>>,
    reported: Vec<(Token, Events)>,
    /// The fd of every token ever added, kept after `delete`, so a report of a token that
    /// should be gone still names its fd.
    fds: HashMap<Token, RawFd>,
}

/// A backend that runs `B` unchanged but lets a case watch and break it: it counts every
/// call ([`calls`](Faulty::calls)), keeps the timeouts passed to `wait` and the fds the kernel
/// last reported before any masking ([`last_reported`](Faulty::last_reported)), and fails the
/// next `add`, `modify` or `delete`, or interrupts the next waits, on request.
///
/// The selector only lends its backend out by shared reference
/// ([`BaseSelector::backend`](crate::BaseSelector::backend)), so the controls take `&self`.
///
/// ```
/// # #[cfg(unix)] {
/// use std::os::unix::net::UnixStream;
/// use selectors_core::conformance::Faulty;
/// use selectors_core::{Backend, BaseSelector, Events};
/// # use std::{io, time::Duration};
/// # use selectors_core::{BorrowedFd, RawFd, Token};
/// # #[derive(Debug)] struct Nothing;
/// # impl Backend for Nothing {
/// #     fn new() -> io::Result<Self> { Ok(Nothing) }
/// #     fn name(&self) -> &'static str { "nothing" }
/// #     fn add(&mut self, _: BorrowedFd<'_>, _: Token, _: Events) -> io::Result<()> { Ok(()) }
/// #     fn modify(&mut self, _: RawFd, _: Token, _: Events, _: Events) -> io::Result<()> { Ok(()) }
/// #     fn delete(&mut self, _: RawFd, _: Token, _: Events) -> io::Result<()> { Ok(()) }
/// #     fn wait<R: FnMut(Token, Events)>(&mut self, _: Option<Duration>, _: R) -> io::Result<()> { Ok(()) }
/// # }
///
/// let mut selector = BaseSelector::<Faulty<Nothing>, UnixStream>::new()?;
/// let (a, _b) = UnixStream::pair()?;
/// selector.backend().fail_next_add(9);
/// let err = selector.register(a, Events::READ, ()).unwrap_err();
/// assert_eq!(err.error().raw_os_error(), Some(9));
/// assert!(selector.is_empty());
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Faulty<B> {
    inner: B,
    state: RefCell<State>,
}

impl<B> Faulty<B> {
    /// Wraps `inner`.
    pub fn wrap(inner: B) -> Faulty<B> {
        Faulty {
            inner,
            state: RefCell::default(),
        }
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// How many times each operation has been called so far.
    pub fn calls(&self) -> Calls {
        self.state.borrow().calls
    }

    /// The next `add` fails with `errno`, without reaching the wrapped backend.
    pub fn fail_next_add(&self, errno: i32) {
        self.state.borrow_mut().fail_add = Some(errno);
    }

    /// The next `modify` fails with `errno`; with `apply_first`, after the wrapped backend has
    /// made the change (a kernel call that fails after taking effect, or a half-applied one).
    pub fn fail_next_modify(&self, errno: i32, apply_first: bool) {
        self.state.borrow_mut().fail_modify = Some((errno, apply_first));
    }

    /// The next `delete` reaches the wrapped backend, then reports `errno` (as when the fd was
    /// closed behind the selector's back).
    pub fn fail_next_delete(&self, errno: i32) {
        self.state.borrow_mut().fail_delete = Some(errno);
    }

    /// Each of the next `count` waits waits on the wrapped backend for at most `after`, then
    /// fails with `EINTR` as if a signal had arrived; whatever the kernel reported is lost.
    pub fn interrupt_next_waits(&self, count: usize, after: Duration) {
        let mut state = self.state.borrow_mut();
        state.interrupts = count;
        state.interrupt_after = after;
    }

    /// The timeouts passed to `wait` since the last call of this method, oldest first.
    pub fn take_wait_timeouts(&self) -> Vec<Option<Duration>> {
        std::mem::take(&mut self.state.borrow_mut().timeouts)
    }

    /// The fd last added under `token` (the waker's mechanism is added under
    /// [`Token::WAKER`] when it is an fd).
    pub fn fd_of(&self, token: Token) -> Option<RawFd> {
        self.state.borrow().fds.get(&token).copied()
    }

    /// What the wrapped backend reported in the last `wait`, before the selector masked the
    /// events and dropped unknown tokens: each token as the fd it was added for (`INVALID_FD` for a
    /// token never added).
    pub fn last_reported(&self) -> Vec<(RawFd, Events)> {
        let state = self.state.borrow();
        let fd_of = |token| state.fds.get(&token).copied().unwrap_or(super::INVALID_FD);
        state
            .reported
            .iter()
            .map(|&(token, events)| (fd_of(token), events))
            .collect()
    }
}

impl<B: Backend> Backend for Faulty<B> {
    fn new() -> io::Result<Self> {
        Ok(Faulty::wrap(B::new()?))
    }

    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn add(&mut self, fd: BorrowedFd<'_>, token: Token, events: Events) -> io::Result<()> {
        let state = self.state.get_mut();
        state.calls.add += 1;
        if let Some(errno) = state.fail_add.take() {
            return Err(io::Error::from_raw_os_error(errno));
        }
        state.fds.insert(token, rustix::fd::AsRawFd::as_raw_fd(&fd));
        self.inner.add(fd, token, events)
    }

    fn modify(&mut self, fd: RawFd, token: Token, old: Events, new: Events) -> io::Result<()> {
        let state = self.state.get_mut();
        state.calls.modify += 1;
        match state.fail_modify.take() {
            None => self.inner.modify(fd, token, old, new),
            Some((errno, apply_first)) => {
                if apply_first {
                    self.inner.modify(fd, token, old, new)?;
                }
                Err(io::Error::from_raw_os_error(errno))
            }
        }
    }

    fn delete(&mut self, fd: RawFd, token: Token, events: Events) -> io::Result<()> {
        let state = self.state.get_mut();
        state.calls.delete += 1;
        let fail = state.fail_delete.take();
        let result = self.inner.delete(fd, token, events);
        match fail {
            Some(errno) => Err(io::Error::from_raw_os_error(errno)),
            None => result,
        }
    }

    fn rebuild<I>(&mut self, live: I) -> io::Result<()>
    where
        I: IntoIterator<Item = Registration>,
    {
        self.state.get_mut().calls.rebuild += 1;
        self.inner.rebuild(live)
    }

    fn wait<R>(&mut self, timeout: Option<Duration>, mut ready: R) -> io::Result<()>
    where
        R: FnMut(Token, Events),
    {
        let state = self.state.get_mut();
        state.calls.wait += 1;
        state.timeouts.push(timeout);
        state.reported.clear();
        let reported = &mut state.reported;
        if state.interrupts > 0 {
            state.interrupts -= 1;
            let shortened = timeout.map_or(state.interrupt_after, |t| t.min(state.interrupt_after));
            match self.inner.wait(Some(shortened), |token, events| {
                reported.push((token, events))
            }) {
                Err(err) if err.kind() != io::ErrorKind::Interrupted => return Err(err),
                _ => return Err(io::ErrorKind::Interrupted.into()),
            }
        }
        self.inner.wait(timeout, |token, events| {
            reported.push((token, events));
            ready(token, events);
        })
    }

    const MAY_REPORT_STALE: bool = B::MAY_REPORT_STALE;

    fn replay<R>(&mut self, ready: R)
    where
        R: FnMut(Token, Events),
    {
        self.inner.replay(ready);
    }

    fn waker(&mut self) -> Option<io::Result<std::sync::Arc<dyn crate::WakeSource>>> {
        let source = self.inner.waker();
        // A backend that registers its own fd source (epoll's edge-triggered eventfd) does
        // it behind this wrapper's `add`.
        let own_fd = source.as_ref().and_then(|s| s.as_ref().ok()?.fd());
        if let Some(fd) = own_fd {
            self.state.borrow_mut().fds.insert(Token::WAKER, fd);
        }
        source
    }

    fn fd_limit(&self) -> Option<RawFd> {
        self.inner.fd_limit()
    }

    fn fileno(&self) -> Option<RawFd> {
        self.inner.fileno()
    }

    fn close(self) -> io::Result<()> {
        self.inner.close()
    }
}

impl<B: Backend> fmt::Debug for Faulty<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Faulty")
            .field("inner", &self.inner.name())
            .field("state", &self.state.borrow())
            .finish()
    }
}
