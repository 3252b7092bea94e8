//! Which fd numbers can name an open file: the "negative fd" rule and the process's fd limit.
//!
//! Backends size tables by fd number (select's bitsets, poll's positions, the selector's fd
//! table), so a number that no open fd can have — `BorrowedFd::borrow_raw(i32::MAX)` — must be
//! refused before anything is allocated for it. On Unix an fd is always below the hard
//! `RLIMIT_NOFILE` (getrlimit(2): "a value one greater than the maximum file descriptor
//! number that can be opened by this process"). Reading the limit is a system call, so it is
//! cached, and read again only for an fd at or above the cached value (a privileged process
//! may raise it). Where the hard limit is infinite (macOS allows it; the kernel's
//! `kern.maxfilesperproc` then bounds fds), an fd at or above the soft limit is checked with
//! `fcntl(F_GETFD)` instead: a rare path, and only for numbers the caller says are open.

use std::io;

use rustix::fd::{BorrowedFd, RawFd};

/// The value no open fd or socket can have: negative numbers on Unix (where `-1` is the
/// conventional "no fd"), `INVALID_SOCKET` on Windows.
#[cfg(unix)]
#[inline]
#[must_use]
pub fn is_invalid_fd(fd: RawFd) -> bool {
    fd < 0
}

/// The value no open fd or socket can have: negative numbers on Unix (where `-1` is the
/// conventional "no fd"), `INVALID_SOCKET` on Windows.
#[cfg(windows)]
#[inline]
#[must_use]
pub fn is_invalid_fd(fd: RawFd) -> bool {
    fd == RawFd::MAX
}

/// Why an fd number cannot name an open file of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Sockets have no such limit: on Windows neither variant is made.
#[cfg_attr(not(unix), allow(dead_code))]
pub(crate) enum OutOfRange {
    /// At or above the hard `RLIMIT_NOFILE`, which is given.
    Limit(RawFd),
    /// The limit is infinite, and `fcntl` says the number is not open.
    NotOpen,
}

#[cfg(unix)]
mod unix {
    use std::sync::atomic::{AtomicI32, Ordering};

    use rustix::fd::{BorrowedFd, RawFd};
    use rustix::process::{Resource, getrlimit};

    use super::OutOfRange;

    /// The fd numbers below this are accepted without a system call: the hard limit, or the
    /// soft limit where the hard one is infinite. 0 until first read.
    static FAST_LIMIT: AtomicI32 = AtomicI32::new(0);

    /// `(fast limit, whether it is the hard limit)`, read now.
    fn read_limits() -> (RawFd, bool) {
        let limits = getrlimit(Resource::Nofile);
        let clamp = |limit: u64| RawFd::try_from(limit).unwrap_or(RawFd::MAX);
        match (limits.maximum, limits.current) {
            (Some(hard), _) => (clamp(hard), true),
            (None, Some(soft)) => (clamp(soft), false),
            (None, None) => (RawFd::MAX, false),
        }
    }

    #[inline]
    pub(crate) fn check(fd: BorrowedFd<'_>, raw: RawFd) -> Result<(), OutOfRange> {
        if raw < FAST_LIMIT.load(Ordering::Relaxed) {
            return Ok(());
        }
        slow_check(fd, raw)
    }

    #[cold]
    #[inline(never)]
    fn slow_check(fd: BorrowedFd<'_>, raw: RawFd) -> Result<(), OutOfRange> {
        let (limit, hard) = read_limits();
        FAST_LIMIT.store(limit, Ordering::Relaxed);
        if raw < limit {
            Ok(())
        } else if hard {
            Err(OutOfRange::Limit(limit))
        } else if rustix::io::fcntl_getfd(fd).is_ok() {
            Ok(())
        } else {
            Err(OutOfRange::NotOpen)
        }
    }
}

/// Whether `fd` can name an open file of this process; `raw` is its number (read once by
/// the caller). O(1): one atomic load on the common path.
#[inline]
pub(crate) fn check_range(fd: BorrowedFd<'_>, raw: RawFd) -> Result<(), OutOfRange> {
    #[cfg(unix)]
    return unix::check(fd, raw);
    #[cfg(not(unix))]
    {
        // Sockets are kernel handles, not indices: no table is sized by their value.
        let _ = (fd, raw);
        Ok(())
    }
}

/// For backends that size a table by fd number: `Ok` when `fd` can be an open fd of this
/// process, else an [`io::ErrorKind::InvalidInput`] error saying why. The selector checks the
/// same before calling [`Backend::add`](crate::Backend::add) (and reports
/// [`Error::FdOutOfRange`](crate::Error::FdOutOfRange)); this is for a backend used directly.
///
/// ```
/// # #[cfg(unix)] {
/// use std::os::fd::AsFd;
/// use selectors_core::{AsRawFd, check_fd_range};
///
/// let file = std::fs::File::open("/dev/null")?;
/// assert!(check_fd_range(file.as_fd(), file.as_raw_fd()).is_ok());
/// # }
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
/// [`io::ErrorKind::InvalidInput`] for a number no open fd can have.
#[inline]
pub fn check_fd_range(fd: BorrowedFd<'_>, raw: RawFd) -> io::Result<()> {
    if is_invalid_fd(raw) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            if cfg!(windows) {
                format!("invalid socket {raw}")
            } else {
                format!("invalid file descriptor {raw}")
            },
        ));
    }
    check_range(fd, raw).map_err(|why| {
        let message = match why {
            OutOfRange::Limit(limit) => {
                format!("file descriptor {raw} is at or above the process's fd limit {limit}")
            }
            OutOfRange::NotOpen => format!("file descriptor {raw} is not open"),
        };
        io::Error::new(io::ErrorKind::InvalidInput, message)
    })
}
