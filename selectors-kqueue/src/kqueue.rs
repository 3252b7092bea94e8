//! `KqueueBackend`: the [`Backend`] operations as `kevent` calls on a [`KqueueSys`].

use std::io;
use std::sync::Arc;
use std::time::Duration;

use rustix::event::Timespec;
use rustix::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use selectors_core::{Backend, Events, Token, WakeSource, check_fd_range, timeout};

use crate::kevent::{
    EV_ADD, EV_DELETE, EV_EOF, EV_ERROR, EV_RECEIPT, EVFILT_READ, EVFILT_USER, EVFILT_WRITE,
    Kevent, KqueueSys,
};
use crate::sys;

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
    /// The registration's token.
    token: Token,
}

/// A kqueue and the buffers its events are read into, over the kernel interface `K`
/// (`RealKqueue` on kqueue systems, or an emulation).
///
/// READ and WRITE are the level-triggered filters `EVFILT_READ` and `EVFILT_WRITE`
/// (`EV_ADD` / `EV_DELETE`, no `EV_CLEAR` or `EV_ONESHOT`). Each register, modify or
/// unregister is one `kevent` call whose changes all carry `EV_RECEIPT`, so the result of
/// every change is seen; a register or modify that fails part-way removes the fd's filters,
/// so no half registration stays in the kernel (CPython leaves the READ filter behind when
/// the WRITE filter fails).
///
/// `select` is one `kevent` call with room for every registered filter (at least one: with
/// room for none the kernel returns at once and ignores the timeout, bpo-29255), with a
/// nanosecond `timespec` timeout. The kernel reports an fd's READ and WRITE filters as
/// separate events, not always adjacent; they are merged into one result per fd through an
/// fd-indexed table, in O(ready events), and reported under the fd's token.
///
/// The kernel keys its filters by fd number and drops them when the fd is closed (kqueue(2):
/// "Calling close() on a file descriptor will remove any kevents that reference the
/// descriptor"), even while a `dup` keeps the file open, so it never holds a registration
/// the backend does not know: an event for an fd the table does not hold is dropped, and
/// [`rebuild`](Backend::rebuild) has nothing to shed.
///
/// Flags to events: a filter reports its own direction. `EV_EOF` on `EVFILT_WRITE` (the peer
/// can no longer receive, like poll's `POLLHUP` / `POLLERR`) and an `EV_ERROR` event count as
/// READ | WRITE before masking, as Python's poll rule does for `POLLHUP` and `POLLERR`, so a
/// hang-up wakes a key waiting in either direction. `EV_EOF` on `EVFILT_READ` is READ only:
/// the peer stopped sending, but data may still be buffered (`data` > 0) and after a
/// half-close (`shutdown(SHUT_WR)`) the socket may still be writable or not, which poll
/// reports as `POLLIN` alone; adding WRITE there would report a full send buffer as
/// writable, a busy loop.
#[derive(Debug)]
pub struct KqueueBackend<K: KqueueSys> {
    sys: K,
    /// Filled by `kevent`; its length is kept at the number of filters (at least 1).
    events: Vec<Kevent>,
    /// Each wait's results, merged per fd, before any is handed out: a panicking callback
    /// then leaves no gathered state behind. As long as `events`.
    merged: Vec<(Token, Events)>,
    /// Indexed by fd; grown when a filter is added, so `wait` never allocates.
    fds: Vec<Slot>,
    /// The number of filters registered (the kernel's count, not the fds').
    filters: usize,
    /// Whether the `EVFILT_USER` event of the waker is registered (one more event of room).
    user_event: bool,
}

impl<K: KqueueSys> KqueueBackend<K> {
    /// A backend over an existing, empty queue.
    pub fn with_sys(sys: K) -> Self {
        KqueueBackend {
            sys,
            events: vec![Kevent::default()],
            merged: Vec::with_capacity(1),
            fds: Vec::new(),
            filters: 0,
            user_event: false,
        }
    }

    /// The kernel interface, read-only: to inspect an emulated or scripted kernel.
    pub fn sys(&self) -> &K {
        &self.sys
    }

    /// The number of filters registered: one or two per registered fd.
    pub fn filters(&self) -> usize {
        self.filters
    }

    /// The filters the backend has registered for `fd`.
    fn watched(&self, fd: RawFd) -> Events {
        usize::try_from(fd)
            .ok()
            .and_then(|index| self.fds.get(index))
            .map_or(Events::empty(), |slot| slot.watched)
    }

