//! The shared conformance suite, over the emulated kernel on every Unix, in FreeBSD's flavour
//! (`kqueue_emulated_freebsd::*`) and in XNU's (`kqueue_emulated_xnu::*`), and over the real
//! kernel where there is one (`kqueue::*`).
#![cfg(unix)]

use selectors_kqueue::{EmulatedKqueue, FreeBsd, KqueueBackend, Xnu};

selectors_core::conformance_suite!(
    kqueue_emulated_freebsd,
    KqueueBackend<EmulatedKqueue<FreeBsd>>,
    scalable
);

selectors_core::conformance_suite!(
    kqueue_emulated_xnu,
    KqueueBackend<EmulatedKqueue<Xnu>>,
    scalable
);

/// Closing a registered fd removes its filters ("Calling close() on a file descriptor will
/// remove any kevents that reference the descriptor", kqueue(2)): it is never reported, and
/// unregister still succeeds, whether the kernel answers the delete with `EBADF` (FreeBSD)
/// or `ENOENT` (XNU). The same rule as epoll's, so the same case.
#[test]
fn kqueue_emulated_freebsd_closed_fd_is_forgotten() {
    selectors_core::conformance::epoll_closed_fd_is_forgotten::<
        KqueueBackend<EmulatedKqueue<FreeBsd>>,
    >(kqueue_emulated_freebsd::borrow_raw);
}

/// As `kqueue_emulated_freebsd_closed_fd_is_forgotten`, in XNU's flavour.
#[test]
fn kqueue_emulated_xnu_closed_fd_is_forgotten() {
    selectors_core::conformance::epoll_closed_fd_is_forgotten::<KqueueBackend<EmulatedKqueue<Xnu>>>(
        kqueue_emulated_xnu::borrow_raw,
    );
}

selectors_kqueue::cfg_kqueue! {
    use selectors_kqueue::RealKqueue;

    selectors_core::conformance_suite!(kqueue, KqueueBackend<RealKqueue>, scalable);

    /// As `kqueue_emulated_freebsd_closed_fd_is_forgotten`, on the real kernel.
    #[test]
    fn kqueue_closed_fd_is_forgotten() {
        selectors_core::conformance::epoll_closed_fd_is_forgotten::<KqueueBackend<RealKqueue>>(
            kqueue::borrow_raw,
        );
    }
}
