//! `KqueueBackend`: the [`Backend`] operations as `kevent` calls on a [`KqueueSys`].

use std::io;
use std::time::Duration;

use rustix::event::Timespec;
use rustix::fd::{AsRawFd, BorrowedFd, RawFd};
use selectors_core::{Backend, Events, timeout};

use crate::kevent::{
    EV_ADD, EV_DELETE, EV_EOF, EV_ERROR, EV_RECEIPT, EVFILT_READ, EVFILT_WRITE, Kevent, KqueueSys,
};

/// The two filters the backend uses, with the event each stands for.
const FILTERS: [(Events, i16); 2] = [(Events::READ, EVFILT_READ), (Events::WRITE, EVFILT_WRITE)];

/// `ENOENT` and `EBADF` (the same values on every kqueue system and on Linux).
const ENOENT: i32 = rustix::io::Errno::NOENT.raw_os_error();
const EBADF: i32 = rustix::io::Errno::BADF.raw_os_error();

/// A zero timeout: change calls must never wait (with `EV_RECEIPT` the kernel returns at
/// once anyway; this also holds on a kernel that ignored the flag).
const NO_WAIT: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 0,
};

/// What the backend knows of one fd.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    /// The filters registered in the kernel for this fd.
    watched: Events,
    /// The events gathered for this fd in the current wait (empty between waits).
    ready: Events,
}

/// Declares the backend struct, with `RealKqueue` as the default kernel where it exists.
macro_rules! backend_struct {
    ($($default:ty)?) => {
        /// A kqueue and the buffers its events are read into, over the kernel interface `K`.
        ///
        /// READ and WRITE are the level-triggered filters `EVFILT_READ` and `EVFILT_WRITE`
        /// (`EV_ADD` / `EV_DELETE`, no `EV_CLEAR` or `EV_ONESHOT`). Each register, modify or
        /// unregister is one `kevent` call whose changes all carry `EV_RECEIPT`, so the
        /// result of every change is seen; a register or modify that fails part-way removes
        /// the fd's filters, so no half registration stays in the kernel (CPython leaves the
        /// READ filter behind when the WRITE filter fails).
        ///
        /// `select` is one `kevent` call with room for every registered filter (at least one:
        /// with room for none the kernel returns at once and ignores the timeout,
        /// bpo-29255), with a nanosecond `timespec` timeout. The kernel reports an fd's READ
        /// and WRITE filters as separate events, not always adjacent; they are merged into
        /// one result per fd through an fd-indexed table, in O(ready events).
        ///
        /// Flags to events: a filter reports its own direction. `EV_EOF` on `EVFILT_WRITE`
        /// (the peer can no longer receive, like poll's `POLLHUP` / `POLLERR`) and an
        /// `EV_ERROR` event count as READ | WRITE before masking, as Python's poll rule does
        /// for `POLLHUP` and `POLLERR`, so a hang-up wakes a key waiting in either direction.
        /// `EV_EOF` on `EVFILT_READ` is READ only: the peer stopped sending, but data may
        /// still be buffered (`data` > 0) and after a half-close (`shutdown(SHUT_WR)`) the
        /// socket may still be writable or not, which poll reports as `POLLIN` alone; adding
        /// WRITE there would report a full send buffer as writable, a busy loop.
        #[derive(Debug)]
        pub struct KqueueBackend<K: KqueueSys $(= $default)?> {
            sys: K,
            /// Filled by `kevent`; its length is kept at the number of filters (at least 1).
            events: Vec<Kevent>,
            /// Indexed by fd; grown when a filter is added, so `wait` never allocates.
            fds: Vec<Slot>,
            /// The number of filters registered (the kernel's count, not the fds').
            filters: usize,
        }
    };
}

#[cfg(have_kqueue)]
backend_struct!(crate::RealKqueue);
#[cfg(not(have_kqueue))]
backend_struct!();

impl<K: KqueueSys> KqueueBackend<K> {
    /// A backend over an existing, empty queue.
    pub fn with_sys(sys: K) -> Self {
        KqueueBackend {
            sys,
            events: vec![Kevent::default()],
            fds: Vec::new(),
            filters: 0,
        }
    }

    /// The kernel interface.
    pub fn sys(&self) -> &K {
        &self.sys
    }

    /// The kernel interface, mutably: for tests and diagnostics. Changes made through it are
    /// not in the backend's record.
    pub fn sys_mut(&mut self) -> &mut K {
        &mut self.sys
    }

    /// The number of filters registered: one or two per registered fd.
    pub fn filters(&self) -> usize {
        self.filters
    }

