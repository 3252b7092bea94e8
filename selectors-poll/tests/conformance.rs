//! The conformance suite on poll, and poll's own case.
#![cfg(unix)]

use selectors_core::conformance;
use selectors_poll::PollBackend;

selectors_core::conformance_suite!(poll, PollBackend, scalable);

/// A registered fd closed behind the selector's back is reported (`POLLNVAL`), masked.
#[test]
fn poll_closed_fd_is_reported() {
    conformance::poll_closed_fd_is_reported::<PollBackend>(poll::borrow_raw);
}
