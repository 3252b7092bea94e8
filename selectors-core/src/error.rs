//! The error type: Python's `ValueError`, `KeyError` and `OSError` as one typed enum.

use std::fmt;
use std::io;

use rustix::fd::RawFd;

use crate::Events;

/// What went wrong in a selector call.
///
/// The variants follow Python's exception taxonomy: [`InvalidEvents`](Error::InvalidEvents) and
/// [`InvalidFd`](Error::InvalidFd) are `ValueError`, [`AlreadyRegistered`](Error::AlreadyRegistered)
/// and [`NotRegistered`](Error::NotRegistered) are `KeyError`, [`Os`](Error::Os) is `OSError`.
/// Every error except `Os` is detected before any state changes; see each method for what an
/// `Os` error leaves behind.
///
/// Converting to [`io::Error`] keeps the errno of an OS error and maps the rest to
/// [`io::ErrorKind::InvalidInput`], [`AlreadyExists`](io::ErrorKind::AlreadyExists) and
/// [`NotFound`](io::ErrorKind::NotFound):
///
/// ```
/// use std::io;
/// use selectors_core::Error;
///
/// let err: io::Error = Error::NotRegistered(7).into();
/// assert_eq!(err.kind(), io::ErrorKind::NotFound);
/// let err: io::Error = Error::Os(io::Error::from_raw_os_error(9)).into();
/// assert_eq!(err.raw_os_error(), Some(9));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The event mask is empty or has bits other than `READ | WRITE` (Python: `ValueError`).
    #[error("invalid events: {0:#x}")]
    InvalidEvents(u8),
    /// The file descriptor is negative (Python: `ValueError`).
    #[error("invalid file descriptor: {0}")]
    InvalidFd(RawFd),
    /// The file descriptor is above what this backend can watch (select's `FD_SETSIZE` where
    /// the C library's `fd_set` is fixed-size). Python defers this error to every later
    /// `select()`; it is reported at `register` here.
    #[error("file descriptor {fd} is out of range for this selector (limit {limit})")]
    FdOutOfRange {
        /// The file descriptor that was refused.
        fd: RawFd,
        /// The first file descriptor value the backend cannot watch.
        limit: RawFd,
    },
    /// The file descriptor is already registered, by this or another object (Python:
    /// `KeyError`).
    #[error("file descriptor {0} is already registered")]
    AlreadyRegistered(RawFd),
    /// The file descriptor is not registered (Python: `KeyError`).
    #[error("file descriptor {0} is not registered")]
    NotRegistered(RawFd),
    /// The kernel refused the operation (Python: `OSError`); the errno is kept.
    #[error(transparent)]
    Os(#[from] io::Error),
}

impl Error {
    /// The error for an invalid event mask.
    #[inline]
    #[must_use]
    pub fn invalid_events(events: Events) -> Error {
        Error::InvalidEvents(events.bits())
    }

    /// The raw OS error number, for [`Error::Os`] errors that carry one.
    #[must_use]
    pub fn raw_os_error(&self) -> Option<i32> {
        match self {
            Error::Os(err) => err.raw_os_error(),
            _ => None,
        }
    }

    /// The [`io::ErrorKind`] this error converts to.
    #[must_use]
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            Error::InvalidEvents(_) | Error::InvalidFd(_) | Error::FdOutOfRange { .. } => {
                io::ErrorKind::InvalidInput
            }
            Error::AlreadyRegistered(_) => io::ErrorKind::AlreadyExists,
            Error::NotRegistered(_) => io::ErrorKind::NotFound,
            Error::Os(err) => err.kind(),
        }
    }
}

impl From<rustix::io::Errno> for Error {
    #[inline]
    fn from(errno: rustix::io::Errno) -> Error {
        Error::Os(errno.into())
    }
}

impl From<Error> for io::Error {
    fn from(err: Error) -> io::Error {
        match err {
            Error::Os(err) => err,
            other => io::Error::new(other.kind(), other),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failed `register`: the error, and the file object and data handed back unchanged.
///
/// `register` takes ownership of the file object; when it fails, the object is returned here
/// rather than dropped, so a failed registration never closes the caller's file. It converts
/// into [`Error`] and [`io::Error`], so `?` works in functions returning either.
///
/// ```
/// use selectors_core::{Error, RegisterError};
///
/// let err = RegisterError::new(Error::AlreadyRegistered(3), "file object", 42);
/// let (error, fileobj, data) = err.into_parts();
/// assert!(matches!(error, Error::AlreadyRegistered(3)));
/// assert_eq!((fileobj, data), ("file object", 42));
/// ```
pub struct RegisterError<F, T> {
    error: Error,
    fileobj: F,
    data: T,
}

impl<F, T> RegisterError<F, T> {
    /// Bundles an error with the file object and data of the failed registration.
    pub fn new(error: Error, fileobj: F, data: T) -> Self {
        RegisterError {
            error,
            fileobj,
            data,
        }
    }

    /// The reason the registration failed.
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The file object whose registration failed.
    pub fn fileobj(&self) -> &F {
        &self.fileobj
    }

    /// Splits into the error, the file object and the data.
    pub fn into_parts(self) -> (Error, F, T) {
        (self.error, self.fileobj, self.data)
    }

    /// The error alone; the file object and data are dropped.
    pub fn into_error(self) -> Error {
        self.error
    }
}

impl<F, T> fmt::Debug for RegisterError<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisterError")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

impl<F, T> fmt::Display for RegisterError<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "register failed: {}", self.error)
    }
}

impl<F, T> std::error::Error for RegisterError<F, T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl<F, T> From<RegisterError<F, T>> for Error {
    fn from(err: RegisterError<F, T>) -> Error {
        err.error
    }
}

impl<F, T> From<RegisterError<F, T>> for io::Error {
    fn from(err: RegisterError<F, T>) -> io::Error {
        err.error.into()
    }
}
