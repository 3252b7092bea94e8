//! `EpollBackend`: the [`Backend`] operations as `epoll_ctl` and `epoll_wait` calls.

use std::fmt;
use std::io;
use std::time::Duration;

use rustix::event::epoll::{self, CreateFlags, EventData, EventFlags};
use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use selectors_core::{Backend, BaseSelector, Events};

use crate::sys;

/// Python's `selectors.EpollSelector`: a [`BaseSelector`] over [`EpollBackend`].
pub type EpollSelector<F, T = ()> = BaseSelector<EpollBackend, F, T>;

/// An epoll instance and the buffer its events are read into.
pub struct EpollBackend {
    epoll: OwnedFd,
    /// Filled by `epoll_wait`; its capacity is kept at the number of registrations (at least
    /// 1, bpo-23009), so one call reports every ready fd.
    events: sys::EventBuffer,
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

/// The kernel's interest flags for a (valid) event mask. Level-triggered: no `EPOLLET`.
#[inline]
fn interest(events: Events) -> EventFlags {
    let mut flags = EventFlags::empty();
    if events.contains(Events::READ) {
        flags |= EventFlags::IN;
    }
    if events.contains(Events::WRITE) {
        flags |= EventFlags::OUT;
    }
    flags
}

#[inline]
fn fd_data(fd: BorrowedFd<'_>) -> EventData {
    EventData::new_u64(fd.as_raw_fd() as u64)
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
    fn add(&mut self, fd: BorrowedFd<'_>, events: Events) -> io::Result<()> {
        epoll::add(&self.epoll, fd, fd_data(fd), interest(events))?;
        self.registered += 1;
        Ok(())
    }

    #[inline]
    fn modify(&mut self, fd: BorrowedFd<'_>, _old: Events, new: Events) -> io::Result<()> {
        epoll::modify(&self.epoll, fd, fd_data(fd), interest(new))?;
        Ok(())
    }

    #[inline]
    fn delete(&mut self, fd: BorrowedFd<'_>, _events: Events) -> io::Result<()> {
        // The selector forgets the fd whatever the kernel says; so does the count.
        self.registered -= 1;
        epoll::delete(&self.epoll, fd)?;
        Ok(())
    }

    #[inline]
    fn wait<R>(&mut self, timeout: Option<Duration>, mut ready: R) -> io::Result<()>
    where
        R: FnMut(RawFd, Events),
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
        for event in self.events.0.iter().copied() {
            // `epoll::Event` is packed on x86_64: copy fields out rather than borrow them.
            let (flags, data) = (event.flags, event.data);
            let events =
                Events::from_kernel(flags.bits(), EventFlags::IN.bits(), EventFlags::OUT.bits());
            ready(data.u64() as RawFd, events);
        }
        Ok(())
    }

    fn fileno(&self) -> Option<RawFd> {
        Some(self.epoll.as_raw_fd())
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
