//! Reliability on poll: model-checked random sequences, faults and bad input with the
//! interest list checked against the map, fd exhaustion, threads and exec (`poll::*`). Built
//! on Linux: the model encodes Linux's readiness rules for `AF_UNIX` sockets, and the exec
//! case reads `/proc`. On Windows the model-checked sequences alone, over loopback TCP.
#![cfg(any(target_os = "linux", windows))]

#[cfg(target_os = "linux")]
use selectors_core::conformance::{Behaviour, ClosedFd, RegularFile, ReusedFd};
use selectors_core::{Events, RawFd};
use selectors_poll::PollBackend;

/// The backend's own interest list: its `pollfd` array.
fn interest(backend: &PollBackend) -> Option<Vec<(RawFd, Events)>> {
    Some(backend.interest_list())
}

/// poll(2) reports a closed fd as `POLLNVAL` and polls whatever file holds the number; a
/// regular file is always ready; there is no kernel object.
#[cfg(target_os = "linux")]
const POLL: Behaviour = Behaviour {
    closed_fd: ClosedFd::Reported,
    reused_fd: ReusedFd::UnderOldKey,
    regular_file: RegularFile::Ready,
    kernel_object: false,
    creation_fails_on_emfile: false,
};

#[cfg(target_os = "linux")]
selectors_core::reliability_suite!(poll, PollBackend, view = interest, behaviour = POLL,);
#[cfg(windows)]
selectors_core::reliability_suite!(poll, PollBackend, view = interest, windows);
