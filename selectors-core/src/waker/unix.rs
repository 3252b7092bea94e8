//! The Unix [`FdWaker`]: an eventfd on Linux and Android, a pipe on the other systems.

use std::io;

use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use rustix::io::Errno;

use super::{Reset, WakeSource};

/// The default [`WakeSource`]: an `eventfd` on Linux and Android, a pipe elsewhere, both
/// close-on-exec and non-blocking. `wake` writes (a full counter or pipe means a wake is
/// already pending, which is success); `reset` drains, unless the backend watches it
/// edge-triggered ([`FdWaker::edge_triggered`]).
#[derive(Debug)]
pub struct FdWaker {
    /// Where wakes are read from: the eventfd, or the pipe's read end.
    read: OwnedFd,
    /// The pipe's write end; `None` for an eventfd, which is both.
    write: Option<OwnedFd>,
    /// The backend watches `read` edge-triggered: every write is a new edge, so a wake
    /// needs no drain ([`FdWaker::edge_triggered`]).
    edge: bool,
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
                edge: false,
            })
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            let (read, write) = pipe()?;
            Ok(FdWaker {
                read,
                write: Some(write),
                edge: false,
            })
        }
    }

    /// A new eventfd or pipe for a backend that watches it edge-triggered (epoll's
    /// `EPOLLET`), as `mio::Waker` does: each write is a new edge, so a return needs no drain
    /// and [`reset`](WakeSource::reset) makes no system call. `wake` drains only when the
    /// counter or pipe is full (after 2^64 - 2 wakes, or 64 KiB of them), then writes again.
    ///
    /// # Errors
    /// The OS error of creating it (`EMFILE`, ...).
    pub fn edge_triggered() -> io::Result<FdWaker> {
        Ok(FdWaker {
            edge: true,
            ..FdWaker::new()?
        })
    }

    /// Reads everything written so far.
    fn drain(&self) -> io::Result<()> {
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
                Ok(_) => return Ok(()),
                // Full: level-triggered, a wake is pending already; edge-triggered, the
                // edges so far were all reported, and only a new write makes another.
                Err(Errno::AGAIN) if self.edge => self.drain()?,
                Err(Errno::AGAIN) => return Ok(()),
                Err(Errno::INTR) => {}
                Err(err) => return Err(err.into()),
            }
        }
    }

    fn reset(&self) -> io::Result<Reset> {
        if !self.edge {
            self.drain()?;
        }
        Ok(Reset::Rearmed)
    }

    fn fd(&self) -> Option<RawFd> {
        Some(self.read.as_raw_fd())
    }

    fn lend_fd(&self, add: &mut dyn FnMut(BorrowedFd<'_>) -> io::Result<()>) -> io::Result<()> {
        add(self.read.as_fd())
    }

    fn signal_safe(&self) -> bool {
        true
    }
}
