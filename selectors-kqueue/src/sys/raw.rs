//! Queries on file descriptors known only by number, for the emulated kernel: whether one is
//! open, how many bytes it has to read, and `poll(2)` over a set of them.
//!
//! The emulated kernel watches descriptors it does not own, as the real kernel does; they may
//! have been closed since they were registered. These calls only inspect the descriptor table
//! (`fcntl(F_GETFD)` fails with `EBADF`, `poll` reports `POLLNVAL` for a closed number); none
//! reads, writes or closes anything.

use std::io;

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::fd::{BorrowedFd, RawFd};
use rustix::io::Errno;

/// One `struct pollfd`, by descriptor number.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawPollFd {
    pub(crate) fd: RawFd,
    pub(crate) events: PollFlags,
    pub(crate) revents: PollFlags,
}

/// Borrows a descriptor number for one query.
///
/// # Safety
/// The caller passes the `BorrowedFd` only to calls that inspect the descriptor table (and
/// report `EBADF` / `POLLNVAL` for a closed number), and does not let it outlive the call.
unsafe fn borrow(fd: RawFd) -> io::Result<BorrowedFd<'static>> {
    if fd < 0 {
        return Err(Errno::BADF.into());
    }
    // SAFETY: `fd` is not -1 (checked above); the caller's contract limits the borrow to
    // inspecting calls, for which a closed number is an error, not undefined behaviour.
    Ok(unsafe { BorrowedFd::borrow_raw(fd) })
}

/// `fcntl(fd, F_GETFD)`: `Ok` when `fd` is open, `EBADF` when it is not.
pub(crate) fn check_open(fd: RawFd) -> io::Result<()> {
    // SAFETY: used only for `fcntl(F_GETFD)`, which inspects the descriptor table.
    let borrowed = unsafe { borrow(fd) }?;
    rustix::io::fcntl_getfd(borrowed)?;
    Ok(())
}

/// `ioctl(fd, FIONREAD)`: the bytes ready to read on a socket, pipe or FIFO.
pub(crate) fn bytes_readable(fd: RawFd) -> io::Result<u64> {
    // SAFETY: used only for `ioctl(FIONREAD)`, which reads a count (`EBADF` for a closed fd).
    let borrowed = unsafe { borrow(fd) }?;
    Ok(rustix::io::ioctl_fionread(borrowed)?)
}

/// `poll(fds, timeout)`, filling each entry's `revents`; returns how many have any.
pub(crate) fn poll(fds: &mut [RawPollFd], timeout: Option<&Timespec>) -> io::Result<usize> {
    let mut pollfds = Vec::with_capacity(fds.len());
    for entry in fds.iter() {
        // SAFETY: used only for this `poll`, which reports a closed number as `POLLNVAL`;
        // the borrows end with `pollfds`, before this function returns.
        let borrowed = unsafe { borrow(entry.fd) }?;
        pollfds.push(PollFd::from_borrowed_fd(borrowed, entry.events));
    }
    let ready = rustix::event::poll(&mut pollfds, timeout)?;
    for (entry, pollfd) in fds.iter_mut().zip(&pollfds) {
        entry.revents = pollfd.revents();
    }
    Ok(ready)
}
