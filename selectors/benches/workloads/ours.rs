//! Our backends, used as an application would: a `BaseSelector` whose file objects are the
//! workload's fds (`&OwnedFd`) and whose data is the token.
//!
//! - [`With`]: `select_with`, the token read from the key handed to the callback.
//! - [`Into`]: `select_into` a reused `(fd, events)` buffer, then `get_key(fd)` for the token:
//!   the form that lets the handler change registrations while it runs.
//! - [`IdleWaker`]: [`With`] on a selector that has created its waker and is never woken —
//!   what every wait of a loop that other threads can wake costs.

use std::time::Duration;

use rustix::fd::{AsRawFd, OwnedFd, RawFd};
use selectors_core::{Backend, BaseSelector, Events, Waker};

use super::{EventLoop, Imp, Interest};

#[inline]
fn events(interest: Interest) -> Events {
    match interest {
        Interest::Read => Events::READ,
        Interest::Write => Events::WRITE,
    }
}

/// A selector polled with `select_with`.
#[derive(Debug)]
pub(crate) struct With<'fd, B: Backend> {
    selector: BaseSelector<B, &'fd OwnedFd, u32>,
}

impl<'fd, B: Backend> EventLoop<'fd> for With<'fd, B> {
    fn new(_capacity: usize) -> Self {
        With {
            selector: BaseSelector::new().expect("create the selector"),
        }
    }

    #[inline]
    fn register(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest) {
        self.selector
            .register(fd, events(interest), token)
            .expect("register");
    }

    #[inline]
    fn modify(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest) {
        self.selector
            .modify(fd.as_raw_fd(), events(interest), token)
            .expect("modify");
    }

    #[inline]
    fn unregister(&mut self, fd: &'fd OwnedFd) {
        self.selector
            .unregister(fd.as_raw_fd())
            .expect("unregister");
    }

    #[inline]
    fn poll(&mut self, timeout: Option<Duration>, mut on_ready: impl FnMut(u32)) -> usize {
        self.selector
            .select_with(timeout, |key, _events| on_ready(*key.data()))
            .expect("select_with")
    }
}

/// `register`, `modify` and `unregister` of a loop that wraps a [`With`] in `self.with`.
macro_rules! registration_through_with {
    () => {
        #[inline]
        fn register(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest) {
            self.with.register(fd, token, interest);
        }

        #[inline]
        fn modify(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest) {
            self.with.modify(fd, token, interest);
        }

        #[inline]
        fn unregister(&mut self, fd: &'fd OwnedFd) {
            self.with.unregister(fd);
        }
    };
}

/// A selector polled with `select_into`; registration goes through [`With`]'s.
#[derive(Debug)]
pub(crate) struct Into<'fd, B: Backend> {
    with: With<'fd, B>,
    ready: Vec<(RawFd, Events)>,
}

impl<'fd, B: Backend> EventLoop<'fd> for Into<'fd, B> {
    fn new(capacity: usize) -> Self {
        Into {
            with: With::new(capacity),
            ready: Vec::with_capacity(capacity),
        }
    }

    registration_through_with!();

    #[inline]
    fn poll(&mut self, timeout: Option<Duration>, mut on_ready: impl FnMut(u32)) -> usize {
        let selector = &mut self.with.selector;
        let n = selector
            .select_into(timeout, &mut self.ready)
            .expect("select_into");
        for &(fd, _events) in &self.ready {
            on_ready(
                *selector
                    .get_key(fd)
                    .expect("a ready fd is registered")
                    .data(),
            );
        }
        n
    }
}

/// [`With`] whose selector created its waker when the loop was made; nobody wakes it. The
/// kernel holds one more registration (the eventfd, or the pipe's read end), which poll and
/// select scan on every wait and epoll keeps off its ready list.
#[derive(Debug)]
pub(crate) struct IdleWaker<'fd, B: Backend> {
    with: With<'fd, B>,
    // Held as an application holds the waker it hands to other threads.
    _waker: Waker,
}

impl<'fd, B: Backend> EventLoop<'fd> for IdleWaker<'fd, B> {
    fn new(capacity: usize) -> Self {
        let mut with = With::new(capacity);
        let waker = with.selector.waker().expect("create the waker");
        IdleWaker {
            with,
            _waker: waker,
        }
    }

    registration_through_with!();

    #[inline]
    fn poll(&mut self, timeout: Option<Duration>, on_ready: impl FnMut(u32)) -> usize {
        self.with.poll(timeout, on_ready)
    }
}

/// Declares an [`Imp`] family for one of our backends polled one way (`With` or `Into`).
macro_rules! ours {
    ($family:ident, $form:ident, $name:literal, $backend:ty, $floor:literal) => {
        #[doc = concat!("Our backend: ", $name, ".")]
        #[derive(Debug)]
        pub(crate) enum $family {}

        impl Imp for $family {
            const NAME: &'static str = $name;
            const FLOOR: &'static str = $floor;
            type Loop<'fd> = $form<'fd, $backend>;
        }
    };
}

ours!(
    EpollWith,
    With,
    "epoll",
    selectors_epoll::EpollBackend,
    "raw epoll"
);
ours!(
    EpollInto,
    Into,
    "epoll (select_into)",
    selectors_epoll::EpollBackend,
    "raw epoll"
);
ours!(
    PollWith,
    With,
    "poll",
    selectors_poll::PollBackend,
    "raw poll"
);
ours!(
    SelectWith,
    With,
    "select",
    selectors_select::SelectBackend,
    "raw select"
);
ours!(
    EpollIdleWaker,
    IdleWaker,
    "epoll (idle waker)",
    selectors_epoll::EpollBackend,
    "raw epoll"
);
ours!(
    PollIdleWaker,
    IdleWaker,
    "poll (idle waker)",
    selectors_poll::PollBackend,
    "raw poll"
);
ours!(
    SelectIdleWaker,
    IdleWaker,
    "select (idle waker)",
    selectors_select::SelectBackend,
    "raw select"
);
