//! The error type: Python's `ValueError`, `KeyError` and `OSError` as one typed enum.

use std::fmt;
use std::io;

use rustix::fd::RawFd;

use crate::{Events, SelectorKey};

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
    /// The file descriptor is invalid: negative on Unix, `INVALID_SOCKET` on Windows (Python:
    /// `ValueError`).
    #[cfg_attr(not(windows), error("invalid file descriptor: {0}"))]
    #[cfg_attr(windows, error("invalid socket: {0}"))]
    InvalidFd(RawFd),
    /// The file descriptor is at or above what can be watched: the process's hard
    /// `RLIMIT_NOFILE` (no open fd has such a number), or the backend's own limit (select's
    /// `FD_SETSIZE` where the C library's `fd_set` is fixed-size). Python defers the second
    /// to every later `select()`; both are reported at `register` here. Never on Windows:
    /// a socket handle has no such bound, and Winsock's sets have no cap here.
    #[error("file descriptor {fd} is out of range for this selector (limit {limit})")]
    FdOutOfRange {
        /// The file descriptor that was refused.
        fd: RawFd,
        /// The first file descriptor value the backend cannot watch.
        limit: RawFd,
    },
    /// The file descriptor (on Windows, the socket) is already registered, by this or
    /// another object (Python: `KeyError`).
    #[cfg_attr(not(windows), error("file descriptor {0} is already registered"))]
    #[cfg_attr(windows, error("socket {0} is already registered"))]
    AlreadyRegistered(RawFd),
    /// The file descriptor (on Windows, the socket) is not registered (Python: `KeyError`).
    #[cfg_attr(not(windows), error("file descriptor {0} is not registered"))]
    #[cfg_attr(windows, error("socket {0} is not registered"))]
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
/// rather than dropped, so a failed registration never closes the caller's file.
///
/// `?` converts it into [`Error`], [`io::Error`], `Box<dyn std::error::Error>` and
/// `Box<dyn std::error::Error + Send + Sync>`, whatever `F` and `T` are: the conversion keeps
/// the error and drops the file object and data. It does not implement
/// [`std::error::Error`] itself, because that would make the boxed conversions require
/// `F` and `T` to be `Send + Sync + 'static` (a `Rc` in the data would break `?`). For
/// error types that take any `std::error::Error` (anyhow, eyre), convert with
/// `.map_err(RegisterError::into_error)?`.
///
/// ```
/// use selectors_core::{Error, RegisterError};
///
/// let err = RegisterError::new(Error::AlreadyRegistered(3), "file object", 42);
/// let (error, fileobj, data) = err.into_parts();
/// assert!(matches!(error, Error::AlreadyRegistered(3)));
/// assert_eq!((fileobj, data), ("file object", 42));
///
/// fn register_rc() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
///     let data = std::rc::Rc::new(1); // neither `Send` nor `Sync`
///     Err(RegisterError::new(Error::AlreadyRegistered(3), (), data))?
/// }
/// // "file descriptor 3 ..." on Unix, "socket 3 ..." on Windows.
/// assert!(register_rc().unwrap_err().to_string().ends_with(" 3 is already registered"));
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

/// A failed `modify`: the error and, when the kernel refused the change, the key it removed.
///
/// Bad input ([`Error::InvalidEvents`], [`Error::InvalidFd`], [`Error::NotRegistered`])
/// changes nothing, and [`unregistered`](ModifyError::unregistered) is `None`. When the
/// kernel refuses the change ([`Error::Os`]), its state for the fd is unknown, so the
/// selector removes the registration from the kernel and the map and hands the key back
/// here, with its file object and data, so the caller's socket is not closed behind its back.
///
/// `?` converts it as [`RegisterError`] does (into [`Error`], [`io::Error`] and the boxed
/// errors, whatever `F` and `T` are); the key, if any, is then dropped.
///
/// ```
/// # #[cfg(unix)] {
/// use std::os::fd::AsRawFd;
/// use std::os::unix::net::UnixStream;
/// use selectors_poll::{Error, Events, PollSelector};
///
/// let mut selector = PollSelector::<UnixStream, u32>::new()?;
/// let (a, _b) = UnixStream::pair()?;
/// let fd = a.as_raw_fd();
/// selector.register(a, Events::READ, 1)?;
/// // Bad input changes nothing: the key stays registered, nothing comes back.
/// let err = selector.modify_events(fd, Events::empty()).unwrap_err();
/// assert!(matches!(err.error(), Error::InvalidEvents(0)));
/// assert!(err.unregistered().is_none());
/// assert_eq!(selector.len(), 1);
/// // Had the kernel refused, `err.into_parts()` would give the removed key, file object and
/// // data included.
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ModifyError<F, T> {
    error: Error,
    unregistered: Option<SelectorKey<F, T>>,
}

impl<F, T> ModifyError<F, T> {
    /// An error that changed nothing (bad input).
    pub fn new(error: Error) -> Self {
        ModifyError {
            error,
            unregistered: None,
        }
    }

    /// A kernel refusal that removed `key`.
    pub fn with_key(error: Error, key: SelectorKey<F, T>) -> Self {
        ModifyError {
            error,
            unregistered: Some(key),
        }
    }

    /// The reason the change failed.
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The key removed because the kernel refused the change, if that is what happened.
    pub fn unregistered(&self) -> Option<&SelectorKey<F, T>> {
        self.unregistered.as_ref()
    }

    /// Splits into the error and the removed key, if any.
    pub fn into_parts(self) -> (Error, Option<SelectorKey<F, T>>) {
        (self.error, self.unregistered)
    }

    /// The error alone; a removed key is dropped.
    pub fn into_error(self) -> Error {
        self.error
    }

    /// The errno of an [`Error::Os`], as [`Error::raw_os_error`].
    pub fn raw_os_error(&self) -> Option<i32> {
        self.error.raw_os_error()
    }
}

impl<F, T> fmt::Debug for ModifyError<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModifyError")
            .field("error", &self.error)
            .field(
                "unregistered",
                &self.unregistered.as_ref().map(|key| key.fd),
            )
            .finish()
    }
}

impl<F, T> fmt::Display for ModifyError<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.unregistered {
            Some(_) => write!(f, "modify failed, key unregistered: {}", self.error),
            None => write!(f, "modify failed: {}", self.error),
        }
    }
}

/// The conversions `?` uses for the errors that carry the caller's values: each keeps the
/// [`Error`] and drops the values, and none needs the values to be `Send`, `Sync` or
/// `'static`.
macro_rules! error_conversions {
    ($($carrier:ident),*) => {$(
        impl<F, T> From<$carrier<F, T>> for Error {
            fn from(err: $carrier<F, T>) -> Error {
                err.error
            }
        }

        impl<F, T> From<$carrier<F, T>> for io::Error {
            fn from(err: $carrier<F, T>) -> io::Error {
                err.error.into()
            }
        }

        impl<F, T> From<$carrier<F, T>> for Box<dyn std::error::Error + Send + Sync> {
            fn from(err: $carrier<F, T>) -> Self {
                Box::new(err.error)
            }
        }

        impl<F, T> From<$carrier<F, T>> for Box<dyn std::error::Error> {
            fn from(err: $carrier<F, T>) -> Self {
                Box::new(err.error)
            }
        }
    )*};
}

error_conversions!(RegisterError, ModifyError);