    /// Applies `add` and `delete` (disjoint) for `fd` in one `kevent` call, one change per
    /// filter, each with `EV_RECEIPT`. Records every change that succeeded and returns the
    /// first error. `ENOENT` on a delete counts as success (the filter is gone, as asked) when
    /// the fd is open; for a closed fd it is `EBADF`, FreeBSD's answer, which XNU gives as
    /// `ENOENT` because it looks the filter up before the descriptor.
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
            let error = match error {
                Some(err) if deleting && err.raw_os_error() == Some(ENOENT) => sys::fd_is_open(fd)
                    .is_err()
                    .then(|| io::Error::from_raw_os_error(EBADF)),
                other => other,
            };
            match error {
                Some(err) => {
                    first_error.get_or_insert(err);
                }
                None => self.record(fd, direction, !deleting),
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
            let room = self.filters + usize::from(self.user_event);
            if self.events.len() < room {
                self.events.resize(room, Kevent::default());
                self.merged.reserve(room);
            }
        } else if !added && slot.watched.contains(direction) {
            slot.watched.remove(direction);
            self.filters -= 1;
        }
    }

    /// Forgets the filters recorded for `fd`, whatever the kernel holds.
    fn forget(&mut self, fd: RawFd) {
        if let Some(slot) = usize::try_from(fd).ok().and_then(|i| self.fds.get_mut(i)) {
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

    /// Sets the token of a watched `fd`.
    fn set_token(&mut self, fd: RawFd, token: Token) {
        if let Some(slot) = usize::try_from(fd).ok().and_then(|i| self.fds.get_mut(i)) {
            slot.token = token;
        }
    }
}

/// The events one kernel event stands for, before masking (see [`KqueueBackend`]). Only the
/// `EV_EOF` and `EV_ERROR` bits of `flags` count: kernels return others too (FreeBSD keeps
/// the `EV_RECEIPT` of the change that added the event, XNU all of that change's flags).
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

    fn add(&mut self, fd: BorrowedFd<'_>, token: Token, events: Events) -> io::Result<()> {
        let raw = fd.as_raw_fd();
        check_fd_range(fd, raw)?;
        if !self.watched(raw).is_empty() {
            return Err(io::ErrorKind::AlreadyExists.into());
        }
        self.apply(raw, events, Events::empty())
            .inspect_err(|_| self.purge(raw))?;
        self.set_token(raw, token);
        Ok(())
    }

    fn modify(&mut self, fd: RawFd, token: Token, _old: Events, new: Events) -> io::Result<()> {
        // The backend's record, not the caller's word, says what the kernel holds.
        let watched = self.watched(fd);
        if watched.is_empty() {
            return Err(io::ErrorKind::NotFound.into());
        }
        self.apply(fd, new - watched, watched - new)
            .inspect_err(|_| self.purge(fd))?;
        self.set_token(fd, token);
        Ok(())
    }

    fn delete(&mut self, fd: RawFd, _token: Token, _events: Events) -> io::Result<()> {
        // The backend's record, not the caller's mask: after a failed modify it is empty.
        let watched = self.watched(fd);
        if watched.is_empty() {
            return Err(io::ErrorKind::NotFound.into());
        }
        let result = self.apply(fd, Events::empty(), watched);
        // Forgotten whatever the kernel said: a closed fd's filters are already gone.
        self.forget(fd);
        match result {
            Err(err) if err.raw_os_error() == Some(EBADF) => Ok(()),
            result => result,
        }
    }

    fn wait<R>(&mut self, timeout: Option<Duration>, ready: R) -> io::Result<()>
    where
        R: FnMut(Token, Events),
    {
        let max_events = (self.filters + usize::from(self.user_event)).max(1);
        let timeout = timeout::timespec(timeout);
        self.merged.clear();
        let received = self
            .sys
            .kevent(&[], &mut self.events[..max_events], timeout.as_ref())?;
        let events = &self.events[..received.min(max_events)];
        // Pass 1 gathers each fd's events; pass 2 moves each fd's merged events, at its first
        // event, into `merged` and clears its slot; only then are they handed out, so a
        // callback that panics leaves every slot clear. An event for an fd with no filter in
        // the record (none should come) is dropped.
        for event in events.iter().filter(|event| event.filter != EVFILT_USER) {
            if let Some(slot) = self.fds.get_mut(event.ident) {
                if !slot.watched.is_empty() {
                    slot.ready |= kevent_events(event);
                }
            }
        }
        for event in events {
            if event.filter == EVFILT_USER {
                self.merged.push((Token::WAKER, Events::READ));
            } else if let Some(slot) = self.fds.get_mut(event.ident) {
                if !slot.ready.is_empty() {
                    self.merged.push((slot.token, slot.ready));
                    slot.ready = Events::empty();
                }
            }
        }
        self.replay(ready);
        Ok(())
    }

    fn replay<R>(&mut self, mut ready: R)
    where
        R: FnMut(Token, Events),
    {
        for &(token, events) in &self.merged {
            ready(token, events);
        }
    }

    /// `EVFILT_USER` where the kernel has it: no fd, and no read to reset it (`EV_CLEAR`).
    fn waker(&mut self) -> Option<io::Result<Arc<dyn WakeSource>>> {
        let source = self.sys.user_waker()?;
        if source.is_ok() && !self.user_event {
            self.user_event = true;
            let room = self.filters + 1;
            if self.events.len() < room {
                self.events.resize(room, Kevent::default());
                self.merged.reserve(room);
            }
        }
        Some(source)
    }

    fn fileno(&self) -> Option<RawFd> {
        Some(self.sys.fileno())
    }
}

/// The queue's fd, where the kernel interface is a real kernel object.
impl<K: KqueueSys + AsFd> AsFd for KqueueBackend<K> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.sys.as_fd()
    }
}
