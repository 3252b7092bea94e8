//! The backend trait: the few raw operations a kernel readiness mechanism offers.

use std::io;
use std::time::Duration;

use rustix::fd::{BorrowedFd, RawFd};

use crate::Events;

/// A kernel readiness mechanism (select, poll, epoll, /dev/poll, kqueue) reduced to its raw
/// operations.
///
/// The backend knows nothing of keys, data or Python's rules: [`BaseSelector`] keeps the map,
/// validates input, masks results and retries on `EINTR`, and calls the backend only with
/// valid, non-duplicate requests. A backend is free to keep its own interest list (select and
/// poll do, epoll and kqueue let the kernel keep it).
///
/// The trait is public so the generic selector can run over any backend: a fault-injecting
/// one in tests, an emulated kernel, or a binding's own mechanism.
///
/// [`BaseSelector`]: crate::BaseSelector
pub trait Backend: Sized {
    /// Creates the kernel object (close-on-exec) or the user-space interest list.
    ///
    /// # Errors
    /// The OS error when the kernel object cannot be created (`EMFILE`, `ENOSYS`, ...).
    fn new() -> io::Result<Self>;

    /// A short lowercase name of the mechanism: `"select"`, `"poll"`, `"epoll"`, ...
    fn name(&self) -> &'static str;

    /// Starts watching `fd` for `events` (a valid, non-empty mask). The selector calls this
    /// once per fd, before it inserts the key; on error it inserts nothing, so a backend that
    /// fails part-way must undo what it already did.
    ///
    /// # Errors
    /// The OS error when the kernel refuses the fd (`EBADF`, `EPERM`, ...).
    fn add(&mut self, fd: BorrowedFd<'_>, events: Events) -> io::Result<()>;

    /// Changes the events of a watched `fd` from `old` to `new` (both valid, and different).
    ///
    /// # Errors
    /// The OS error when the kernel refuses the change. The selector then calls
    /// [`delete`](Backend::delete) and drops the key, so a half-applied change is cleaned up.
    fn modify(&mut self, fd: BorrowedFd<'_>, old: Events, new: Events) -> io::Result<()>;

    /// Stops watching `fd`, which was watched for `events`. The fd may have been closed since
    /// it was registered (Python allows it); the selector ignores the error, so a backend must
    /// forget its own record of the fd even when the kernel call fails.
    ///
    /// # Errors
    /// The OS error of the kernel call, which the selector ignores.
    fn delete(&mut self, fd: BorrowedFd<'_>, events: Events) -> io::Result<()>;

    /// Waits for readiness and calls `ready(fd, events)` once per ready fd, with the kernel's
    /// flags already turned into events by Python's rule ([`Events::from_kernel`]); the
    /// selector masks them with the key's events.
    ///
    /// `timeout`: `None` blocks; `Some(Duration::ZERO)` polls; a positive timeout must be
    /// rounded **up** to the backend's resolution and clamped to what the kernel accepts
    /// (returning early with no events is fine: the selector waits again for the rest).
    ///
    /// # Errors
    /// The OS error of the wait. `EINTR` ([`io::ErrorKind::Interrupted`]) must be returned as
    /// is, before `ready` is called: the selector retries with the remaining time.
    fn wait<R>(&mut self, timeout: Option<Duration>, ready: R) -> io::Result<()>
    where
        R: FnMut(RawFd, Events);

    /// The first file descriptor this backend cannot watch, for backends with a fixed limit
    /// (select over the C library's fixed-size `fd_set`, whose `FD_SETSIZE` bounds it);
    /// `None`, the default, for no limit. The selector refuses an fd at or above the limit at
    /// `register`, with [`Error::FdOutOfRange`](crate::Error::FdOutOfRange), before calling
    /// [`add`](Backend::add).
    fn fd_limit(&self) -> Option<RawFd> {
        None
    }

    /// The kernel object's file descriptor, for backends that have one (epoll, kqueue,
    /// /dev/poll); `None` for select and poll.
    fn fileno(&self) -> Option<RawFd> {
        None
    }

    /// Releases the kernel object.
    ///
    /// # Errors
    /// The OS error of closing the kernel object, where the platform reports one.
    fn close(self) -> io::Result<()> {
        drop(self);
        Ok(())
    }
}
