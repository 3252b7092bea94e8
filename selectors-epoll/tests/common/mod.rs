//! `EpollMillis`: the epoll backend with millisecond timeouts, as a backend type of its own so
//! the suites run on that path too (kernels before 5.11 have no `epoll_pwait2`).

use std::io;
use std::time::Duration;

use selectors_core::{BorrowedFd, RawFd};
use selectors_epoll::{Backend, EpollBackend, Events};

/// [`EpollBackend::with_millisecond_timeouts`], delegating every operation.
#[derive(Debug)]
pub(crate) struct EpollMillis(EpollBackend);

impl Backend for EpollMillis {
    fn new() -> io::Result<Self> {
        EpollBackend::with_millisecond_timeouts().map(EpollMillis)
    }

    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn add(&mut self, fd: BorrowedFd<'_>, events: Events) -> io::Result<()> {
        self.0.add(fd, events)
    }

    fn modify(&mut self, fd: BorrowedFd<'_>, old: Events, new: Events) -> io::Result<()> {
        self.0.modify(fd, old, new)
    }

    fn delete(&mut self, fd: BorrowedFd<'_>, events: Events) -> io::Result<()> {
        self.0.delete(fd, events)
    }

    fn wait<R>(&mut self, timeout: Option<Duration>, ready: R) -> io::Result<()>
    where
        R: FnMut(RawFd, Events),
    {
        self.0.wait(timeout, ready)
    }

    fn fileno(&self) -> Option<RawFd> {
        self.0.fileno()
    }

    fn close(self) -> io::Result<()> {
        self.0.close()
    }
}
