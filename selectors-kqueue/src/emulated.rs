//! `EmulatedKqueue`: kqueue(2)'s read and write filters as FreeBSD or macOS (XNU) implement
//! them, emulated in user space over poll(2). Not the real kernel.
//!
//! Written from FreeBSD kqueue(2) <https://man.freebsd.org/cgi/man.cgi?query=kqueue&sektion=2>
//! and macOS kevent(2), then checked against the kernels' sources: FreeBSD
//! `sys/kern/kern_event.c` (`kqueue_register`, `kqueue_kevent`, `kqueue_scan`) and
//! `sys/kern/vfs_subr.c` (`filt_vfsread`, `filt_vfswrite`); XNU `bsd/kern/kern_event.c`
//! (`kevent_register`, `kevent_internal`, `knote_process`) and `bsd/vfs/vfs_vnops.c`
//! (`filt_vnode_common`). Quotations are from the FreeBSD page unless marked; where the
//! kernels differ, [`flavour`] quotes both.

mod flavour;
mod scan;
mod user;

use std::collections::BTreeMap;
use std::io;
use std::marker::PhantomData;
use std::os::unix::net::UnixDatagram;

use rustix::event::Timespec;
use rustix::fd::{AsRawFd, OwnedFd, RawFd};
use rustix::io::Errno;
use selectors_core::Events;

use self::flavour::EVFILT_AIO;
use self::flavour::sealed::{Kernel, Sealed};
pub use self::flavour::{Flavour, FreeBsd, Xnu};
use crate::kevent::{
    EV_ADD, EV_CLEAR, EV_DELETE, EV_DISABLE, EV_ENABLE, EV_ONESHOT, EV_RECEIPT, EVFILT_READ,
    EVFILT_USER, EVFILT_WRITE, Kevent, KqueueSys,
};
use crate::sys::raw;

/// The flags this emulation understands on input; any other action (`EV_DISPATCH`, ...) is
/// refused with `EINVAL` rather than ignored.
const KNOWN_FLAGS: u16 = EV_ADD | EV_DELETE | EV_ENABLE | EV_DISABLE | EV_ONESHOT | EV_RECEIPT;

/// One registered event ("knote"): a (descriptor, filter) pair.
#[derive(Debug, Clone, Copy)]
struct Knote {
    enabled: bool,
    /// The flags its events are returned with, before `EV_EOF` (the flavour's rule).
    flags: u16,
    udata: usize,
    /// Where its readiness comes from: poll(2), or a regular file's vnode filter.
    source: scan::Source,
}

