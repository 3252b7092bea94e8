//! The backend trait: the few raw operations a kernel readiness mechanism offers.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use rustix::fd::{BorrowedFd, RawFd};

use crate::{Events, WakeSource};

/// Names one registration to the backend and the kernel: chosen by the selector at
/// `register`, handed back by [`Backend::wait`] with the events.
///
/// The selector never trusts an fd number from the kernel: a kernel can hold a registration
/// the selector no longer knows (on Linux, an fd closed while a `dup` of it stays open keeps
/// its epoll registration, epoll(7) Q6), and a number can be reused by another file. A token
/// names one registration (a slot and a generation), so an event for a registration that no
/// longer exists is recognised and shed, never reported under another key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token(pub u64);

/// One registration as the selector holds it, for [`Backend::rebuild`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Registration {
    /// The fd number recorded at `register`.
    pub fd: RawFd,
    /// The registration's token.
    pub token: Token,
    /// The events it watches.
    pub events: Events,
}

/// A kernel readiness mechanism (select, poll, epoll, /dev/poll, kqueue) reduced to its raw
/// operations.
///
/// The backend knows nothing of keys, data or Python's rules: [`BaseSelector`] keeps the map,
/// validates input, masks results and retries on `EINTR`, and calls the backend only with
/// valid requests. A backend keeps whatever record of its registrations it needs (select and
/// poll keep the interest list itself; epoll, kqueue and /dev/poll keep what they need to
/// map the kernel's reports back to tokens).
///
/// The trait is public so the generic selector can run over any backend: a fault-injecting
/// one in tests, an emulated kernel, or a binding's own mechanism.
///
/// # Misuse and I/O safety
///
/// Every method is safe to call in any order with any arguments: a backend refuses what it
/// cannot do with an error (`add` of an fd it watches is [`io::ErrorKind::AlreadyExists`];
/// `modify` or `delete` of an fd it does not watch is [`io::ErrorKind::NotFound`], or the
/// kernel's `EBADF` for a number that is not open where the kernel keeps the list; an fd
/// number that cannot be open is refused at `add` with [`io::ErrorKind::InvalidInput`]) and
/// never panics, so a caller that drives a backend directly cannot corrupt it.
///
/// Only [`add`](Backend::add) takes a [`BorrowedFd`]: the proof that the fd is open when the
/// kernel first sees it. From then on a backend keeps the fd's **number**, never a borrow that
/// outlives the call, and hands that number only to calls that manage readiness interest
/// (`epoll_ctl`, `kevent`, a `/dev/poll` write, the sets passed to `select` and `poll`).
/// Those calls never read, write or close the file; a number that has been closed since is
/// refused by the kernel (`EBADF`, `POLLNVAL`) or, if it has been reused by another file,
/// observed as that file. That is the one thing the caller must know: close a registered fd
/// only after `delete`, or its token may be reported for whatever file takes the number.
/// [`BaseSelector`] owns the file objects it registers, so it never closes one early (a raw
/// `BorrowedFd` closed behind its back is the caller's own doing, and Python's rules for it
/// are documented per backend).
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

    /// Starts watching `fd` for `events` (a valid, non-empty mask), reporting it as `token`.
    /// The selector calls this once per registration, before it inserts the key; on error it
    /// inserts nothing, so a backend that fails part-way must undo what it already did.
    ///
    /// # Errors
    /// The OS error when the kernel refuses the fd (`EBADF`, `EPERM`, `EEXIST`, ...), or
    /// [`io::ErrorKind::InvalidInput`] for an fd number no open fd can have.
    fn add(&mut self, fd: BorrowedFd<'_>, token: Token, events: Events) -> io::Result<()>;

    /// Changes the events of the registration `token` of `fd` from `old` to `new` (both
    /// valid, and different).
    ///
    /// # Errors
    /// The OS error when the kernel refuses the change; [`io::ErrorKind::NotFound`] when the
    /// backend does not watch `fd`. The selector then calls [`delete`](Backend::delete) and
    /// drops the key, so a half-applied change is cleaned up.
    fn modify(&mut self, fd: RawFd, token: Token, old: Events, new: Events) -> io::Result<()>;

    /// Stops watching `fd` (registration `token`, watched for `events`). The fd may have been
    /// closed since it was registered (Python allows it); the selector ignores the error, so
    /// a backend must forget its own record of the registration even when the kernel call
    /// fails.
    ///
    /// # Errors
    /// The OS error of the kernel call, which the selector ignores;
    /// [`io::ErrorKind::NotFound`] when the backend does not watch `fd`.
    fn delete(&mut self, fd: RawFd, token: Token, events: Events) -> io::Result<()>;

    /// Waits for readiness and calls `ready(token, events)` once per ready registration, with
    /// the kernel's flags already turned into events by Python's rule
    /// ([`Events::from_kernel`]); the selector masks them with the key's events.
    ///
    /// `timeout`: `None` blocks; `Some(Duration::ZERO)` polls; a positive timeout must be
    /// rounded **up** to the backend's resolution and clamped to what the kernel accepts
    /// (returning early with no events is fine: the selector waits again for the rest).
    ///
    /// `ready` may panic; the backend must then be left as consistent as before the wait
    /// (nothing half-gathered that the next wait would report).
    ///
    /// # Errors
    /// The OS error of the wait. `EINTR` ([`io::ErrorKind::Interrupted`]) must be returned as
    /// is, before `ready` is called: the selector retries with the remaining time.
    fn wait<R>(&mut self, timeout: Option<Duration>, ready: R) -> io::Result<()>
    where
        R: FnMut(Token, Events);

    /// Whether [`wait`](Backend::wait) can report a token the selector no longer holds: a
    /// kernel that keeps registrations the backend cannot remove (epoll). The selector then
    /// checks a whole batch before delivering any of it (through [`replay`](Backend::replay)),
    /// so that a batch that held stale registrations, which took room from live ones, is
    /// never handed out half: it rebuilds and waits again. `false`, the default, for backends
    /// that report only what they hold; their batches are delivered as they come.
    const MAY_REPORT_STALE: bool = false;

    /// Calls `ready` again for what the last [`wait`](Backend::wait) reported, in the same
    /// order, and nothing if that wait failed. The selector calls it only when
    /// [`MAY_REPORT_STALE`](Backend::MAY_REPORT_STALE) is `true`; a backend that dispatches
    /// to others (the facade's `DefaultBackend`, whose constant is `true` if any of theirs
    /// is) needs it of each, so every backend of this workspace implements it. The default
    /// does nothing.
    fn replay<R>(&mut self, ready: R)
    where
        R: FnMut(Token, Events),
    {
        drop(ready);
    }

    /// Replaces the kernel's registrations with exactly `live`: called by the selector when a
    /// wait reported a token it does not know (the kernel holds a registration the selector
    /// can no longer remove), or when `add` failed with `EEXIST` for an fd the selector does
    /// not hold. After it returns, no token outside `live` may be reported again.
    ///
    /// The default does nothing: right for backends whose interest list is their own (select,
    /// poll), which never hold a registration the selector does not.
    ///
    /// # Errors
    /// The OS error of creating the new kernel object; the old one is then kept.
    fn rebuild<I>(&mut self, live: I) -> io::Result<()>
    where
        I: IntoIterator<Item = Registration>,
    {
        drop(live);
        Ok(())
    }

    /// The backend's own wake-up mechanism, created on the first
    /// [`BaseSelector::waker`](crate::BaseSelector::waker) call: a source whose wake makes
    /// [`wait`](Backend::wait) report [`Token::WAKER`] (kqueue's `EVFILT_USER`, or epoll's
    /// edge-triggered eventfd, `FdWaker::edge_triggered` on Unix, which it registers
    /// itself). A source with an [`fd`](WakeSource::fd) is among the registrations
    /// handed to [`rebuild`](Backend::rebuild). `None`, the default, has the selector create
    /// an [`FdWaker`](crate::FdWaker) (an eventfd or a pipe) and register it with
    /// [`add`](Backend::add) under [`Token::WAKER`], like any fd.
    ///
    /// # Errors
    /// The OS error of creating it.
    fn waker(&mut self) -> Option<io::Result<Arc<dyn WakeSource>>> {
        None
    }

    /// The first file descriptor this backend cannot watch, for backends with a fixed limit
    /// (select over the C library's fixed-size `fd_set`, whose `FD_SETSIZE` bounds it);
    /// `None`, the default, for no limit of its own. The selector refuses an fd at or above
    /// the limit at `register`, with [`Error::FdOutOfRange`](crate::Error::FdOutOfRange),
    /// before calling [`add`](Backend::add).
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
