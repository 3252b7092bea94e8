//! The Windows [`FdWaker`]: a connected pair of loopback TCP sockets.
//!
//! Winsock has no pipe or eventfd that `select` and `WSAPoll` can watch (both take sockets
//! only), so a wake is one byte sent from one socket of a connected pair to the other, whose
//! readiness the selector watches: the same mechanism as CPython's `socket.socketpair()` on
//! Windows, which asyncio's self-pipe uses (Lib/socket.py).
//!
//! A TCP connection can break where a pipe cannot (a reset from a firewall or a network stack
//! reset, `netsh winsock reset`). A broken pair would be reported readable by every wait, so a
//! `reset` that sees end of file or an error replaces the pair, and the selector moves its
//! registration to the new read socket ([`Reset::Replaced`]): a broken pair costs one spurious
//! return, never a busy loop.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rustix::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use super::{Reset, WakeSource};

/// The default [`WakeSource`] on Windows: a loopback TCP socket pair, both ends non-blocking
/// (and not inherited by child processes: std creates sockets with
/// `WSA_FLAG_NO_HANDLE_INHERIT`). `wake` sends one byte (a full send buffer means a wake is
/// already pending, which is success); `reset` drains, and replaces a broken pair.
#[derive(Debug)]
pub struct FdWaker {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    pair: Pair,
    /// The pair replaced last, kept open until the next replacement or the drop: the
    /// selector deletes its read socket from the backend right after the reset that replaced
    /// it, so its number is never closed (and reused) while a backend watches it.
    retired: Option<Pair>,
}

#[derive(Debug)]
struct Pair {
    /// The socket the selector watches for READ.
    read: TcpStream,
    /// The socket wakes are sent from.
    write: TcpStream,
}

impl FdWaker {
    /// A new connected pair on 127.0.0.1.
    ///
    /// # Errors
    /// The OS error of creating, connecting or configuring the sockets.
    pub fn new() -> io::Result<FdWaker> {
        Ok(FdWaker {
            state: Mutex::new(State {
                pair: Pair::new()?,
                retired: None,
            }),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Nothing in the critical sections can leave the state half-changed.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Breaks the pair as a connection reset would: the next `reset` must replace it.
    #[cfg(test)]
    fn break_pair(&self) {
        let state = self.state();
        state.pair.write.shutdown(Shutdown::Both).expect("shutdown");
    }
}

impl Pair {
    fn new() -> io::Result<Pair> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let write = TcpStream::connect(listener.local_addr()?)?;
        let ours = write.local_addr()?;
        // Another local program may connect to the port first: accept until the connection
        // is ours (it is queued, so the loop ends), dropping the others.
        let read = loop {
            let (stream, peer) = listener.accept()?;
            if peer == ours {
                break stream;
            }
        };
        // One byte per wake: no Nagle delay on it.
        write.set_nodelay(true)?;
        read.set_nonblocking(true)?;
        write.set_nonblocking(true)?;
        Ok(Pair { read, write })
    }
}

impl WakeSource for FdWaker {
    fn wake(&self) -> io::Result<()> {
        let state = self.state();
        match (&state.pair.write).write(&[1]) {
            Ok(_) => Ok(()),
            // The send buffer is full of earlier wakes not yet drained: one is pending.
            Err(err) if err.kind() == ErrorKind::WouldBlock => Ok(()),
            Err(err) => {
                // The connection is broken. Closing our side makes the read socket report
                // end of file, which ends the wait (the wake is not lost) and has `reset`
                // replace the pair.
                match state.pair.write.shutdown(Shutdown::Both) {
                    Ok(()) => Ok(()),
                    Err(_) => Err(err),
                }
            }
        }
    }

    fn reset(&self) -> io::Result<Reset> {
        let mut state = self.state();
        let mut buf = [0_u8; 64];
        loop {
            match (&state.pair.read).read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(err) if err.kind() == ErrorKind::WouldBlock => return Ok(Reset::Rearmed),
                Err(err) if err.kind() == ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        // End of file or an error: this pair would be reported ready by every wait.
        let old = state.pair.read.as_raw_fd();
        let broken = std::mem::replace(&mut state.pair, Pair::new()?);
        state.retired = Some(broken);
        Ok(Reset::Replaced { old })
    }

    fn fd(&self) -> Option<RawFd> {
        Some(self.state().pair.read.as_raw_fd())
    }

    fn lend_fd(&self, add: &mut dyn FnMut(BorrowedFd<'_>) -> io::Result<()>) -> io::Result<()> {
        let state = self.state();
        add(state.pair.read.as_fd())
    }

    fn signal_safe(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rustix::event::{PollFd, PollFlags, Timespec, poll};

    use super::*;

    /// Whether the waker's read socket is readable within `within`.
    fn readable(waker: &FdWaker, within: Duration) -> bool {
        let mut readable = false;
        waker
            .lend_fd(&mut |fd| {
                let mut fds = [PollFd::from_borrowed_fd(fd, PollFlags::IN)];
                let timeout = Timespec::try_from(within).expect("a small timeout");
                readable = poll(&mut fds, Some(&timeout))? == 1;
                Ok(())
            })
            .expect("poll");
        readable
    }

    #[test]
    fn a_wake_is_readable_until_reset() {
        let waker = FdWaker::new().unwrap();
        assert!(!readable(&waker, Duration::ZERO));
        waker.wake().unwrap();
        waker.wake().unwrap();
        assert!(readable(&waker, Duration::from_secs(5)));
        let fd = waker.fd();
        assert_eq!(waker.reset().unwrap(), Reset::Rearmed);
        assert_eq!(waker.fd(), fd, "the same socket");
        assert!(!readable(&waker, Duration::ZERO));
        assert!(!waker.signal_safe());
    }

    #[test]
    fn a_broken_pair_is_replaced_and_the_new_one_wakes() {
        let waker = FdWaker::new().unwrap();
        let old = waker.fd().unwrap();
        waker.break_pair();
        assert!(
            readable(&waker, Duration::from_secs(5)),
            "end of file is readable"
        );
        assert_eq!(waker.reset().unwrap(), Reset::Replaced { old });
        let new = waker.fd().unwrap();
        assert_ne!(
            new, old,
            "the old socket stays open, so the number is not reused"
        );
        assert!(!readable(&waker, Duration::ZERO), "the new pair is quiet");
        waker.wake().unwrap();
        assert!(readable(&waker, Duration::from_secs(5)));
        assert_eq!(waker.reset().unwrap(), Reset::Rearmed);
        assert!(!readable(&waker, Duration::ZERO));
    }
}