/// An emulation of the kqueue kernel object, for running [`KqueueBackend`] where there is no
/// kqueue (the tests on Linux). **It is not the real kernel.** `F` picks the kernel it
/// behaves as where FreeBSD and XNU differ ([`FreeBsd`], the default, or [`Xnu`]).
///
/// What it implements, from the man pages and the sources:
/// - the changelist, in order: `EV_ADD` (adds, or modifies an existing event: "Re-adding an
///   existing event will modify the parameters of the original event, and not result in a
///   duplicate entry"; only `udata` changes, as in `kqueue_register`), `EV_DELETE`
///   (`ENOENT` for an unknown event), `EV_ENABLE` / `EV_DISABLE`, `EV_ONESHOT`,
///   `EV_RECEIPT` ("forces EV_ERROR to always be returned. When a filter is successfully
///   added the data field will be zero");
/// - errors: "If an error occurs while processing an element of the changelist and there is
///   enough room in the eventlist, then the event will be placed in the eventlist with
///   EV_ERROR set in flags and the system error in data. Otherwise, -1 will be returned";
///   `EBADF` for a descriptor that is not open (XNU: `ENOENT` when the change has no
///   `EV_ADD`), `EINVAL` for a filter the kernels do not have, `EPERM` (FreeBSD) or
///   `ENOTSUP` (XNU) for adding `EVFILT_AIO`;
/// - a call that returned change results (receipts or errors) returns at once without
///   draining events; with no room for events (`nevents` 0) it returns at once, ignoring the
///   timeout (the cause of bpo-29255);
/// - the flags of returned events and of receipts, each flavour's own;
/// - level-triggered filters, re-reported while the condition holds: `EVFILT_READ` when
///   poll(2) reports `POLLIN` (`data` = the bytes readable, from `FIONREAD`), `EVFILT_WRITE`
///   when it reports `POLLOUT` (`data` 1: poll does not say how much room there is), each
///   with `EV_EOF` on hang-up: `POLLRDHUP` (the peer stopped sending) for reading only,
///   `POLLHUP` (the peer is gone) for both, and `POLLERR` for writing (a pipe's reader
///   gone);
/// - regular files as the vnode filters see them, not poll(2): `EVFILT_READ` only while the
///   offset is not at the end ("Vnodes: returns when the file pointer is not at the end of
///   file"), `data` the bytes left; `EVFILT_WRITE` always;
/// - "Calling close() on a file descriptor will remove any kevents that reference the
///   descriptor": a descriptor that poll(2) reports as `POLLNVAL` (closed) loses its events,
///   and so does one a change names while it is closed.
///
/// Where it differs: only `EVFILT_READ` and `EVFILT_WRITE` exist (other filters of the
/// kernels are refused with `EINVAL`); a half-close is told from a hang-up only where poll(2)
/// has `POLLRDHUP` (Linux, FreeBSD): macOS's poll reports a half-close as `POLLHUP`, so there
/// the emulation sets `EV_EOF` on both filters; `EV_CLEAR` (edge-triggered) is refused with
/// `EINVAL`, as poll(2) cannot see edges; `fflags` is always 0 (the real kernel puts the
/// socket error there with `EV_EOF`); a descriptor closed and reused (same number) before the
/// next wait keeps its events, where the kernel drops them at close; a regular file's read
/// event notices a write by its size and modification time, checked every few milliseconds,
/// where the kernel is told by the file system; events are reported grouped by filter and
/// then by descriptor (`EVFILT_WRITE` first), an order the kernel does not promise either,
/// and one that keeps the two events of a descriptor apart (when the buffer was full, the
/// next wait resumes after the last event reported, as the kernel requeues reported events
/// at the tail: none starves); each wait polls every event, O(registered), where the
/// kernel's cost is O(ready). The queue's own descriptor (`fileno`) is an unbound Unix
/// datagram socket, close-on-exec: open, but not a kqueue.
///
/// [`KqueueBackend`]: crate::KqueueBackend
#[derive(Debug)]
pub struct EmulatedKqueue<F: Flavour = FreeBsd> {
    fd: OwnedFd,
    knotes: BTreeMap<(i16, usize), Knote>,
    /// Where the next scan starts: after the last event reported when the buffer was full.
    resume: (i16, usize),
    /// The `EVFILT_USER` event, if one was added.
    user: Option<user::UserEvent>,
    flavour: PhantomData<F>,
}

impl<F: Flavour> EmulatedKqueue<F> {
    const KERNEL: Kernel = <F as Sealed>::KERNEL;

    /// Whether the queue holds an event for (`fd`, `filter`), enabled or not.
    #[must_use]
    pub fn contains(&self, fd: RawFd, filter: i16) -> bool {
        self.knotes.contains_key(&(filter, fd as usize))
    }

