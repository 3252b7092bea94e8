//! What a model operation returned, in a form the model and the selector can both produce.

use rustix::fd::RawFd;

use crate::{Error, Events};

/// What an operation returned, in a form the model and the selector can both produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The operation does not apply in this state (a write to a closed endpoint, ...) and
    /// was not run.
    Skipped,
    /// A write, shutdown, close or reopen that was done.
    Done,
    /// A key: `(fd, events, data)`.
    Key(RawFd, Events, u32),
    /// A typed error.
    Refused(Refusal),
    /// A `select`: `(fd, events, data)` sorted by fd.
    Ready(Vec<(RawFd, Events, u32)>),
    /// The bytes a read drained.
    Bytes(Vec<u8>),
}

/// The error of a refused call, comparable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// [`Error::InvalidEvents`].
    InvalidEvents(u8),
    /// [`Error::InvalidFd`].
    InvalidFd(RawFd),
    /// [`Error::AlreadyRegistered`].
    AlreadyRegistered(RawFd),
    /// [`Error::NotRegistered`].
    NotRegistered(RawFd),
    /// [`Error::Os`] with its errno.
    Os(Option<i32>),
    /// Any other error, by its message.
    Other(String),
}

impl From<&Error> for Refusal {
    fn from(error: &Error) -> Refusal {
        match error {
            Error::InvalidEvents(bits) => Refusal::InvalidEvents(*bits),
            Error::InvalidFd(fd) => Refusal::InvalidFd(*fd),
            Error::AlreadyRegistered(fd) => Refusal::AlreadyRegistered(*fd),
            Error::NotRegistered(fd) => Refusal::NotRegistered(*fd),
            Error::Os(err) => Refusal::Os(err.raw_os_error()),
            other => Refusal::Other(other.to_string()),
        }
    }
}
