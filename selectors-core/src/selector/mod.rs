//! `BaseSelector`: Python's selector rules written once, over any [`Backend`].

use std::fmt;
use std::io;

use rustix::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use crate::fd::{OutOfRange, check_range, is_invalid_fd};
use crate::map::{KeyMap, SelectorMap, Slot};
use crate::wait::{InterruptCheck, live};
use crate::{Backend, Error, Events, RegisterError, Result, SelectorKey, Target};

mod modify;
mod select;
mod wake;

use wake::WakerSlot;

/// A selector: the map of registrations kept in step with a kernel readiness mechanism `B`.
///
/// This is Python's `BaseSelector` with its rules implemented once; each backend crate exports
/// its Python-named alias (`EpollSelector<F, T>` is `BaseSelector<EpollBackend, F, T>`).
///
/// - `F` is the file object, anything [`AsFd`]: an `OwnedFd`, a `TcpStream`, a
///   `UnixStream`, a `Box<dyn AsFd>`... The selector owns it while it is registered, so it
///   cannot be closed behind the selector's back, and [`unregister`](Self::unregister) hands
///   it back. Its fd is read once, at `register`; every later kernel call uses that number,
///   so a file object whose `as_fd()` changes cannot make the map and the kernel disagree. A
///   raw fd number that the caller promises to keep open goes in as a `BorrowedFd<'static>`
///   made with `unsafe { BorrowedFd::borrow_raw(fd) }`.
/// - `T` is the caller's data for each registration (`()` by default).
///
/// Every method that changes something takes `&mut self`, and a failed call changes nothing
/// (except where a method's `# Errors` says otherwise). A panic in a callback or in `as_fd()`
/// leaves the selector consistent.
///
/// The examples on these methods use `PollSelector` (every Unix); every backend's selector
/// behaves the same.
pub struct BaseSelector<B, F, T = ()> {
    backend: B,
    map: KeyMap<F, T>,
    interrupt_check: Option<InterruptCheck>,
    waker: WakerSlot,
}

impl<B: Backend, F: AsFd, T> BaseSelector<B, F, T> {
    /// Creates a selector with a new kernel object (close-on-exec).
    ///
    /// # Errors
    /// [`Error::Os`] when the kernel object cannot be created (`EMFILE`, `ENOSYS`, ...).
    pub fn new() -> Result<Self> {
        Ok(Self::with_backend(B::new()?))
    }

    /// Creates a selector over an existing backend, which must have nothing registered.
    pub fn with_backend(backend: B) -> Self {
        BaseSelector {
            backend,
            map: KeyMap::new(),
            interrupt_check: None,
            waker: WakerSlot::default(),
        }
    }

