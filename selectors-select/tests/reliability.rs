//! Reliability on select: model-checked random sequences, faults and bad input with the
//! interest list checked against the map, fd exhaustion, threads and exec (`select::*`).
//! Built on Linux: the model encodes Linux's readiness rules for `AF_UNIX` sockets, and the
//! exec case reads `/proc`.
//! On Windows, the model-checked sequences alone, over loopback TCP pairs.
#![cfg(any(target_os = "linux", windows))]

#[cfg(target_os = "linux")]
use selectors_core::conformance::{Behaviour, ClosedFd, RegularFile, ReusedFd};
use selectors_core::{Events, RawFd};
use selectors_select::SelectBackend;

/// The backend's own interest list: its read and write fd sets.
fn interest(backend: &SelectBackend) -> Option<Vec<(RawFd, Events)>> {
    Some(backend.interest_list())
}

/// select(2) fails with `EBADF` while a closed fd is in its sets, and watches whatever file
/// holds the number; a regular file is always ready; there is no kernel object.
#[cfg(target_os = "linux")]
const SELECT: Behaviour = Behaviour {
    closed_fd: ClosedFd::Ebadf,
    reused_fd: ReusedFd::UnderOldKey,
    regular_file: RegularFile::Ready,
    kernel_object: false,
    creation_fails_on_emfile: false,
};

#[cfg(target_os = "linux")]
selectors_core::reliability_suite!(select, SelectBackend, view = interest, behaviour = SELECT,);
#[cfg(windows)]
selectors_core::reliability_suite!(select, SelectBackend, view = interest, windows);
