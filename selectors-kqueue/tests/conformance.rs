//! The shared conformance suite, over the emulated kernel on every Unix (`kqueue_emulated::*`)
//! and over the real kernel where there is one (`kqueue::*`).
#![cfg(unix)]

use selectors_kqueue::{EmulatedKqueue, KqueueBackend};

selectors_core::conformance_suite!(kqueue_emulated, KqueueBackend<EmulatedKqueue>, scalable);

/// Closing a registered fd removes its filters ("Calling close() on a file descriptor will
/// remove any kevents that reference the descriptor", kqueue(2)): it is never reported, and
/// unregister still succeeds. The same rule as epoll's, so the same case.
#[test]
fn kqueue_emulated_closed_fd_is_forgotten() {
    selectors_core::conformance::epoll_closed_fd_is_forgotten::<KqueueBackend<EmulatedKqueue>>(
        kqueue_emulated::borrow_raw,
    );
}

selectors_kqueue::cfg_kqueue! {
    selectors_core::conformance_suite!(kqueue, KqueueBackend, scalable);

    /// As `kqueue_emulated_closed_fd_is_forgotten`, on the real kernel.
    #[test]
    fn kqueue_closed_fd_is_forgotten() {
        selectors_core::conformance::epoll_closed_fd_is_forgotten::<KqueueBackend>(
            kqueue::borrow_raw,
        );
    }
}
