//! `Waker`: ends the current or next `select` from any thread, coalesced, never lost.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::fd::{BorrowedFd, RawFd};

use crate::Token;

/// A backend's way to make its blocked wait return: the kernel side of a [`Waker`].
///
/// The selector calls [`reset`](WakeSource::reset) on its own thread when a wait reported
/// [`Token::WAKER`]; any thread calls [`wake`](WakeSource::wake). Most backends use the
/// selector's default, registered like any fd ([`FdWaker`]: an `eventfd` on Linux and
/// Android, a pipe on other Unix systems, a loopback TCP socket pair on Windows); kqueue uses
/// `EVFILT_USER` where the system has it.
pub trait WakeSource: Send + Sync + fmt::Debug {
    /// Makes the wait return (or the next one, if none is waiting). Called at most once
    /// between two [`reset`](WakeSource::reset)s: the [`Waker`] coalesces the rest.
    ///
    /// # Errors
    /// The OS error of the system call.
    fn wake(&self) -> io::Result<()>;

    /// Re-arms after a wait reported [`Token::WAKER`] (drains the eventfd, pipe or socket).
    ///
    /// A source whose fd can break (a socket pair that saw end of file or an error) replaces
    /// it here and says so with [`Reset::Replaced`]: the selector then stops watching the
    /// old fd and watches the new one, so a broken fd is never reported again and again.
    ///
    /// # Errors
    /// The OS error of the system call, or of creating the replacement.
    fn reset(&self) -> io::Result<Reset>;

    /// The number of the fd the selector registers for READ under [`Token::WAKER`], for
    /// sources that are an fd; `None` for a source the backend reports itself (kqueue's
    /// `EVFILT_USER`).
    fn fd(&self) -> Option<RawFd>;

    /// Calls `add` with the fd of [`fd`](WakeSource::fd), borrowed for that call only (a
    /// source may replace its fd at [`reset`](WakeSource::reset)): the selector registers it
    /// with the backend there. The default, for sources without an fd, is an
    /// [`io::ErrorKind::Unsupported`] error.
    ///
    /// # Errors
    /// The error `add` returns.
    fn lend_fd(&self, add: &mut dyn FnMut(BorrowedFd<'_>) -> io::Result<()>) -> io::Result<()> {
        let _ = add;
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this wake source has no fd",
        ))
    }

    /// Whether [`wake`](WakeSource::wake) is async-signal-safe (a single `write(2)`), so it
    /// may be called from a signal handler.
    fn signal_safe(&self) -> bool;
}

/// What [`WakeSource::reset`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reset {
    /// Drained: the source is armed for the next wake, on the same fd.
    Rearmed,
    /// The source found its fd broken and replaced it: the selector stops watching `old` and
    /// registers the new [`fd`](WakeSource::fd) under [`Token::WAKER`]. The source keeps
    /// `old` open until its next replacement or its drop, so no backend ever watches a
    /// closed (or reused) number.
    Replaced {
        /// The fd the backend watched until now.
        old: RawFd,
    },
}

impl Token {
    /// The token a backend reports when its [`WakeSource`] fired. No registration has it:
    /// slots stay below 2^32 - 1.
    pub const WAKER: Token = Token(u64::MAX);
}

/// What a selector and its wakers share.
#[derive(Debug)]
pub(crate) struct WakerShared {
    pub(crate) source: Arc<dyn WakeSource>,
    /// A wake is pending: set by the first `wake` after a reset, cleared by the selector
    /// after its reset; the wakes in between make no system call.
    pending: AtomicBool,
    /// The selector is gone: `wake` is an error, and never touches a kernel object that is
    /// gone (the source keeps its own fds open while any waker lives, so none is reused).
    closed: AtomicBool,
}

impl WakerShared {
    pub(crate) fn new(source: Arc<dyn WakeSource>) -> Arc<WakerShared> {
        Arc::new(WakerShared {
            source,
            pending: AtomicBool::new(false),
            closed: AtomicBool::new(false),
        })
    }

    /// After a wait reported [`Token::WAKER`]: drain, then let the next wake through. In
    /// that order, so a wake racing with this one is either drained with it (and this
    /// `select` is the return it asked for) or makes a new one: never lost.
    ///
    /// Also says whether a wake was pending. A report without one is no wake, and `select`
    /// does not return for it: epoll reports its edge-triggered eventfd once when a rebuild
    /// re-adds it while it holds the counts of wakes already reported, and a late write of
    /// a wake already coalesced into the previous return is reported after it.
    pub(crate) fn reset(&self) -> (io::Result<Reset>, bool) {
        let drained = self.source.reset();
        let requested = self.pending.swap(false, Ordering::AcqRel);
        (drained, requested)
    }

    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// The registration the backend holds for an fd source, for rebuilds.
    pub(crate) fn fd(&self) -> Option<RawFd> {
        self.source.fd()
    }
}

/// Makes a selector's blocked `select` return, from any thread: `Clone + Send + Sync`.
///
/// Obtained from [`BaseSelector::waker`](crate::BaseSelector::waker), which creates the
/// mechanism on first use (a selector that never asks for one pays nothing). [`wake`] makes
/// the `select` that is blocked now return promptly with whatever is ready, possibly nothing;
/// if none is blocked, the next one returns at once. Any number of wakes before that return
/// coalesce into one, and none is lost: a wake that races with the start of `select` still
/// ends it. The waker's fd never appears in results or in the map.
///
/// [`wake`]: Waker::wake
#[derive(Clone)]
pub struct Waker {
    shared: Arc<WakerShared>,
}

impl Waker {
    pub(crate) fn new(shared: Arc<WakerShared>) -> Waker {
        Waker { shared }
    }

    /// Ends the current or next `select` of the selector.
    ///
    /// Where [`is_signal_safe`](Waker::is_signal_safe) says so, this is async-signal-safe:
    /// an atomic swap and at most one `write(2)`, so a signal handler may call it.
    ///
    /// # Errors
    /// [`io::ErrorKind::NotConnected`] once the selector is closed or dropped; the OS error
    /// of the system call otherwise (rare: the kernel object is the waker's own).
    #[doc(alias("notify", "interrupt"))]
    pub fn wake(&self) -> io::Result<()> {
        let shared = &*self.shared;
        if shared.closed.load(Ordering::Acquire) {
            return Err(io::ErrorKind::NotConnected.into());
        }
        if shared.pending.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        shared.source.wake().inspect_err(|_| {
            // Not pending after all: the next wake tries again.
            shared.pending.store(false, Ordering::Release);
        })
    }

    /// Whether [`wake`](Waker::wake) may be called from a signal handler on this backend:
    /// `true` for the eventfd and pipe mechanisms, `false` for kqueue's `EVFILT_USER`
    /// (`kevent(2)` is not on POSIX's list of async-signal-safe functions) and for Windows's
    /// socket pair (which has no signals, and whose `wake` takes a lock).
    pub fn is_signal_safe(&self) -> bool {
        self.shared.source.signal_safe()
    }
}

impl fmt::Debug for Waker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waker")
            .field("source", &self.shared.source)
            .field("closed", &self.shared.closed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

pub use fd_waker::FdWaker;

#[cfg(unix)]
#[path = "unix.rs"]
mod fd_waker;

#[cfg(windows)]
#[path = "windows.rs"]
mod fd_waker;
