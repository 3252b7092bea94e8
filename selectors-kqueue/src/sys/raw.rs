//! Queries on file descriptors known only by number, for the emulated kernel: whether one is
//! open, how many bytes it has to read, where a regular file's offset stands against its
//! size, and `poll(2)` over a set of them.
//!
//! The emulated kernel watches descriptors it does not own, as the real kernel does; they may
//! have been closed since they were registered. These calls only inspect the descriptor table
//! and the files (`fcntl(F_GETFD)`, `fstat` and `lseek` fail with `EBADF`, `poll` reports
//! `POLLNVAL` for a closed number); none reads, writes, moves an offset or closes anything.

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
pub(crate) use super::fd_is_open as check_open;

/// `ioctl(fd, FIONREAD)`: the bytes ready to read on a socket, pipe or FIFO.
pub(crate) fn bytes_readable(fd: RawFd) -> io::Result<u64> {
    // SAFETY: used only for `ioctl(FIONREAD)`, which reads a count (`EBADF` for a closed fd).
    let borrowed = unsafe { borrow(fd) }?;
    Ok(rustix::io::ioctl_fionread(borrowed)?)
}

/// A regular file as the vnode read filter sees it: its size, the descriptor's offset, and
/// a stamp that changes when the file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RegularFile {
    pub(crate) size: i64,
    pub(crate) offset: i64,
    /// Size and modification time: a write to the file changes one or the other.
    pub(crate) stamp: (i64, i64, i64),
}

/// `fstat`, then `lseek(fd, 0, SEEK_CUR)` for a regular file: `None` for any other kind of
/// file, `EBADF` for a closed number.
pub(crate) fn regular_file(fd: RawFd) -> io::Result<Option<RegularFile>> {
    // SAFETY: used only for `fstat` and `lseek(SEEK_CUR)` by 0, which read the file's
    // attributes and the descriptor's offset without changing either.
    let borrowed = unsafe { borrow(fd) }?;
    let stat = rustix::fs::fstat(borrowed)?;
    if rustix::fs::FileType::from_raw_mode(stat.st_mode as _) != rustix::fs::FileType::RegularFile {
        return Ok(None);
    }
    let offset = rustix::fs::seek(borrowed, rustix::fs::SeekFrom::Current(0))?;
    let size = stat.st_size as i64;
    Ok(Some(RegularFile {
        size,
        offset: i64::try_from(offset).unwrap_or(i64::MAX),
        stamp: (size, stat.st_mtime as i64, stat.st_mtime_nsec as i64),
    }))
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