    /// How many events the queue holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.knotes.len()
    }

    /// Whether the queue holds no events.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.knotes.is_empty()
    }

    /// Every event the queue holds, as `(descriptor, filter)`, enabled or not. Read-only, so
    /// tests can check the queue against the selector's map.
    pub fn registered(&self) -> impl Iterator<Item = (RawFd, i16)> + '_ {
        self.knotes
            .keys()
            .map(|&(filter, ident)| (ident as RawFd, filter))
    }

    /// The queue's events folded per descriptor, as `(fd, events)` sorted by fd:
    /// `EVFILT_READ` is READ, `EVFILT_WRITE` WRITE.
    pub fn interest_list(&self) -> Vec<(RawFd, Events)> {
        let mut list: BTreeMap<RawFd, Events> = BTreeMap::new();
        for (fd, filter) in self.registered() {
            let events = if filter == EVFILT_READ {
                Events::READ
            } else {
                Events::WRITE
            };
            *list.entry(fd).or_default() |= events;
        }
        list.into_iter().collect()
    }

    /// Drops every event of descriptor `ident`, as `close(2)` does in the kernel.
    fn drop_descriptor(&mut self, ident: usize) {
        self.knotes.remove(&(EVFILT_READ, ident));
        self.knotes.remove(&(EVFILT_WRITE, ident));
    }

    /// Applies one change, prepared by the flavour (FreeBSD's `kqueue_register`, XNU's
    /// `kevent_register`).
    fn change(&mut self, change: &Kevent) -> io::Result<()> {
        match change.filter {
            EVFILT_READ | EVFILT_WRITE => self.change_descriptor(change),
            EVFILT_USER => {
                let stored = flavour::stored_flags(Self::KERNEL, change.flags);
                user::UserEvent::change(&mut self.user, change, stored)
            }
            // Not a descriptor filter: looked up by ident, never found, and refused on add.
            EVFILT_AIO if change.flags & EV_ADD != 0 => {
                Err(flavour::aio_add_error(Self::KERNEL).into())
            }
            EVFILT_AIO => Err(Errno::NOENT.into()),
            // Every other filter: "EINVAL: The specified time limit or filter is invalid."
            // The kernels have more filters than these two; the emulation refuses them too.
            _ => Err(Errno::INVAL.into()),
        }
    }

    /// A change to `EVFILT_READ` or `EVFILT_WRITE` of a descriptor.
    fn change_descriptor(&mut self, change: &Kevent) -> io::Result<()> {
        if change.flags & EV_CLEAR != 0 || change.flags & !KNOWN_FLAGS != 0 {
            return Err(Errno::INVAL.into());
        }
        let fd = RawFd::try_from(change.ident).ok();
        let open = fd.is_some_and(|fd| raw::check_open(fd).is_ok());
        if !open {
            // Closed: whatever was registered for it went with the close.
            self.drop_descriptor(change.ident);
            if flavour::ebadf_before_lookup(Self::KERNEL, change) {
                return Err(Errno::BADF.into());
            }
        }
        let key = (change.filter, change.ident);
        let Some(knote) = self.knotes.get_mut(&key) else {
            if change.flags & EV_ADD == 0 {
                // "ENOENT: The event could not be found to be modified or deleted."
                return Err(Errno::NOENT.into());
            }
            let mut knote = Knote {
                // "Adding an event automatically enables it, unless overridden by EV_DISABLE".
                enabled: true,
                flags: flavour::stored_flags(Self::KERNEL, change.flags),
                udata: change.udata,
                source: fd.map_or(scan::Source::Polled, |fd| {
                    scan::Source::attach(fd, change.filter)
                }),
            };
            set_enabled(&mut knote, change.flags);
            self.knotes.insert(key, knote);
            return Ok(());
        };
        if change.flags & EV_DELETE != 0 {
            self.knotes.remove(&key);
            return Ok(());
        }
        // A change to an existing event sets `udata` ("kn->kn_kevent.udata = kev->udata")
        // and has the filter look again (FreeBSD's `done_ev_add: event =
        // kn->kn_fop->f_event(kn, 0)`, XNU's `f_touch`: for a vnode, `filt_vntouch` calls
        // `filt_vnode_common`); its flags stay those it was added with.
        knote.udata = change.udata;
        if let Some(fd) = fd {
            knote.source.touch(fd);
        }
        set_enabled(knote, change.flags);
        Ok(())
    }
}

/// `EV_DISABLE`, then `EV_ENABLE`, in `kqueue_register`'s order (XNU has already dropped
/// `EV_ENABLE` from a change that also disables).
fn set_enabled(knote: &mut Knote, flags: u16) {
    if flags & EV_DISABLE != 0 {
        knote.enabled = false;
    }
    if flags & EV_ENABLE != 0 {
        knote.enabled = true;
    }
}

impl<F: Flavour> KqueueSys for EmulatedKqueue<F> {
    fn kqueue() -> io::Result<Self> {
        // The standard library creates sockets close-on-exec.
        let socket = UnixDatagram::unbound()?;
        Ok(EmulatedKqueue {
            fd: OwnedFd::from(socket),
            knotes: BTreeMap::new(),
            resume: (i16::MIN, 0),
            user: None,
            flavour: PhantomData,
        })
    }

    fn kevent(
        &mut self,
        changes: &[Kevent],
        events: &mut [Kevent],
        timeout: Option<&Timespec>,
    ) -> io::Result<usize> {
        flavour::check_timeout_first(Self::KERNEL, timeout)?;
        let mut reported = 0;
        for change in changes {
            let Some(change) = flavour::prepare(Self::KERNEL, change) else {
                continue;
            };
            let result = self.change(&change);
            if result.is_ok() && change.flags & EV_RECEIPT == 0 {
                continue;
            }
            if reported == events.len() {
                match flavour::without_room(Self::KERNEL, result) {
                    Some(end) => return end,
                    None => continue,
                }
            }
            let errno = result.err().and_then(|e| e.raw_os_error()).unwrap_or(0);
            events[reported] = Kevent {
                flags: flavour::entry_flags(Self::KERNEL, &change),
                data: i64::from(errno),
                ..change
            };
            reported += 1;
        }
        if reported > 0 {
            return Ok(reported);
        }
        self.scan(events, timeout)
    }

    fn fileno(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    fn user_waker(&mut self) -> Option<io::Result<std::sync::Arc<dyn selectors_core::WakeSource>>> {
        let add = Kevent {
            ident: 0,
            filter: EVFILT_USER,
            flags: EV_ADD | EV_CLEAR,
            ..Kevent::default()
        };
        Some(self.change(&add).map(|()| {
            self.user
                .as_ref()
                .expect("the user event was just added")
                .trigger()
        }))
    }
}
