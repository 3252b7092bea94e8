//! `EpollMillisBackend`: the epoll backend with whole-millisecond timeouts, as a type.

use std::io;
use std::time::Duration;

use rustix::fd::{AsFd, BorrowedFd, RawFd};
use selectors_core::{Backend, Events, Registration, Token};

use crate::EpollBackend;

/// [`EpollBackend`] whose positive timeouts always go through `epoll_wait` in whole
/// milliseconds, rounded up, as on kernels older than 5.11 (no `epoll_pwait2`), whatever the
/// running kernel has.
///
/// A type of its own, so that `BaseSelector<EpollMillisBackend, F, T>::new()` selects it and
/// test suites can run the millisecond path on new kernels; programs that want the old
/// behaviour can use it too. Every operation is [`EpollBackend`]'s.
#[derive(Debug)]
pub struct EpollMillisBackend(EpollBackend);

impl Backend for EpollMillisBackend {
    fn new() -> io::Result<Self> {
        EpollBackend::with_millisecond_timeouts().map(EpollMillisBackend)
    }

    fn name(&self) -> &'static str {
        self.0.name()
    }

    #[inline]
    fn add(&mut self, fd: BorrowedFd<'_>, token: Token, events: Events) -> io::Result<()> {
        self.0.add(fd, token, events)
    }

    #[inline]
    fn modify(&mut self, fd: RawFd, token: Token, old: Events, new: Events) -> io::Result<()> {
        self.0.modify(fd, token, old, new)
    }

    #[inline]
    fn delete(&mut self, fd: RawFd, token: Token, events: Events) -> io::Result<()> {
        self.0.delete(fd, token, events)
    }

    fn rebuild<I>(&mut self, live: I) -> io::Result<()>
    where
        I: IntoIterator<Item = Registration>,
    {
        self.0.rebuild(live)
    }

    #[inline]
    fn wait<R>(&mut self, timeout: Option<Duration>, ready: R) -> io::Result<()>
    where
        R: FnMut(Token, Events),
    {
        self.0.wait(timeout, ready)
    }

    const MAY_REPORT_STALE: bool = EpollBackend::MAY_REPORT_STALE;

    #[inline]
    fn replay<R>(&mut self, ready: R)
    where
        R: FnMut(Token, Events),
    {
        self.0.replay(ready);
    }

    fn waker(&mut self) -> Option<io::Result<std::sync::Arc<dyn selectors_core::WakeSource>>> {
        self.0.waker()
    }

    fn fileno(&self) -> Option<RawFd> {
        self.0.fileno()
    }

    fn close(self) -> io::Result<()> {
        self.0.close()
    }
}

impl AsFd for EpollMillisBackend {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}
