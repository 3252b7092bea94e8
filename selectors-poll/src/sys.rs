//! The `pollfd` entries of the persistent array, and the `poll(2)` call.

use std::io;
use std::time::Duration;

use rustix::event::{PollFd, PollFlags};
use rustix::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use selectors_core::timeout;

/// A `pollfd` for `fd` that lives in the backend's array between calls.
///
/// rustix ties a `PollFd` to the lifetime of the borrowed fd; the array outlives any one
/// borrow, so the entry is made from the raw number.
#[inline]
pub(crate) fn pollfd(fd: RawFd, events: PollFlags) -> PollFd<'static> {
    // SAFETY: the fd is only ever passed to `poll(2)`, which does not access the file it
    // names and reports `POLLNVAL` for an fd that is no longer open; `BaseSelector` owns the
    // file object (keeping the fd open) from `add` until `delete` removes this entry.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    PollFd::from_borrowed_fd(fd, events)
}

/// The fd number of an entry.
#[inline]
pub(crate) fn raw_fd(pollfd: &PollFd<'_>) -> RawFd {
    pollfd.as_fd().as_raw_fd()
}

/// `poll(fds, timeout)` with the timeout rounded up to whole milliseconds (poll's resolution);
/// returns the number of entries with events.
#[inline]
pub(crate) fn poll(
    pollfds: &mut [PollFd<'static>],
    timeout: Option<Duration>,
) -> io::Result<usize> {
    let timespec = timeout::timespec_millis(timeout);
    Ok(rustix::event::poll(pollfds, timespec.as_ref())?)
}
