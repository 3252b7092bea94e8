//! The three forms of `select`: keys collected, `(fd, events)` into the caller's buffer, or a
//! callback per ready key.

use std::time::Duration;

use rustix::fd::{AsFd, RawFd};

use super::BaseSelector;
use crate::wait::wait_loop;
use crate::{Backend, Events, Result, SelectorKey};

impl<B: Backend, F: AsFd, T> BaseSelector<B, F, T> {
    /// Waits until a registered fd is ready or `timeout` passes, and returns each ready key
    /// once with the events that are ready, masked with the key's events.
    ///
    /// `None` blocks; `Some(Duration::ZERO)` polls; a positive timeout is rounded up to the
    /// backend's resolution and never returns early, even when signals interrupt the wait
    /// (PEP 475: the wait resumes with the remaining time) or the kernel reports only
    /// registrations the selector no longer holds (they are shed and the wait resumes). An
    /// empty selector still sleeps for the timeout. On timeout the result is empty.
    ///
    /// The keys borrow the selector; to register, modify or unregister while handling the
    /// results, use [`select_into`](Self::select_into).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use std::time::Duration;
    /// use selectors_poll::{PollSelector, EVENT_READ};
    ///
    /// let mut selector = PollSelector::<UnixStream, &str>::new()?;
    /// let (a, mut b) = UnixStream::pair()?;
    /// selector.register(a, EVENT_READ, "a")?;
    /// assert!(selector.select(Some(Duration::ZERO))?.is_empty());
    /// b.write_all(b"ping")?;
    /// for (key, events) in selector.select(Some(Duration::from_secs(1)))? {
    ///     assert_eq!((*key.data(), events), ("a", EVENT_READ));
    /// }
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Os`](crate::Error::Os): the kernel's error, or the error returned by the interrupt check
    /// ([`set_interrupt_check`](Self::set_interrupt_check)).
    #[doc(alias("poll", "wait"))]
    #[inline]
    pub fn select(
        &mut self,
        timeout: Option<Duration>,
    ) -> Result<Vec<(&SelectorKey<F, T>, Events)>> {
        let mut ready = Vec::new();
        wait_loop(
            &mut self.backend,
            &self.map,
            &mut self.interrupt_check,
            self.waker.0.as_deref(),
            timeout,
            |key, events| ready.push((key, events)),
        )?;
        Ok(ready)
    }

    /// Like [`select`](Self::select), but fills `ready` (cleared first) with `(fd, events)`
    /// and returns how many there are. The buffer is the caller's, so once it has grown to
    /// the number of registrations no call allocates, and the selector is free to be changed
    /// while the results are handled (look keys up with [`get_key`](Self::get_key) or
    /// [`get_mut`](Self::get_mut)).
    ///
    /// The entries are fd numbers, read when the wait returned. If handling one entry
    /// unregisters another fd of the same batch, that later entry names an fd that is no
    /// longer registered ([`get_key`](Self::get_key) says [`Error::NotRegistered`](crate::Error::NotRegistered): skip
    /// it); if the number was meanwhile registered again (a new connection accepted after a
    /// close took the freed number), the entry names the new registration, which may not be
    /// ready — with non-blocking file objects an I/O call then reports `WouldBlock`, to be
    /// treated as "not ready yet".
    ///
    /// # Examples
    ///
    /// An accept loop: the listener's readiness registers new connections while the batch is
    /// handled.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::net::{TcpListener, TcpStream};
    /// use std::time::Duration;
    /// use selectors_poll::{AsFd, BorrowedFd, Error, PollSelector, EVENT_READ, EVENT_WRITE};
    ///
    /// enum Conn {
    ///     Listener(TcpListener),
    ///     Stream(TcpStream),
    /// }
    /// impl AsFd for Conn {
    ///     fn as_fd(&self) -> BorrowedFd<'_> {
    ///         match self {
    ///             Conn::Listener(l) => l.as_fd(),
    ///             Conn::Stream(s) => s.as_fd(),
    ///         }
    ///     }
    /// }
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let mut client = TcpStream::connect(listener.local_addr()?)?;
    /// let mut selector = PollSelector::<Conn, Vec<u8>>::new()?;
    /// selector.register(Conn::Listener(listener), EVENT_READ, Vec::new())?;
    /// client.write_all(b"hi")?;
    ///
    /// let mut ready = Vec::new();
    /// let mut echoed = false;
    /// while !echoed {
    ///     selector.select_into(Some(Duration::from_secs(5)), &mut ready)?;
    ///     for &(fd, events) in &ready {
    ///         let (conn, pending) = match selector.get_mut(fd) {
    ///             Ok(found) => found,
    ///             Err(Error::NotRegistered(_)) => continue, // unregistered meanwhile
    ///             Err(err) => return Err(err.into()),
    ///         };
    ///         match *conn {
    ///             Conn::Listener(ref listener) => {
    ///                 let (stream, _) = listener.accept()?;
    ///                 selector.register(Conn::Stream(stream), EVENT_READ, Vec::new())?;
    ///             }
    ///             // `Read` and `Write` are implemented for `&TcpStream`.
    ///             Conn::Stream(ref stream) if events.contains(EVENT_READ) => {
    ///                 let mut stream: &TcpStream = stream;
    ///                 let mut buf = [0; 64];
    ///                 let n = stream.read(&mut buf)?;
    ///                 pending.extend_from_slice(&buf[..n]);
    ///                 selector.modify_events(fd, EVENT_WRITE)?;
    ///             }
    ///             Conn::Stream(ref stream) => {
    ///                 let mut stream: &TcpStream = stream;
    ///                 stream.write_all(pending)?;
    ///                 pending.clear();
    ///                 selector.modify_events(fd, EVENT_READ)?;
    ///                 echoed = true;
    ///             }
    ///         }
    ///     }
    /// }
    /// let mut buf = [0; 2];
    /// client.read_exact(&mut buf)?;
    /// assert_eq!(&buf, b"hi");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As for [`select`](Self::select).
    #[inline]
    pub fn select_into(
        &mut self,
        timeout: Option<Duration>,
        ready: &mut Vec<(RawFd, Events)>,
    ) -> Result<usize> {
        ready.clear();
        wait_loop(
            &mut self.backend,
            &self.map,
            &mut self.interrupt_check,
            self.waker.0.as_deref(),
            timeout,
            |key, events| ready.push((key.fd, events)),
        )
    }

    /// Like [`select`](Self::select), but calls `on_ready(key, events)` for each ready key
    /// instead of collecting them, and returns how many there were. Never allocates. A panic
    /// in `on_ready` propagates and leaves the selector as it was.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use std::os::unix::net::UnixStream;
    /// use std::time::Duration;
    /// use selectors_poll::{PollSelector, EVENT_WRITE};
    ///
    /// let mut selector = PollSelector::<UnixStream, u32>::new()?;
    /// let (a, _b) = UnixStream::pair()?;
    /// selector.register(a, EVENT_WRITE, 1)?;
    /// let mut total = 0;
    /// let count = selector.select_with(Some(Duration::ZERO), |key, _events| total += key.data())?;
    /// assert_eq!((count, total), (1, 1));
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As for [`select`](Self::select).
    #[inline]
    pub fn select_with(
        &mut self,
        timeout: Option<Duration>,
        on_ready: impl FnMut(&SelectorKey<F, T>, Events),
    ) -> Result<usize> {
        wait_loop(
            &mut self.backend,
            &self.map,
            &mut self.interrupt_check,
            self.waker.0.as_deref(),
            timeout,
            on_ready,
        )
    }
}