    /// Registers `fileobj` for `events`, with `data`, and returns its key.
    ///
    /// Checks, in Python's order: the events (empty or unknown bits), the fd (invalid, or at
    /// or above the process's fd limit or the backend's [`fd_limit`](Backend::fd_limit)), a
    /// duplicate (the same fd through any object), then asks the kernel. `fileobj.as_fd()` is
    /// called once.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use std::os::unix::net::UnixStream;
    /// use selectors_poll::{Error, PollSelector, EVENT_READ};
    ///
    /// let mut selector = PollSelector::<UnixStream, &str>::new()?;
    /// let (a, b) = UnixStream::pair()?;
    /// let key = selector.register(a, EVENT_READ, "a")?;
    /// assert_eq!((key.events(), *key.data()), (EVENT_READ, "a"));
    ///
    /// // A refused registration hands the file object back.
    /// let err = selector.register(b, Default::default(), "b").unwrap_err();
    /// assert!(matches!(err.error(), Error::InvalidEvents(0)));
    /// let (_error, b, _data) = err.into_parts();
    /// selector.register(b, EVENT_READ, "b")?;
    /// assert_eq!(selector.len(), 2);
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidEvents`], [`Error::InvalidFd`], [`Error::FdOutOfRange`],
    /// [`Error::AlreadyRegistered`], or [`Error::Os`] when the kernel refuses the fd (epoll:
    /// `EPERM` for a regular file; kqueue: `EBADF`). In every case nothing changes, and the
    /// file object and data come back in the [`RegisterError`].
    #[inline]
    pub fn register(
        &mut self,
        fileobj: F,
        events: Events,
        data: T,
    ) -> Result<&SelectorKey<F, T>, RegisterError<F, T>> {
        let borrowed = fileobj.as_fd();
        let fd = borrowed.as_raw_fd();
        let checked = if !events.is_valid_mask() {
            Err(Error::invalid_events(events))
        } else if is_invalid_fd(fd) {
            Err(Error::InvalidFd(fd))
        } else if let Err(error) = self.check_range(borrowed, fd) {
            Err(error)
        } else if self.map.contains(fd) || self.waker_fd() == Some(fd) {
            Err(Error::AlreadyRegistered(fd))
        } else {
            // The key goes into the map only after the kernel accepted the fd, so a refusal
            // needs no rollback of the map (CPython inserts first and rolls back, bpo-30624).
            self.add(borrowed, events)
        };
        if let Err(error) = checked {
            return Err(RegisterError::new(error, fileobj, data));
        }
        Ok(self.map.insert(SelectorKey {
            fileobj,
            fd,
            events,
            data,
        }))
    }

    /// Refuses an fd no open file can have, or one beyond the backend's own limit.
    #[inline]
    fn check_range(&self, borrowed: BorrowedFd<'_>, fd: RawFd) -> Result<()> {
        match check_range(borrowed, fd) {
            Ok(()) => {}
            Err(OutOfRange::Limit(limit)) => return Err(Error::FdOutOfRange { fd, limit }),
            Err(OutOfRange::NotOpen) => return Err(Error::Os(rustix::io::Errno::BADF.into())),
        }
        match self.backend.fd_limit() {
            Some(limit) if fd >= limit => Err(Error::FdOutOfRange { fd, limit }),
            _ => Ok(()),
        }
    }

    /// Adds `fd` to the backend under the next key's token. `EEXIST` for an fd the map does
    /// not hold means the kernel kept a registration the selector could no longer remove (a
    /// `dup` of a file closed behind the selector's back, epoll(7) Q6): the backend sheds
    /// it by rebuilding its registrations from the map, and the add is tried once more.
    #[inline]
    fn add(&mut self, borrowed: BorrowedFd<'_>, events: Events) -> Result<()> {
        let token = self.map.next_token();
        match self.backend.add(borrowed, token, events) {
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                self.backend
                    .rebuild(live(&self.map, self.waker.0.as_deref()))?;
                self.backend.add(borrowed, token, events).map_err(Error::Os)
            }
            result => result.map_err(Error::Os),
        }
    }

    /// Unregisters `target` and returns its key, with the file object and data.
    ///
    /// Never fails because the fd was closed or reused since it was registered: the kernel's
    /// error on removal is ignored, as in Python (`test_unregister_after_fd_close`).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use selectors_poll::{PollSelector, EVENT_READ};
    ///
    /// let mut selector = PollSelector::<UnixStream, u32>::new()?;
    /// let (a, _b) = UnixStream::pair()?;
    /// let fd = a.as_raw_fd();
    /// selector.register(a, EVENT_READ, 7)?;
    /// let (a, data): (UnixStream, u32) = selector.unregister(fd)?.into_parts();
    /// assert_eq!((a.as_raw_fd(), data), (fd, 7));
    /// assert!(selector.is_empty());
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidFd`] for an invalid fd, [`Error::NotRegistered`] for an unknown one.
    #[doc(alias = "deregister")]
    #[inline]
    pub fn unregister(&mut self, target: impl Target) -> Result<SelectorKey<F, T>> {
        let slot = registered(&self.map, target.target_fd())?;
        let token = self.map.token_at(slot);
        let key = self.map.remove_at(slot);
        // The fd may be closed or reused by now; the backend forgets it either way.
        let _ignored = self.backend.delete(key.fd, token, key.events);
        Ok(key)
    }

    /// The key registered for `target`.
    ///
    /// # Errors
    /// [`Error::InvalidFd`] for an invalid fd, [`Error::NotRegistered`] for an unknown one.
    #[doc(alias = "key")]
    #[inline]
    pub fn get_key(&self, target: impl Target) -> Result<&SelectorKey<F, T>> {
        let slot = registered(&self.map, target.target_fd())?;
        Ok(self.map.at(slot))
    }

    /// The data of `target`, mutably: changing data needs no system call.
    ///
    /// # Errors
    /// [`Error::InvalidFd`] for an invalid fd, [`Error::NotRegistered`] for an unknown one.
    #[inline]
    pub fn data_mut(&mut self, target: impl Target) -> Result<&mut T> {
        let slot = registered(&self.map, target.target_fd())?;
        Ok(&mut self.map.at_mut(slot).data)
    }

    /// The file object and the data of `target` together: the object to read or write with,
    /// the data to update, in one lookup (a server's per-connection state).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use std::io::{Read, Write};
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use selectors_poll::{PollSelector, EVENT_READ};
    ///
    /// let mut selector = PollSelector::<UnixStream, Vec<u8>>::new()?;
    /// let (a, mut b) = UnixStream::pair()?;
    /// let fd = a.as_raw_fd();
    /// selector.register(a, EVENT_READ, Vec::new())?;
    /// b.write_all(b"hello")?;
    /// let (mut conn, received) = selector.get_mut(fd)?;
    /// let mut buf = [0; 16];
    /// let n = conn.read(&mut buf)?;
    /// received.extend_from_slice(&buf[..n]);
    /// assert_eq!(selector.get_key(fd)?.data(), b"hello");
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidFd`] for an invalid fd, [`Error::NotRegistered`] for an unknown one.
    #[inline]
    pub fn get_mut(&mut self, target: impl Target) -> Result<(&F, &mut T)> {
        let slot = registered(&self.map, target.target_fd())?;
        let key = self.map.at_mut(slot);
        Ok((&key.fileobj, &mut key.data))
    }

    /// A read-only view of the registrations, keyed by fd.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(unix)] {
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use selectors_poll::{PollSelector, EVENT_READ};
    ///
    /// let mut selector = PollSelector::<UnixStream, &str>::new()?;
    /// let (a, _b) = UnixStream::pair()?;
    /// let fd = a.as_raw_fd();
    /// selector.register(a, EVENT_READ, "a")?;
    /// let map = selector.get_map();
    /// assert_eq!(map.len(), 1);
    /// assert!(map.contains(fd));
    /// assert_eq!(map.get(fd).map(|key| *key.data()), Some("a"));
    /// assert_eq!(map.keys().collect::<Vec<_>>(), [fd]);
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_map(&self) -> SelectorMap<'_, F, T> {
        SelectorMap { map: &self.map }
    }

    /// Sets the check run each time a signal interrupts the wait (`EINTR`), before the wait
    /// resumes. If it returns an error, `select` returns that error at once.
    ///
    /// This is the other half of PEP 475: a program turns a signal into a prompt return (a
    /// SIGINT handler sets a flag; the check returns an error when the flag is set), and a
    /// binding runs its language's signal handlers here.
    pub fn set_interrupt_check(&mut self, check: impl FnMut() -> io::Result<()> + Send + 'static) {
        self.interrupt_check = Some(Box::new(check));
    }

    /// Removes the interrupt check: signals only make the wait resume.
    pub fn clear_interrupt_check(&mut self) {
        self.interrupt_check = None;
    }

    /// The kernel object's fd: `Some` for epoll, kqueue and /dev/poll, `None` for select and
    /// poll (Python has no `fileno()` on those). Selectors that always have one also
    /// implement [`AsFd`].
    #[doc(alias = "as_raw_fd")]
    pub fn fileno(&self) -> Option<RawFd> {
        self.backend.fileno()
    }

    /// The number of registrations.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.map.len() == 0
    }

    /// The backend's name: `"select"`, `"poll"`, `"epoll"`, `"devpoll"` or `"kqueue"`.
    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    /// The backend, read-only: for inspecting what it holds (an emulated kernel's interest
    /// list, a fault-injecting backend's counters). Nothing reachable through it can change
    /// the registrations.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Closes the selector: drops every registration (and its file object) and closes the
    /// kernel object. Consuming `self` makes use after close a compile error.
    ///
    /// # Errors
    /// [`Error::Os`] if closing the kernel object reports an error.
    pub fn close(self) -> Result<()> {
        let BaseSelector {
            backend,
            map,
            waker,
            ..
        } = self;
        drop((map, waker));
        backend.close().map_err(Error::Os)
    }
}

/// The kernel object's fd, for selectors whose backend always has one (epoll, kqueue,
/// /dev/poll): to nest a selector inside another, or to pass it to a C API.
impl<B: AsFd, F, T> AsFd for BaseSelector<B, F, T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.backend.as_fd()
    }
}

/// Resolves a target to its key's slot: an invalid fd is `InvalidFd`, an unknown one
/// `NotRegistered`.
#[inline]
fn registered<F, T>(map: &KeyMap<F, T>, fd: RawFd) -> Result<Slot> {
    if is_invalid_fd(fd) {
        Err(Error::InvalidFd(fd))
    } else {
        map.find(fd).ok_or(Error::NotRegistered(fd))
    }
}

impl<B: Backend, F, T> fmt::Debug for BaseSelector<B, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BaseSelector")
            .field("backend", &self.backend.name())
            .field("registered", &self.map.len())
            .field("interrupt_check", &self.interrupt_check.is_some())
            .field("waker", &self.waker.0.is_some())
            .finish()
    }
}
