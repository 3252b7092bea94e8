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
/// selector's default, an `eventfd` (Linux, Android) or a pipe registered like any fd
/// ([`FdWaker`]); kqueue uses `EVFILT_USER` where the system has it.
pub trait WakeSource: Send + Sync + fmt::Debug {
    /// Makes the wait return (or the next one, if none is waiting). Called at most once
    /// between two [`reset`](WakeSource::reset)s: the [`Waker`] coalesces the rest.
    ///
    /// # Errors
    /// The OS error of the system call.
    fn wake(&self) -> io::Result<()>;

    /// Re-arms after a wait reported [`Token::WAKER`] (drains the eventfd or pipe).
    ///
    /// # Errors
    /// The OS error of the system call.
    fn reset(&self) -> io::Result<()>;

    /// The fd the selector registers for READ under [`Token::WAKER`], for sources that are
    /// an fd; `None` for a source the backend reports itself (kqueue's `EVFILT_USER`).
    fn fd(&self) -> Option<BorrowedFd<'_>>;

    /// Whether [`wake`](WakeSource::wake) is async-signal-safe (a single `write(2)`), so it
    /// may be called from a signal handler.
    fn signal_safe(&self) -> bool;
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
    pub(crate) fn reset(&self) -> io::Result<()> {
        let drained = self.source.reset();
        self.pending.store(false, Ordering::Release);
        drained
    }

    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// The registration the backend holds for an fd source, for rebuilds.
    pub(crate) fn fd(&self) -> Option<RawFd> {
        use rustix::fd::AsRawFd;
        self.source.fd().map(|fd| fd.as_raw_fd())
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
    /// (`kevent(2)` is not on POSIX's list of async-signal-safe functions).
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
mod fd_waker {
    use std::io;

    use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
    use rustix::io::Errno;

    use super::WakeSource;

    /// The default [`WakeSource`]: an `eventfd` on Linux and Android, a pipe elsewhere, both
    /// close-on-exec and non-blocking. `wake` writes (a full counter or pipe means a wake is
    /// already pending, which is success); `reset` drains.
    #[derive(Debug)]
    pub struct FdWaker {
        /// Where wakes are read from: the eventfd, or the pipe's read end.
        read: OwnedFd,
        /// The pipe's write end; `None` for an eventfd, which is both.
        write: Option<OwnedFd>,
    }

    impl FdWaker {
        /// A new eventfd or pipe.
        ///
        /// # Errors
        /// The OS error of creating it (`EMFILE`, ...).
        pub fn new() -> io::Result<FdWaker> {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            {
                use rustix::event::{EventfdFlags, eventfd};
                let fd = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
                Ok(FdWaker {
                    read: fd,
                    write: None,
                })
            }
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            {
                let (read, write) = pipe()?;
                Ok(FdWaker {
                    read,
                    write: Some(write),
                })
            }
        }
    }

    /// A close-on-exec, non-blocking pipe.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
        #[cfg(not(any(
            target_os = "macos",
            target_os = "ios",
            target_os = "tvos",
            target_os = "watchos",
            target_os = "visionos"
        )))]
        return Ok(rustix::pipe::pipe_with(
            rustix::pipe::PipeFlags::CLOEXEC | rustix::pipe::PipeFlags::NONBLOCK,
        )?);
        // Apple has no pipe2(2); kqueue's EVFILT_USER is used there, so this path only has
        // to be correct, not atomic with respect to a concurrent fork and exec.
        #[cfg(any(
            target_os = "macos",
            target_os = "ios",
            target_os = "tvos",
            target_os = "watchos",
            target_os = "visionos"
        ))]
        {
            let (read, write) = rustix::pipe::pipe()?;
            for end in [&read, &write] {
                rustix::io::fcntl_setfd(end, rustix::io::FdFlags::CLOEXEC)?;
                rustix::io::ioctl_fionbio(end, true)?;
            }
            Ok((read, write))
        }
    }

    impl WakeSource for FdWaker {
        fn wake(&self) -> io::Result<()> {
            let target = self.write.as_ref().unwrap_or(&self.read);
            // An eventfd adds the 8-byte value to its counter; a pipe takes any byte.
            let one = 1_u64.to_ne_bytes();
            let bytes = if self.write.is_some() {
                &one[..1]
            } else {
                &one[..]
            };
            loop {
                match rustix::io::write(target, bytes) {
                    Ok(_) | Err(Errno::AGAIN) => return Ok(()),
                    Err(Errno::INTR) => {}
                    Err(err) => return Err(err.into()),
                }
            }
        }

        fn reset(&self) -> io::Result<()> {
            let mut buf = [0_u8; 64];
            loop {
                match rustix::io::read(&self.read, &mut buf) {
                    // An eventfd is drained by one read; a pipe until it is empty.
                    Ok(n) if self.write.is_some() && n == buf.len() => {}
                    Ok(_) | Err(Errno::AGAIN) => return Ok(()),
                    Err(Errno::INTR) => {}
                    Err(err) => return Err(err.into()),
                }
            }
        }

        fn fd(&self) -> Option<BorrowedFd<'_>> {
            Some(self.read.as_fd())
        }

        fn signal_safe(&self) -> bool {
            true
        }
    }
}

#[cfg(not(unix))]
mod fd_waker {
    /// The default wake-up mechanism; on this system it is the backend's own.
    #[derive(Debug)]
    pub struct FdWaker(());
}
