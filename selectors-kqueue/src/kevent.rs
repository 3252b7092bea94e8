//! The kernel interface the backend talks to: a plain `struct kevent`, its constants, and the
//! two system calls, as a trait so the same logic runs over the real kernel
//! (`RealKqueue`, on kqueue systems) or the emulation
//! ([`EmulatedKqueue`](crate::EmulatedKqueue)).
//!
//! References: FreeBSD kqueue(2) <https://man.freebsd.org/cgi/man.cgi?query=kqueue&sektion=2>
//! and macOS kevent(2)
//! <https://developer.apple.com/library/archive/documentation/System/Conceptual/ManPages_iPhoneOS/man2/kevent.2.html>.

use std::io;
use std::sync::Arc;

use rustix::event::Timespec;
use rustix::fd::RawFd;
use selectors_core::WakeSource;

/// `EVFILT_READ`: the descriptor has data to read (or is at end of file).
///
/// The value is that of macOS, FreeBSD, OpenBSD and DragonFly; NetBSD numbers its filters
/// differently, and `RealKqueue` translates.
pub const EVFILT_READ: i16 = -1;
/// `EVFILT_WRITE`: the descriptor can be written to (or the reader is gone).
pub const EVFILT_WRITE: i16 = -2;

/// `EVFILT_USER`: an event with no descriptor, triggered by a `kevent` call naming it with
/// [`NOTE_TRIGGER`] (the selector's waker, where the system has it).
///
/// The value is macOS's; FreeBSD and DragonFly number it differently, and `RealKqueue`
/// translates.
pub const EVFILT_USER: i16 = -10;

/// `NOTE_TRIGGER` (input, `fflags` of `EVFILT_USER`): fire the user event.
pub const NOTE_TRIGGER: u32 = 0x0100_0000;

/// `EV_ADD`: add the event, or modify it if it exists; implies `EV_ENABLE`.
pub const EV_ADD: u16 = 0x0001;
/// `EV_DELETE`: remove the event (`ENOENT` if it does not exist).
pub const EV_DELETE: u16 = 0x0002;
/// `EV_ENABLE`: let `kevent` return the event when it triggers.
pub const EV_ENABLE: u16 = 0x0004;
/// `EV_DISABLE`: keep the event but do not return it.
pub const EV_DISABLE: u16 = 0x0008;
/// `EV_ONESHOT`: delete the event after it is returned once.
pub const EV_ONESHOT: u16 = 0x0010;
/// `EV_CLEAR`: reset the event's state after it is returned (edge-triggered).
pub const EV_CLEAR: u16 = 0x0020;
/// `EV_RECEIPT`: return an `EV_ERROR` entry for this change even on success (`data` 0), and
/// do not drain pending events.
pub const EV_RECEIPT: u16 = 0x0040;
/// `EV_ERROR` (output): the entry reports a change's result; `data` holds the errno, or 0.
pub const EV_ERROR: u16 = 0x4000;
/// `EV_EOF` (output): the filter saw end of file (the peer is gone in that direction).
pub const EV_EOF: u16 = 0x8000;

/// A `struct kevent` in plain, portable types (the kernel's field types differ between
/// systems; `RealKqueue` converts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Kevent {
    /// The identifier: the file descriptor for the read and write filters.
    pub ident: usize,
    /// The filter: [`EVFILT_READ`] or [`EVFILT_WRITE`].
    pub filter: i16,
    /// Actions (`EV_ADD`, `EV_DELETE`, ...) on input; `EV_EOF`, `EV_ERROR` on output.
    pub flags: u16,
    /// Filter-specific flags (the socket error with `EV_EOF`).
    pub fflags: u32,
    /// Filter-specific data: bytes readable or writable; the errno in an `EV_ERROR` entry.
    pub data: i64,
    /// Opaque user data, returned unchanged.
    pub udata: usize,
}

impl Kevent {
    /// `EV_SET(ident, filter, flags, 0, 0, 0)` for a file descriptor.
    #[must_use]
    pub fn new(fd: RawFd, filter: i16, flags: u16) -> Kevent {
        Kevent {
            ident: fd as usize,
            filter,
            flags,
            ..Kevent::default()
        }
    }

    /// The file descriptor this event names.
    #[must_use]
    pub fn fd(&self) -> RawFd {
        self.ident as RawFd
    }

    /// The error of an `EV_ERROR` entry: `None` for a receipt of success (`data` 0) or an
    /// entry without `EV_ERROR`.
    #[must_use]
    pub fn error(&self) -> Option<io::Error> {
        (self.flags & EV_ERROR != 0 && self.data != 0)
            .then(|| io::Error::from_raw_os_error(i32::try_from(self.data).unwrap_or(i32::MAX)))
    }
}

/// The two system calls of kqueue(2), so the backend's logic can run over the real kernel or
/// an emulation of it.
pub trait KqueueSys: Sized {
    /// `kqueue()`: a new, empty queue, close-on-exec.
    ///
    /// # Errors
    /// The OS error (`EMFILE`, `ENOMEM`, ...).
    fn kqueue() -> io::Result<Self>;

    /// `kevent(kq, changes, events, timeout)`: applies `changes` in order, then (unless a
    /// change produced an `EV_ERROR` entry) waits up to `timeout` (`None` blocks) for events,
    /// writes at most `events.len()` of them to the front of `events`, and returns how many it
    /// wrote. With an empty `events` it returns at once, whatever the timeout.
    ///
    /// # Errors
    /// `EINTR` when a signal arrived before any event; the error of a change when there is
    /// no room to report it in `events`; `EBADF` for a closed queue.
    fn kevent(
        &mut self,
        changes: &[Kevent],
        events: &mut [Kevent],
        timeout: Option<&Timespec>,
    ) -> io::Result<usize>;

    /// The queue's file descriptor.
    fn fileno(&self) -> RawFd;

    /// Adds an `EVFILT_USER` event (ident 0, `EV_ADD | EV_CLEAR`, so it resets once it is
    /// returned) and returns what fires it from any thread (`kevent` with
    /// [`NOTE_TRIGGER`]); `None` where the system has no `EVFILT_USER`, and the selector's
    /// pipe waker is used instead. The default is `None`.
    ///
    /// # Errors
    /// The OS error of the `kevent` call.
    fn user_waker(&mut self) -> Option<io::Result<Arc<dyn WakeSource>>> {
        None
    }
}
