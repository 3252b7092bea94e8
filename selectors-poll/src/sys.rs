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
    // SAFETY: the number comes from a live `BorrowedFd`, so it is not -1 (nor
    // `INVALID_SOCKET` on Windows). The entry is only
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
    // `BorrowedFd`, so not -1 nor `INVALID_SOCKET`), and the new entry replaces it under the same argument.
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
#[cfg(unix)]
#[inline]
pub(crate) fn poll(
    pollfds: &mut [PollFd<'static>],
    timeout: Option<Duration>,
) -> io::Result<usize> {
    let timespec = timeout::timespec_millis(timeout);
    Ok(rustix::event::poll(pollfds, timespec.as_ref())?)
}

/// `WSAPoll(fds, timeout)` with the timeout rounded up to whole milliseconds; returns the
/// number of entries with events. An empty array, which `WSAPoll` refuses (`WSAEINVAL`),
/// sleeps for the timeout instead: an hour at a time without one (the selector waits again).
#[cfg(windows)]
#[inline]
pub(crate) fn poll(
    pollfds: &mut [PollFd<'static>],
    timeout: Option<Duration>,
) -> io::Result<usize> {
    const BLOCK_CHUNK: Duration = Duration::from_secs(3600);
    if pollfds.is_empty() {
        let millis = timeout::ceil_millis(timeout);
        let sleep = u64::try_from(millis).map_or(BLOCK_CHUNK, Duration::from_millis);
        if !sleep.is_zero() {
            std::thread::sleep(sleep.min(BLOCK_CHUNK));
        }
        return Ok(0);
    }
    let timespec = timeout::timespec_millis(timeout);
    Ok(rustix::event::poll(pollfds, timespec.as_ref())?)
}

/// Starts Winsock once per process (`WSAStartup`, version 2.2): std does on its first socket,
/// but sockets made by other means (a C library, `windows-sys`) would not have.
///
/// # Errors
/// The error `WSAStartup` gave, every time.
#[cfg(windows)]
pub(crate) fn startup() -> io::Result<()> {
    static STARTED: std::sync::OnceLock<Result<(), i32>> = std::sync::OnceLock::new();
    let started = STARTED.get_or_init(|| {
        rustix::net::wsa_startup()
            .map(drop)
            .map_err(|err| err.raw_os_error())
    });
    started.map_err(io::Error::from_raw_os_error)
}

/// Nothing to start on Unix.
#[cfg(unix)]
#[inline]
pub(crate) fn startup() -> io::Result<()> {
    Ok(())
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
