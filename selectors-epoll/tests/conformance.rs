//! The conformance suite on epoll: nanosecond timeouts (`epoll_pwait2` where the kernel has
//! it) as `epoll::*`, millisecond timeouts as `epoll_millis::*`, and epoll's own cases.
#![cfg(have_epoll)]

mod common;

use common::EpollMillis;
use selectors_core::conformance;
use selectors_epoll::EpollBackend;

selectors_core::conformance_suite!(epoll, EpollBackend, scalable);
selectors_core::conformance_suite!(epoll_millis, EpollMillis);

/// CPython's `test_register_file`: a regular file is `EPERM`, rolled back.
#[test]
fn epoll_register_regular_file_is_eperm() {
    conformance::epoll_register_regular_file_is_eperm::<EpollBackend>();
}

/// A registered fd closed behind the selector's back is dropped by the kernel, silently.
#[test]
fn epoll_closed_fd_is_forgotten() {
    conformance::epoll_closed_fd_is_forgotten::<EpollBackend>(epoll::borrow_raw);
}
