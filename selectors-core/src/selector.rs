//! `BaseSelector`: Python's selector rules written once, over any [`Backend`].

use std::fmt;
use std::io;
use std::time::Duration;

use rustix::fd::{AsFd, AsRawFd, RawFd};

use crate::map::{KeyMap, SelectorMap, Slot};
use crate::wait::{InterruptCheck, wait_loop};
use crate::{Backend, Error, Events, RegisterError, Result, SelectorKey, Target};

/// A selector: the map of registrations kept in step with a kernel readiness mechanism `B`.
///
/// This is Python's `BaseSelector` with its rules implemented once; each backend crate exports
/// its Python-named alias (`EpollSelector<F, T>` is `BaseSelector<EpollBackend, F, T>`).
///
/// - `F` is the file object, anything [`AsFd`]: an `OwnedFd`, a `TcpStream`, a
///   `UnixStream`, a `Box<dyn AsFd>`... The selector owns it while it is registered, so it
///   cannot be closed behind the selector's back, and [`unregister`](Self::unregister) hands
///   it back. A raw fd number that the caller promises to keep open goes in as a
///   `BorrowedFd<'static>` made with `unsafe { BorrowedFd::borrow_raw(fd) }`.
/// - `T` is the caller's data for each registration (`()` by default).
///
/// Every method that changes something takes `&mut self`, and a failed call changes nothing
/// (except where a method's `# Errors` says otherwise).
pub struct BaseSelector<B, F, T = ()> {
    backend: B,
    map: KeyMap<F, T>,
    interrupt_check: Option<InterruptCheck>,
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
        }
    }

    /// Registers `fileobj` for `events`, with `data`, and returns its key.
    ///
    /// Checks, in Python's order: the events (empty or unknown bits), the fd (negative, or at
    /// or above the backend's [`fd_limit`](Backend::fd_limit)), a duplicate (the same fd
    /// through any object), then asks the kernel.
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
        let fd = fileobj.as_fd().as_raw_fd();
        let checked = if !events.is_valid_mask() {
            Err(Error::invalid_events(events))
        } else if fd < 0 {
            Err(Error::InvalidFd(fd))
        } else if let Some(limit) = self.backend.fd_limit().filter(|&limit| fd >= limit) {
            Err(Error::FdOutOfRange { fd, limit })
        } else if self.map.contains(fd) {
            Err(Error::AlreadyRegistered(fd))
        } else {
            // The key goes into the map only after the kernel accepted the fd, so a refusal
            // needs no rollback of the map (CPython inserts first and rolls back, bpo-30624).
            self.backend.add(fileobj.as_fd(), events).map_err(Error::Os)
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

    /// Unregisters `target` and returns its key, with the file object and data.
    ///
    /// Never fails because the fd was closed or reused since it was registered: the kernel's
    /// error on removal is ignored, as in Python (`test_unregister_after_fd_close`).
    ///
    /// # Errors
    /// [`Error::InvalidFd`] for a negative fd, [`Error::NotRegistered`] for an unknown one.
    #[inline]
    pub fn unregister(&mut self, target: impl Target) -> Result<SelectorKey<F, T>> {
        let slot = registered(&self.map, target.target_fd())?;
        let key = self.map.remove_at(slot);
        // The fd may be closed or reused by now; the backend forgets it either way.
        let _ignored = self.backend.delete(key.fileobj.as_fd(), key.events);
        Ok(key)
    }

    /// Changes the events and data of `target`, and returns the updated key.
    ///
    /// The kernel is asked only when the events change; new data alone makes no system call.
    ///
    /// # Errors
    /// [`Error::InvalidEvents`], [`Error::InvalidFd`] and [`Error::NotRegistered`] change
    /// nothing. [`Error::Os`] means the kernel refused the change: its state for the fd is
    /// then unknown, so the registration is removed from the kernel **and** the map, and the
    /// key (with its file object) is dropped. CPython removes it from the map only and can
    /// leave a live kernel registration behind (bpo-30014).
    #[inline]
    pub fn modify(
        &mut self,
        target: impl Target,
        events: Events,
        data: T,
    ) -> Result<&SelectorKey<F, T>> {
        if !events.is_valid_mask() {
            return Err(Error::invalid_events(events));
        }
        let slot = registered(&self.map, target.target_fd())?;
        let key = self.map.at(slot);
        if key.events != events {
            if let Err(err) = self.backend.modify(key.fileobj.as_fd(), key.events, events) {
                let _ignored = self.backend.delete(key.fileobj.as_fd(), key.events);
                self.map.remove_at(slot);
                return Err(Error::Os(err));
            }
        }
        let key = self.map.at_mut(slot);
        key.events = events;
        key.data = data;
        Ok(key)
    }

    /// The key registered for `target`.
    ///
    /// # Errors
    /// [`Error::InvalidFd`] for a negative fd, [`Error::NotRegistered`] for an unknown one.
    #[inline]
    pub fn get_key(&self, target: impl Target) -> Result<&SelectorKey<F, T>> {
        let slot = registered(&self.map, target.target_fd())?;
        Ok(self.map.at(slot))
    }

    /// The data of `target`, mutably: changing data needs no system call.
    ///
    /// # Errors
    /// [`Error::InvalidFd`] for a negative fd, [`Error::NotRegistered`] for an unknown one.
    #[inline]
    pub fn data_mut(&mut self, target: impl Target) -> Result<&mut T> {
        let slot = registered(&self.map, target.target_fd())?;
        Ok(&mut self.map.at_mut(slot).data)
    }

    /// A read-only view of the registrations, keyed by fd.
    pub fn get_map(&self) -> SelectorMap<'_, F, T> {
        SelectorMap { map: &self.map }
    }

    /// Waits until a registered fd is ready or `timeout` passes, and returns each ready key
    /// once with the events that are ready, masked with the key's events.
    ///
    /// `None` blocks; `Some(Duration::ZERO)` polls; a positive timeout is rounded up to the
    /// backend's resolution and never returns early, even when signals interrupt the wait
    /// (PEP 475: the wait resumes with the remaining time). An empty selector still sleeps for
    /// the timeout. On timeout the result is empty.
    ///
    /// The keys borrow the selector; to register, modify or unregister while handling the
    /// results, use [`select_into`](Self::select_into).
    ///
    /// # Errors
    /// [`Error::Os`]: the kernel's error, or the error returned by the interrupt check
    /// ([`set_interrupt_check`](Self::set_interrupt_check)).
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
            timeout,
            |key, events| ready.push((key, events)),
        )?;
        Ok(ready)
    }

    /// Like [`select`](Self::select), but fills `ready` (cleared first) with `(fd, events)`
    /// and returns how many there are. The buffer is the caller's, so once it has grown to
    /// the number of registrations no call allocates, and the selector is free to be changed
    /// while the results are handled (look keys up with [`get_key`](Self::get_key)).
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
            timeout,
            |key, events| ready.push((key.fd, events)),
        )
    }

    /// Like [`select`](Self::select), but calls `on_ready(key, events)` for each ready key
    /// instead of collecting them, and returns how many there were. Never allocates.
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
            timeout,
            on_ready,
        )
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
    /// poll (Python has no `fileno()` on those).
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

    /// The backend, for inspection (tests compare its interest list with the map).
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Closes the selector: drops every registration (and its file object) and closes the
    /// kernel object. Consuming `self` makes use after close a compile error.
    ///
    /// # Errors
    /// [`Error::Os`] if closing the kernel object reports an error.
    pub fn close(self) -> Result<()> {
        let BaseSelector { backend, map, .. } = self;
        drop(map);
        backend.close().map_err(Error::Os)
    }
}

/// Resolves a target to its key's slot: a negative fd is `InvalidFd`, an unknown one
/// `NotRegistered`.
#[inline]
fn registered<F, T>(map: &KeyMap<F, T>, fd: RawFd) -> Result<Slot> {
    if fd < 0 {
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
            .finish()
    }
}
