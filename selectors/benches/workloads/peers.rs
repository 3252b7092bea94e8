//! The peers: mio and polling, each used the way its documentation recommends, with level
//! semantics where the workload needs them.
//!
//! mio registers every source edge-triggered (`EPOLLET`) and offers no level mode. Two forms:
//! - [`MioLevel`]: level semantics reproduced faithfully by re-arming: after the handler of an
//!   event has run, the source is `reregister`ed (`EPOLL_CTL_MOD`), which makes the kernel
//!   re-check its readiness and queue it again if it is still ready — exactly what a
//!   level-triggered wait reports on the next call. One extra `epoll_ctl` per event.
//! - [`MioEdge`]: mio as it is (no re-arm); the workload's handlers drain each fd until
//!   `EAGAIN` ([`EventLoop::EDGE`]). Only where the workload can be run that way (W3, W4); in W3
//!   it reports the ready fd once and then nothing, so it times an empty `epoll_wait`.
//! - In W2 (registration churn, nothing waited for) plain `register`/`reregister`/`deregister`,
//!   row "mio": edge or level makes no difference there.
//!
//! polling: `PollMode::Level` registrations, a reused `Events` buffer, `Poller::wait`.

use std::num::NonZeroUsize;
use std::time::Duration;

use rustix::fd::{AsRawFd, OwnedFd, RawFd};

use super::{EventLoop, Imp, Interest};
use crate::workloads::floors::family;

#[inline]
fn mio_interest(interest: Interest) -> mio::Interest {
    match interest {
        Interest::Read => mio::Interest::READABLE,
        Interest::Write => mio::Interest::WRITABLE,
    }
}

/// A mio `Poll`; `LEVEL` re-arms each reported source after its handler ran.
#[derive(Debug)]
pub(crate) struct Mio<const LEVEL: bool> {
    poll: mio::Poll,
    events: mio::Events,
    /// What each token is registered as, for the re-arm.
    by_token: Vec<(RawFd, mio::Interest)>,
}

impl<const LEVEL: bool> Mio<LEVEL> {
    fn remember(&mut self, token: u32, fd: RawFd, interest: mio::Interest) {
        let token = token as usize;
        if token >= self.by_token.len() {
            self.by_token
                .resize(token + 1, (-1, mio::Interest::READABLE));
        }
        self.by_token[token] = (fd, interest);
    }
}

impl<'fd, const LEVEL: bool> EventLoop<'fd> for Mio<LEVEL> {
    const EDGE: bool = !LEVEL;

    fn new(capacity: usize) -> Self {
        Mio {
            poll: mio::Poll::new().expect("mio::Poll::new"),
            events: mio::Events::with_capacity(capacity.max(1)),
            by_token: Vec::with_capacity(capacity),
        }
    }

    #[inline]
    fn register(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest) {
        let (raw, interest) = (fd.as_raw_fd(), mio_interest(interest));
        self.poll
            .registry()
            .register(
                &mut mio::unix::SourceFd(&raw),
                mio::Token(token as usize),
                interest,
            )
            .expect("mio register");
        if LEVEL {
            self.remember(token, raw, interest);
        }
    }

    #[inline]
    fn modify(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest) {
        let (raw, interest) = (fd.as_raw_fd(), mio_interest(interest));
        self.poll
            .registry()
            .reregister(
                &mut mio::unix::SourceFd(&raw),
                mio::Token(token as usize),
                interest,
            )
            .expect("mio reregister");
        if LEVEL {
            self.remember(token, raw, interest);
        }
    }

    #[inline]
    fn unregister(&mut self, fd: &'fd OwnedFd) {
        self.poll
            .registry()
            .deregister(&mut mio::unix::SourceFd(&fd.as_raw_fd()))
            .expect("mio deregister");
    }

    #[inline]
    fn poll(&mut self, timeout: Option<Duration>, mut on_ready: impl FnMut(u32)) -> usize {
        self.poll.poll(&mut self.events, timeout).expect("mio poll");
        let mut n = 0;
        for event in &self.events {
            n += 1;
            let token = event.token().0;
            on_ready(token as u32);
            if LEVEL {
                let (raw, interest) = self.by_token[token];
                self.poll
                    .registry()
                    .reregister(&mut mio::unix::SourceFd(&raw), event.token(), interest)
                    .expect("mio re-arm");
            }
        }
        n
    }
}

/// mio with level semantics by re-arming.
pub(crate) type MioLevel = Mio<true>;
/// mio as it is: edge-triggered.
pub(crate) type MioEdge = Mio<false>;

/// A polling `Poller` with level-triggered registrations.
#[derive(Debug)]
pub(crate) struct Polling {
    poller: polling::Poller,
    events: polling::Events,
}

#[inline]
fn polling_event(token: u32, interest: Interest) -> polling::Event {
    match interest {
        Interest::Read => polling::Event::readable(token as usize),
        Interest::Write => polling::Event::writable(token as usize),
    }
}

impl<'fd> EventLoop<'fd> for Polling {
    fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity.max(1)).expect("not zero");
        Polling {
            poller: polling::Poller::new().expect("Poller::new"),
            events: polling::Events::with_capacity(capacity),
        }
    }

    #[inline]
    fn register(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest) {
        // SAFETY: polling asks that a source be deleted before it is closed. The fds outlive
        // this loop (`'fd`), which owns the poller: the poller, and every registration in
        // it, is gone before any of these fds can close.
        unsafe {
            self.poller
                .add_with_mode(fd, polling_event(token, interest), polling::PollMode::Level)
        }
        .expect("Poller::add_with_mode");
    }

    #[inline]
    fn modify(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest) {
        self.poller
            .modify_with_mode(fd, polling_event(token, interest), polling::PollMode::Level)
            .expect("Poller::modify_with_mode");
    }

    #[inline]
    fn unregister(&mut self, fd: &'fd OwnedFd) {
        self.poller.delete(fd).expect("Poller::delete");
    }

    #[inline]
    fn poll(&mut self, timeout: Option<Duration>, mut on_ready: impl FnMut(u32)) -> usize {
        self.events.clear();
        let n = self
            .poller
            .wait(&mut self.events, timeout)
            .expect("Poller::wait");
        for event in self.events.iter() {
            on_ready(event.key as u32);
        }
        n
    }
}

family!(
    /// mio, level semantics by re-arming after each event.
    MioLevelImp, "mio (level: re-arm)", "raw epoll", MioLevel
);
family!(
    /// mio, edge-triggered as it is.
    MioEdgeImp, "mio (edge)", "raw epoll", MioEdge
);
family!(
    /// mio for registration churn, where edge or level makes no difference.
    MioImp, "mio", "raw epoll", MioEdge
);
family!(
    /// polling, `PollMode::Level`.
    PollingImp, "polling (level)", "raw epoll", Polling
);
