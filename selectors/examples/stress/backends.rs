//! Every backend a model run covers on Linux, with its interest-list view: select, poll,
//! epoll (nanosecond and millisecond timeouts), the kqueue logic over its emulated kernel in
//! FreeBSD's flavour and in XNU's, the /dev/poll logic over its emulated device, and
//! `DefaultSelector`'s backend. Shared by the `stress` example and the
//! fuzz target (`selectors/fuzz`), which include this file.

use std::time::Duration;

use selectors::epoll::EpollMillisBackend as EpollMillis;
use selectors::{
    Backend, BorrowedFd, DefaultBackend, EpollBackend, Events, PollBackend, RawFd, SelectBackend,
};
use selectors_core::conformance::{InterestList, Op, epoll_interest_list, model_run_for, run_ops};
use selectors_devpoll::{DevpollBackend, EmulatedDevpoll};
use selectors_kqueue::{EmulatedKqueue, Flavour, FreeBsd, KqueueBackend, Xnu};

/// Python's raw-fd registration, for the model's alias and negative-fd operations.
fn borrow_raw(fd: RawFd) -> BorrowedFd<'static> {
    // SAFETY: the model runner borrows only the fds of its own sockets, which it keeps open
    // while the selector may pass them to the kernel, and the negative fd -2, which the
    // selector refuses before any use (-1, the niche, is never borrowed).
    unsafe { BorrowedFd::borrow_raw(fd) }
}

fn select_view(backend: &SelectBackend) -> Option<Vec<(RawFd, Events)>> {
    Some(backend.interest_list())
}

fn poll_view(backend: &PollBackend) -> Option<Vec<(RawFd, Events)>> {
    Some(backend.interest_list())
}

fn kqueue_view<F: Flavour>(
    backend: &KqueueBackend<EmulatedKqueue<F>>,
) -> Option<Vec<(RawFd, Events)>> {
    Some(backend.sys().interest_list())
}

fn devpoll_view(backend: &DevpollBackend<EmulatedDevpoll>) -> Option<Vec<(RawFd, Events)>> {
    Some(backend.sys().interest_list())
}

fn default_view(backend: &DefaultBackend) -> Option<Vec<(RawFd, Events)>> {
    match backend.name() {
        "epoll" => epoll_interest_list(backend),
        _ => None,
    }
}

/// One backend: its name, a run of one sequence, and a timed run of consecutive seeds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Covered {
    /// How the backend is called in reports.
    pub(crate) name: &'static str,
    /// Runs one sequence; the first disagreement with the model, if any.
    #[allow(
        dead_code,
        reason = "the fuzz target runs single sequences, the stress example timed runs"
    )]
    pub(crate) run: fn(&[Op]) -> Result<(), String>,
    /// Runs sequences from a first seed for a while: `(sequences, operations)`.
    pub(crate) run_for: fn(Duration, u64) -> (u64, u64),
}

/// A [`Covered`] for backend `$backend` seen through `$view`.
macro_rules! covered {
    ($name:expr, $backend:ty, $view:expr) => {
        Covered {
            name: $name,
            run: |ops| {
                let view: InterestList<$backend> = $view;
                run_ops::<$backend>(ops, view, borrow_raw)
            },
            run_for: |time, first| {
                let view: InterestList<$backend> = $view;
                model_run_for::<$backend>(time, first, view, borrow_raw)
            },
        }
    };
}

/// Every backend a model run covers here.
pub(crate) const BACKENDS: [Covered; 8] = [
    covered!("select", SelectBackend, select_view),
    covered!("poll", PollBackend, poll_view),
    covered!("epoll", EpollBackend, epoll_interest_list),
    covered!("epoll_millis", EpollMillis, epoll_interest_list),
    covered!(
        "kqueue_emulated_freebsd",
        KqueueBackend<EmulatedKqueue<FreeBsd>>,
        kqueue_view::<FreeBsd>
    ),
    covered!(
        "kqueue_emulated_xnu",
        KqueueBackend<EmulatedKqueue<Xnu>>,
        kqueue_view::<Xnu>
    ),
    covered!(
        "devpoll_emulated",
        DevpollBackend<EmulatedDevpoll>,
        devpoll_view
    ),
    covered!("default_selector", DefaultBackend, default_view),
];
