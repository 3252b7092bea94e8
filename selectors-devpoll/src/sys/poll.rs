//! The system calls of the emulated device: `poll(2)` over the interest table, and
//! `fcntl(F_GETFD)` to tell whether an fd is open.

use std::io;

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::fd::{BorrowedFd, RawFd};

/// Whether `fd` names an open file descriptor of this process.
pub(crate) fn is_open(fd: RawFd) -> bool {
    if fd < 0 {
        return false;
    }
    // SAFETY: the borrow is used only for `fcntl(F_GETFD)`, which reads the descriptor's
    // flags and fails with `EBADF` when `fd` is not open; it ends with this call.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    rustix::io::fcntl_getfd(borrowed).is_ok()
}

/// A `pollfd` for `fd` asking for the `poll(2)` flags `events`.
pub(crate) fn pollfd(fd: RawFd, events: i16) -> PollFd<'static> {
    // SAFETY: the entry is only passed to `poll(2)`, which does not access the file it names
    // and reports `POLLNVAL` for an fd that is not open (the state the emulated driver reports
    // for a closed fd that was not removed, poll(7D)); it never outlives the emulator's call.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    PollFd::from_borrowed_fd(borrowed, PollFlags::from_bits_retain(events as _))
}

/// The `revents` of an entry after `poll`.
#[inline]
pub(crate) fn revents(pollfd: &PollFd<'_>) -> i16 {
    let bits: i16 = pollfd.revents().bits() as _;
    bits
}

/// `poll(fds, timeout_ms)`: `-1` blocks, `0` returns at once; returns the number of entries
/// with events.
pub(crate) fn poll(fds: &mut [PollFd<'static>], timeout_ms: i32) -> io::Result<usize> {
    let timeout = (timeout_ms >= 0).then(|| Timespec {
        tv_sec: (timeout_ms / 1000).into(),
        tv_nsec: ((timeout_ms % 1000) * 1_000_000).into(),
    });
    Ok(rustix::event::poll(fds, timeout.as_ref())?)
}

/// Whether `fd` is open with `FD_CLOEXEC` set.
#[cfg(all(test, target_os = "linux"))]
pub(crate) fn is_cloexec(fd: RawFd) -> bool {
    // SAFETY: as in `is_open`: the borrow only reaches `fcntl(F_GETFD)` and ends with it.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    rustix::io::fcntl_getfd(borrowed)
        .is_ok_and(|flags| flags.contains(rustix::io::FdFlags::CLOEXEC))
}

/// Runs `check` in a forked child process and returns its verdict.
///
/// `check` must make only async-signal-safe calls: the test harness has other threads.
#[cfg(all(test, target_os = "linux"))]
pub(crate) fn in_child(check: impl FnOnce() -> bool) -> bool {
    use nix::sys::wait::{WaitStatus, waitpid};
    use nix::unistd::{ForkResult, fork};

    // SAFETY: the child runs only `check`, which the caller keeps async-signal-safe, and
    // leaves with `_exit`, running no destructors or exit handlers.
    match unsafe { fork() }.expect("fork") {
        ForkResult::Child => {
            let code = if check() { 0 } else { 1 };
            // SAFETY: `_exit` ends the child at once; nothing of it is used afterwards.
            unsafe { nix::libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            waitpid(child, None).expect("waitpid") == WaitStatus::Exited(child, 0)
        }
    }
}
