//! `SelectorKey`: what the selector knows about one registration.

use rustix::fd::RawFd;

use crate::Events;

/// One registration: the file object, its file descriptor, the events asked for and the
/// caller's data (Python's `SelectorKey(fileobj, fd, events, data)`).
///
/// The fields are private because the selector's map and the kernel's interest list depend on
/// them; `modify` is the way to change events or data, and `unregister` hands the key back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SelectorKey<F, T = ()> {
    pub(crate) fileobj: F,
    pub(crate) fd: RawFd,
    pub(crate) events: Events,
    pub(crate) data: T,
}

impl<F, T> SelectorKey<F, T> {
    /// The file object, exactly as passed to `register`.
    #[inline]
    pub fn fileobj(&self) -> &F {
        &self.fileobj
    }

    /// The file descriptor the object had when it was registered (on Windows, its `SOCKET`).
    #[inline]
    pub fn fd(&self) -> RawFd {
        self.fd
    }

    /// The events this registration asks for.
    #[inline]
    pub fn events(&self) -> Events {
        self.events
    }

    /// The caller's data.
    #[inline]
    pub fn data(&self) -> &T {
        &self.data
    }

    /// Takes the key apart: the file object and the data.
    #[inline]
    pub fn into_parts(self) -> (F, T) {
        (self.fileobj, self.data)
    }

    /// The file object alone; the data is dropped.
    #[inline]
    pub fn into_fileobj(self) -> F {
        self.fileobj
    }
}
