//! The conformance suite on poll, and poll's own case.
// Every Unix, and Windows (WSAPoll).
#![cfg(any(unix, windows))]

#[cfg(unix)]
use selectors_core::conformance;
use selectors_poll::PollBackend;

selectors_core::conformance_suite!(poll, PollBackend, scalable);

/// A registered fd closed behind the selector's back is reported (`POLLNVAL`), masked. (On
/// Windows, `poll::windows_socket_closed_behind_the_selectors_back`.)
#[cfg(unix)]
#[test]
fn poll_closed_fd_is_reported() {
    conformance::poll_closed_fd_is_reported::<PollBackend>(poll::borrow_raw);
}
