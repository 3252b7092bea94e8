//! Reliability on the devpoll backend over the **emulated** `/dev/poll`
//! (`devpoll_emulated::*`): model-checked random sequences, faults and bad input with the
//! interest set checked against the map, fd exhaustion, threads and exec. Built on Linux: the
//! model encodes Linux's readiness rules for `AF_UNIX` sockets, and the exec case reads
//! `/proc`.
#![cfg(target_os = "linux")]

use selectors_core::conformance::{Behaviour, ClosedFd, RegularFile, ReusedFd};
use selectors_core::{Events, RawFd};
use selectors_devpoll::{DevpollBackend, EmulatedDevpoll, POLLIN, POLLOUT};

/// The emulated interest set, from its table; it holds only the two masks the backend writes.
fn interest(backend: &DevpollBackend<EmulatedDevpoll>) -> Option<Vec<(RawFd, Events)>> {
    for (fd, mask) in backend.sys().entries() {
        assert_eq!(mask & !(POLLIN | POLLOUT), 0, "fd {fd}: mask {mask:#x}");
    }
    Some(backend.sys().interest_list())
}

/// /dev/poll reports a closed fd with `POLLNVAL` and polls the file that reuses its number
/// (poll(7D)); a regular file is always ready (illumos's `fs_poll`); the set is a kernel
/// object (the emulation holds `/dev/null` in its place).
const DEVPOLL_EMULATED: Behaviour = Behaviour {
    closed_fd: ClosedFd::Reported,
    reused_fd: ReusedFd::UnderOldKey,
    regular_file: RegularFile::Ready,
    kernel_object: true,
    creation_fails_on_emfile: true,
};

selectors_core::reliability_suite!(
    devpoll_emulated,
    DevpollBackend<EmulatedDevpoll>,
    view = interest,
    behaviour = DEVPOLL_EMULATED,
);
