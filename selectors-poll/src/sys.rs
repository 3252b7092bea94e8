//! The `pollfd` entries of the persistent array, and the `poll(2)` call.

use std::io;
use std::time::Duration;

use rustix::event::{PollFd, PollFlags};
use rustix::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use selectors_core::timeout;

/// A `pollfd` for `fd` that lives in the backend's array between calls.
///
/// rustix ties a `PollFd` to the lifetime of the borrowed fd; the array outlives any one
/// borrow, so the entry keeps the number only.
#[inline]
pub(crate) fn pollfd(fd: BorrowedFd<'_>, events: PollFlags) -> PollFd<'static> {
    // SAFETY: the number comes from a live `BorrowedFd`, so it is not -1. The entry is only
    // ever passed to `poll(2)`, which does not read, write or close the file it names and
    // reports `POLLNVAL` for a number that is no longer open; `delete` removes the entry.
    // (A number closed and reused without `delete` is polled as the new file: the `Backend`
    // contract's documented case, which `BaseSelector` never creates, as it owns the file.)
    let fd = unsafe { BorrowedFd::borrow_raw(fd.as_raw_fd()) };
    PollFd::from_borrowed_fd(fd, events)
}

/// Changes the events an entry asks for.
#[inline]
pub(crate) fn set_interest(pollfd: &mut PollFd<'static>, events: PollFlags) {
    let fd = raw_fd(pollfd);
    // SAFETY: the number is that of an existing entry (made by `pollfd` above from a live
    // `BorrowedFd`, so not -1), and the new entry replaces it under the same argument.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    *pollfd = PollFd::from_borrowed_fd(fd, events);
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

/// The bits of poll flags as `u32`: `short` in C, which rustix gives as `u16` on some systems
/// and `i16` on others; through `u16`, the bits stay the same either way.
#[inline]
#[allow(
    clippy::unnecessary_cast,
    reason = "already `u16` on some systems, not on others"
)]
pub(crate) fn bits(flags: PollFlags) -> u32 {
    u32::from(flags.bits() as u16)
}
