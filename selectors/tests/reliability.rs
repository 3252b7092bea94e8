//! Reliability on `DefaultSelector`'s backend (`default_selector::*`; epoll on Linux, or the
//! one `SELECTORS_BACKEND` names): model-checked random sequences, faults and bad input,
//! fd exhaustion, threads and exec. Built on Linux: the model encodes Linux's readiness rules
//! for `AF_UNIX` sockets, and the exec case reads `/proc`.
#![cfg(target_os = "linux")]

use selectors::{Backend, DefaultBackend, Events, RawFd};
use selectors_core::conformance::{
    Behaviour, ClosedFd, RegularFile, ReusedFd, epoll_interest_list,
};

/// The kernel's interest list when the backend is epoll; the facade does not expose the
/// lists of the others.
fn interest(backend: &DefaultBackend) -> Option<Vec<(RawFd, Events)>> {
    match backend.name() {
        "epoll" => epoll_interest_list(backend),
        _ => None,
    }
}

/// The behaviour of the backend this process's `DefaultSelector` uses. Creation fails for
/// want of an fd only when `SELECTORS_BACKEND` forces a backend with a kernel object: the
/// probe falls through to poll or select.
fn behaviour() -> Behaviour {
    let backend = DefaultBackend::new().expect("DefaultBackend::new");
    let (closed_fd, reused_fd, regular_file, kernel_object) = match backend.name() {
        "epoll" => (
            ClosedFd::Forgotten,
            ReusedFd::Ignored,
            RegularFile::Refused(rustix::io::Errno::PERM.raw_os_error()),
            true,
        ),
        "poll" => (
            ClosedFd::Reported,
            ReusedFd::UnderOldKey,
            RegularFile::Ready,
            false,
        ),
        "select" => (
            ClosedFd::Ebadf,
            ReusedFd::UnderOldKey,
            RegularFile::Ready,
            false,
        ),
        other => panic!("no declared behaviour for {other}"),
    };
    Behaviour {
        closed_fd,
        reused_fd,
        regular_file,
        kernel_object,
        creation_fails_on_emfile: kernel_object
            && std::env::var_os(selectors::BACKEND_ENV).is_some_and(|name| !name.is_empty()),
    }
}

selectors_core::reliability_suite!(
    default_selector,
    DefaultBackend,
    view = interest,
    behaviour = behaviour(),
);
