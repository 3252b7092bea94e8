//! The conformance suite on select, and select's own cases.
// The targets where `selectors_select::SelectBackend` exists (build.rs).
#![cfg(have_select)]

#[cfg(unix)]
use selectors_core::conformance;
use selectors_select::SelectBackend;

// CPython runs its many-fds case only for the "scalable" selectors; this select has no
// FD_SETSIZE cap on most targets (rustix's unlimited fd sets) and a 65 536 one on 64-bit
// illumos and Solaris, so it runs it too.
selectors_core::conformance_suite!(select, SelectBackend, scalable);

/// A registered fd closed behind the selector's back fails every `select` with `EBADF`. (On
/// Windows, `select::windows_socket_closed_behind_the_selectors_back`: `WSAENOTSOCK`.)
#[cfg(unix)]
#[test]
fn select_closed_fd_is_ebadf() {
    conformance::select_closed_fd_is_ebadf::<SelectBackend>(select::borrow_raw);
}

/// No `FD_SETSIZE` cap: an fd above 1024 registers and is reported. (On Windows,
/// `select::windows_many_sockets_in_one_select`.)
#[cfg(unix)]
#[test]
fn select_accepts_fd_above_fd_setsize() {
    conformance::select_accepts_fd_above_fd_setsize::<SelectBackend>();
}
