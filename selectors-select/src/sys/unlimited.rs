//! The `select(2)` call, over rustix's unlimited `fd_set`s.

use std::io;
use std::time::Duration;

use rustix::event::fd_set_num_elements;
use rustix::fd::RawFd;
use selectors_core::timeout;

pub(crate) use rustix::event::{
    FdSetElement, FdSetIter, fd_set_bound, fd_set_insert, fd_set_remove,
};

/// No fd is too large for rustix's sets.
pub(crate) const FD_LIMIT: Option<RawFd> = None;

/// The number of set elements that hold fds below `nfds`.
#[inline]
pub(crate) fn set_elements(nfds: RawFd) -> usize {
    fd_set_num_elements(nfds as usize, nfds)
}

/// Whether `select` can watch `fd` here: always, since rustix's sets have no `FD_SETSIZE`.
#[inline]
pub(crate) fn check_fd(_fd: RawFd) -> io::Result<()> {
    Ok(())
}

/// `select(nfds, readers, writers, NULL, timeout)` with the timeout rounded up to whole
/// microseconds; returns the number of ready (fd, direction) pairs.
#[inline]
pub(crate) fn select(
    nfds: RawFd,
    readers: &mut [FdSetElement],
    writers: &mut [FdSetElement],
    timeout: Option<Duration>,
) -> io::Result<usize> {
    let timespec = timeout::timespec_micros(timeout);
    // SAFETY: rustix requires every fd in the sets to be open. The sets hold only fds of
    // registered keys, whose file objects `BaseSelector` owns (keeping them open) until
    // `delete` clears them; an fd the caller closed anyway through a raw borrow makes the
    // kernel fail with `EBADF` rather than touch another file, which is the documented
    // behaviour of a closed registered fd.
    let count = unsafe {
        rustix::event::select(nfds, Some(readers), Some(writers), None, timespec.as_ref())
    }?;
    Ok(count as usize)
}
