//! Reliability on the kqueue backend over the **emulated** kqueue (`kqueue_emulated::*`):
//! model-checked random sequences, faults and bad input with the queue's events checked
//! against the map, fd exhaustion, threads and exec. Built on Linux: the model encodes
//! Linux's readiness rules for `AF_UNIX` sockets, and the exec case reads `/proc`.
#![cfg(target_os = "linux")]

use selectors_core::conformance::{Behaviour, ClosedFd, RegularFile, ReusedFd};
use selectors_core::{Events, RawFd};
use selectors_kqueue::{EVFILT_READ, EVFILT_WRITE, EmulatedKqueue, KqueueBackend};

/// The emulated queue's events, one `(fd, filter)` each, folded into `(fd, events)`.
fn interest(backend: &KqueueBackend<EmulatedKqueue>) -> Option<Vec<(RawFd, Events)>> {
    let mut list: Vec<(RawFd, Events)> = Vec::new();
    for (fd, filter) in backend.sys().registered() {
        let events = match filter {
            EVFILT_READ => Events::READ,
            EVFILT_WRITE => Events::WRITE,
            other => panic!("fd {fd}: unknown filter {other}"),
        };
        match list.iter_mut().find(|(seen, _)| *seen == fd) {
            Some((_, both)) => *both |= events,
            None => list.push((fd, events)),
        }
    }
    list.sort_unstable();
    Some(list)
}

/// kqueue drops an fd's events when it is closed (the emulation notices at the next wait),
/// so a reused number is not watched; a regular file is always ready (the emulation polls
/// it); the queue is a kernel object (the emulation holds a socket in its place).
const KQUEUE_EMULATED: Behaviour = Behaviour {
    closed_fd: ClosedFd::Forgotten,
    reused_fd: ReusedFd::Ignored,
    regular_file: RegularFile::Ready,
    kernel_object: true,
    creation_fails_on_emfile: true,
};

selectors_core::reliability_suite!(
    kqueue_emulated,
    KqueueBackend<EmulatedKqueue>,
    view = interest,
    behaviour = KQUEUE_EMULATED
);
