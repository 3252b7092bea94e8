//! `Target`: how `unregister`, `modify`, `get_key` and the map name a registration.

use rustix::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

/// Something that names a registered file descriptor: a raw fd number, a [`BorrowedFd`], or a
/// reference to any [`AsFd`] object (Python accepts the file object or its fd).
/// On Windows the numbers are `SOCKET`s and the objects sockets (rustix's `AsFd` is std's
/// `AsSocket` there).
///
/// A raw number is only compared with the map; it is never passed to the kernel, so naming an
/// fd that is closed or was never opened is safe and gives [`Error::NotRegistered`] (or
/// [`Error::InvalidFd`] when negative, or `INVALID_SOCKET` on Windows).
///
/// [`Error::NotRegistered`]: crate::Error::NotRegistered
/// [`Error::InvalidFd`]: crate::Error::InvalidFd
pub trait Target {
    /// The file descriptor number this target names.
    fn target_fd(&self) -> RawFd;
}

impl Target for RawFd {
    #[inline]
    fn target_fd(&self) -> RawFd {
        *self
    }
}

impl Target for BorrowedFd<'_> {
    #[inline]
    fn target_fd(&self) -> RawFd {
        self.as_raw_fd()
    }
}

impl<T: AsFd + ?Sized> Target for &T {
    #[inline]
    fn target_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}

impl<T: AsFd + ?Sized> Target for &mut T {
    #[inline]
    fn target_fd(&self) -> RawFd {
        self.as_fd().as_raw_fd()
    }
}
