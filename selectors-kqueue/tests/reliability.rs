//! Reliability on the kqueue backend over the **emulated** kqueue, in FreeBSD's flavour
//! (`kqueue_emulated_freebsd::*`) and in XNU's (`kqueue_emulated_xnu::*`): model-checked
//! random sequences, faults and bad input with the queue's events checked against the map,
//! fd exhaustion, threads and exec. Built on Linux: the model encodes Linux's readiness
//! rules for `AF_UNIX` sockets, and the exec case reads `/proc`.
#![cfg(target_os = "linux")]

use selectors_core::conformance::{Behaviour, ClosedFd, RegularFile, ReusedFd};
use selectors_core::{Events, RawFd};
use selectors_kqueue::{EVFILT_WRITE, EmulatedKqueue, Flavour, FreeBsd, KqueueBackend, Xnu};

/// The emulated queue's events, folded per fd.
fn interest<F: Flavour>(
    backend: &KqueueBackend<EmulatedKqueue<F>>,
) -> Option<Vec<(RawFd, Events)>> {
    Some(backend.sys().interest_list())
}

/// kqueue drops an fd's events when it is closed (the emulation notices at the next wait),
/// so a reused number is not watched; a regular file is readable only before its end, as
/// the vnode filter says; the queue is a kernel object (the emulation holds a socket in its
/// place).
const KQUEUE_EMULATED: Behaviour = Behaviour {
    closed_fd: ClosedFd::Forgotten,
    reused_fd: ReusedFd::Ignored,
    regular_file: RegularFile::ReadableBeforeEof,
    kernel_object: true,
    creation_fails_on_emfile: true,
};

selectors_core::reliability_suite!(
    kqueue_emulated_freebsd,
    KqueueBackend<EmulatedKqueue<FreeBsd>>,
    view = interest::<FreeBsd>,
    behaviour = KQUEUE_EMULATED,
);

selectors_core::reliability_suite!(
    kqueue_emulated_xnu,
    KqueueBackend<EmulatedKqueue<Xnu>>,
    view = interest::<Xnu>,
    behaviour = KQUEUE_EMULATED,
);

/// The backend gives the kernel room for every filter, so one `kevent` reports every ready
/// filter (`every_ready_fd_once_however_many` above checks that through the selector). Should
/// there be less room, the kernel starves none: FreeBSD's `kqueue_scan` puts each
/// level-triggered event it reported back at the tail of the queue, so successive calls
/// report every ready event before any twice; XNU's `knote_process` re-activates a reported
/// level-triggered event, which queues it at the tail too. The emulation must do the same.
fn rotates_ready_events_through_a_short_buffer<F: Flavour>() {
    // Opens fds: never while a case that needs stable fd numbers runs.
    let _fds = selectors_core::conformance::FdLock::shared();
    use std::os::unix::net::UnixStream;

    use rustix::fd::AsRawFd;
    use selectors_kqueue::{EV_ADD, Kevent, KqueueSys};

    const READY: usize = 12;
    const ROOM: usize = 5;
    let mut kq = EmulatedKqueue::<F>::kqueue().unwrap();
    let pairs: Vec<(UnixStream, UnixStream)> =
        (0..READY).map(|_| UnixStream::pair().unwrap()).collect();
    let changes: Vec<Kevent> = pairs
        .iter()
        .map(|(a, _)| Kevent::new(a.as_raw_fd(), EVFILT_WRITE, EV_ADD))
        .collect();
    assert_eq!(kq.kevent(&changes, &mut [], None).unwrap(), 0);
    let zero = rustix::event::Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let mut seen = Vec::new();
    for _ in 0..READY.div_ceil(ROOM) {
        let mut events = [Kevent::default(); ROOM];
        let n = kq.kevent(&[], &mut events, Some(&zero)).unwrap();
        assert_eq!(n, ROOM, "every writer stays ready");
        seen.extend(events.iter().map(Kevent::fd));
    }
    let mut first: Vec<RawFd> = seen[..READY].to_vec();
    first.sort_unstable();
    first.dedup();
    assert_eq!(
        first.len(),
        READY,
        "an event came twice before another came once: {seen:?}"
    );
}

#[test]
fn emulated_freebsd_rotates_ready_events_through_a_short_buffer() {
    rotates_ready_events_through_a_short_buffer::<FreeBsd>();
}

#[test]
fn emulated_xnu_rotates_ready_events_through_a_short_buffer() {
    rotates_ready_events_through_a_short_buffer::<Xnu>();
}