    /// Applies `add` and `delete` (disjoint) for `fd` in one `kevent` call, one change per
    /// filter, each with `EV_RECEIPT`. Records every change that succeeded and returns the
    /// first error. `ENOENT` on a delete counts as success: the filter is gone, as asked (the
    /// kernel drops an fd's filters when the fd is closed).
    fn apply(&mut self, fd: RawFd, add: Events, delete: Events) -> io::Result<()> {
        let mut changes = [Kevent::default(); 2];
        let mut directions = [Events::empty(); 2];
        let mut n = 0;
        for (direction, filter) in FILTERS {
            let action = if add.contains(direction) {
                EV_ADD
            } else if delete.contains(direction) {
                EV_DELETE
            } else {
                continue;
            };
            changes[n] = Kevent::new(fd, filter, action | EV_RECEIPT);
            directions[n] = direction;
            n += 1;
        }
        let mut receipts = [Kevent::default(); 2];
        let received = self
            .sys
            .kevent(&changes[..n], &mut receipts[..n], Some(&NO_WAIT))?;
        let receipts = &receipts[..received.min(n)];
        let mut first_error = None;
        for (change, &direction) in changes[..n].iter().zip(&directions) {
            // Receipts come in change order, but are matched by (ident, filter) to be sure. A
            // change without one was applied: a failure yields an `EV_ERROR` entry or fails
            // the call (kqueue(2), RETURN VALUES), and a kernel that ignores `EV_RECEIPT`
            // sends none for a success.
            let error = receipts
                .iter()
                .find(|r| {
                    r.flags & EV_ERROR != 0 && (r.ident, r.filter) == (change.ident, change.filter)
                })
                .and_then(Kevent::error);
            let deleting = change.flags & EV_DELETE != 0;
            match error {
                Some(err) if !(deleting && err.raw_os_error() == Some(ENOENT)) => {
                    first_error.get_or_insert(err);
                }
                _ => self.record(fd, direction, !deleting),
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Records that `direction`'s filter of `fd` was added (or deleted). The table grows only
    /// here, once the kernel has accepted the fd, so a bad fd number allocates nothing.
    fn record(&mut self, fd: RawFd, direction: Events, added: bool) {
        let index = fd as usize;
        if added && index >= self.fds.len() {
            self.fds.resize(index + 1, Slot::default());
        }
        let Some(slot) = self.fds.get_mut(index) else {
            return;
        };
        if added && !slot.watched.contains(direction) {
            slot.watched |= direction;
            self.filters += 1;
            if self.events.len() < self.filters {
                self.events.resize(self.filters, Kevent::default());
            }
        } else if !added && slot.watched.contains(direction) {
            slot.watched.remove(direction);
            self.filters -= 1;
        }
    }

    /// Forgets the filters recorded for `fd`, whatever the kernel holds.
    fn forget(&mut self, fd: RawFd) {
        if let Some(slot) = self.fds.get_mut(fd as usize) {
            self.filters -= slot.watched.bits().count_ones() as usize;
            slot.watched = Events::empty();
        }
    }

    /// After a failed add or modify, whose kernel state may be partly applied (a failed call
    /// says nothing of the changes before the failing one): deletes both filters of `fd`,
    /// ignoring the kernel's answers, and forgets them.
    fn purge(&mut self, fd: RawFd) {
        let _ignored = self.apply(fd, Events::empty(), Events::READ | Events::WRITE);
        self.forget(fd);
    }
}

/// The events one kernel event stands for, before masking (see [`KqueueBackend`]).
#[inline]
fn kevent_events(event: &Kevent) -> Events {
    let direction = match event.filter {
        EVFILT_READ => Events::READ,
        EVFILT_WRITE => Events::WRITE,
        _ => return Events::empty(),
    };
    let hang_up =
        event.flags & EV_ERROR != 0 || (event.filter == EVFILT_WRITE && event.flags & EV_EOF != 0);
    if hang_up {
        Events::READ | Events::WRITE
    } else {
        direction
    }
}

impl<K: KqueueSys> Backend for KqueueBackend<K> {
    fn new() -> io::Result<Self> {
        Ok(Self::with_sys(K::kqueue()?))
    }

    fn name(&self) -> &'static str {
        "kqueue"
    }

    fn add(&mut self, fd: BorrowedFd<'_>, events: Events) -> io::Result<()> {
        let fd = fd.as_raw_fd();
        self.apply(fd, events, Events::empty())
            .inspect_err(|_| self.purge(fd))
    }

    fn modify(&mut self, fd: BorrowedFd<'_>, old: Events, new: Events) -> io::Result<()> {
        let fd = fd.as_raw_fd();
        self.apply(fd, new - old, old - new)
            .inspect_err(|_| self.purge(fd))
    }

    fn delete(&mut self, fd: BorrowedFd<'_>, _events: Events) -> io::Result<()> {
        let fd = fd.as_raw_fd();
        // The backend's record, not the caller's mask: after a failed modify it is empty.
        let watched = self
            .fds
            .get(fd as usize)
            .map_or(Events::empty(), |s| s.watched);
        if watched.is_empty() {
            return Ok(());
        }
        let result = self.apply(fd, Events::empty(), watched);
        // Forgotten whatever the kernel said: a closed fd's filters are already gone.
        self.forget(fd);
        match result {
            Err(err) if err.raw_os_error() == Some(EBADF) => Ok(()),
            result => result,
        }
    }

    fn wait<R>(&mut self, timeout: Option<Duration>, mut ready: R) -> io::Result<()>
    where
        R: FnMut(RawFd, Events),
    {
        let max_events = self.filters.max(1);
        let timeout = timeout::timespec(timeout);
        let received = self
            .sys
            .kevent(&[], &mut self.events[..max_events], timeout.as_ref())?;
        let events = &self.events[..received.min(max_events)];
        // Pass 1 gathers each fd's events; pass 2 reports an fd at its first event and clears
        // its slot, so later events of the same fd find it empty.
        for event in events {
            if let Some(slot) = self.fds.get_mut(event.ident) {
                slot.ready |= kevent_events(event);
            }
        }
        for event in events {
            match self.fds.get_mut(event.ident) {
                Some(slot) if !slot.ready.is_empty() => {
                    ready(event.fd(), slot.ready);
                    slot.ready = Events::empty();
                }
                Some(_) => {}
                // Not an fd this backend registered: passed on for the selector to drop.
                None => {
                    let events = kevent_events(event);
                    if !events.is_empty() {
                        ready(event.fd(), events);
                    }
                }
            }
        }
        Ok(())
    }

    fn fileno(&self) -> Option<RawFd> {
        Some(self.sys.fileno())
    }
}
