//! The conformance suite: the behaviour every backend must share, as generic test cases.
//!
//! Each case is a plain function generic over a [`Backend`](crate::Backend), which panics with
//! a message saying what went wrong. A backend crate runs all of them with one macro call in
//! an integration test, and each case becomes a `#[test]` named after the backend
//! (`epoll::register_rejects_empty_events`, `poll::select_random_exchange`, ...):
//!
//! ```text
//! // selectors-epoll/tests/conformance.rs
//! use selectors_epoll::EpollBackend;
//! selectors_core::conformance_suite!(epoll, EpollBackend, scalable);
//! // selectors-epoll/tests/signals.rs (a binary of its own: signal handlers are process-wide)
//! selectors_core::signal_suite!(epoll, EpollBackend);
//! ```
//!
//! The cases cover CPython's `test_selectors.py` (the list is in `docs/conformance.md`) and
//! each rule where this crate improves on CPython. Cases run on real fds (socket pairs, TCP on
//! 127.0.0.1); those that need to watch or break the backend wrap it in [`Faulty`], which
//! delegates to it unchanged unless told to fail.
//!
//! Where backends legitimately differ (a closed registered fd, a regular file), the case is a
//! function of its own that only the backend concerned calls (Unix): `select_closed_fd_is_ebadf`,
//! `poll_closed_fd_is_reported`, `epoll_closed_fd_is_forgotten`,
//! `epoll_register_regular_file_is_eperm`, `select_accepts_fd_above_fd_setsize`.
//!
//! Some cases register raw fd numbers, as Python's `register(fd, ...)` does, and close them
//! behind the selector's back. That needs `unsafe { BorrowedFd::borrow_raw(fd) }`, which this
//! crate forbids, so those cases take a [`BorrowRaw`] function that the macros define in the
//! test crate.
//!
//! On Windows the suite runs over loopback TCP pairs (a [`Stream`] is a `TcpStream` there):
//! every case that applies to sockets runs, plus the cases of `windows.rs`; the cases that
//! cannot apply there (pipes, `AF_UNIX`, signals, fork and exec, `/proc`, negative fd
//! numbers, regular files, `dup` at a chosen number) are compiled for Unix only, each list in
//! `docs/conformance.md` with its reason.
#![cfg(any(unix, windows))]

mod dups;
#[cfg(unix)]
mod faults;
mod faulty;
mod hostile;
mod lifecycle;
mod lookup;
mod macros;
#[cfg(unix)]
mod many;
mod model;
mod modify;
mod ops;
mod outcome;
#[cfg(unix)]
mod process;
mod random;
mod register;
mod reliability_macro;
mod run;
mod select;
#[cfg(unix)]
mod signal_storm;
#[cfg(unix)]
mod signal_wake;
#[cfg(unix)]
mod signals;
#[cfg(unix)]
mod specific;
#[cfg(unix)]
mod stale;
mod support;
mod sys;
mod timing;
mod unregister;
mod view;
mod waker;
#[cfg(windows)]
mod windows;

#[cfg(unix)]
pub use faults::*;
pub use faulty::{Calls, Faulty};
pub use hostile::*;
pub use lifecycle::*;
pub use lookup::*;
#[cfg(unix)]
pub use many::*;
pub use model::*;
pub use modify::*;
pub use ops::*;
#[cfg(unix)]
pub use process::*;
pub use random::*;
pub use register::*;
pub use run::{ModelFile, run_ops};
pub use select::*;
#[cfg(unix)]
pub use signal_storm::*;
#[cfg(unix)]
pub use signal_wake::wake_from_a_signal_handler;
#[cfg(unix)]
pub use signals::*;
#[cfg(unix)]
pub use specific::*;
#[cfg(unix)]
pub use stale::*;
pub use support::*;
pub use timing::*;
pub use unregister::*;
pub use view::*;
pub use waker::*;
#[cfg(windows)]
pub use windows::*;

/// The `nix` crate, for the signal suite's handler installation in the test crate.
#[cfg(unix)]
pub use nix;
