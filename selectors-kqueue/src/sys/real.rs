//! `RealKqueue`: [`KqueueSys`] over the kernel's kqueue, through `rustix::event::kqueue`.

use std::fmt;
use std::io;
use std::ptr;

use rustix::event::Timespec;
use rustix::event::kqueue::{self, Event, EventFilter, EventFlags};
use rustix::fd::{AsRawFd, OwnedFd, RawFd};
use rustix::io::{Errno, FdFlags, fcntl_setfd};

use crate::kevent::{EVFILT_READ, EVFILT_WRITE, Kevent, KqueueSys};

/// The kernel's kqueue: the default kernel interface of
/// [`KqueueBackend`](crate::KqueueBackend) on systems that have kqueue.
///
/// Only the read and write filters pass through it (the backend uses no other): a change with
/// another filter fails with `EINVAL` before reaching the kernel.
pub struct RealKqueue {
    kqueue: OwnedFd,
    /// The changelist in the kernel's layout, reused between calls.
    changes: Vec<Event>,
    /// The eventlist in the kernel's layout, reused between calls.
    events: Vec<Event>,
}

// SAFETY: rustix's `kqueue::Event` keeps `udata` as a pointer, which makes the buffers
// `!Send`/`!Sync`; here `udata` only ever carries the integer of a `Kevent` (made with
// `ptr::without_provenance_mut`), never a pointer to memory, so nothing thread-bound moves.
unsafe impl Send for RealKqueue {}
// SAFETY: as above; a shared reference only allows reading those integers.
unsafe impl Sync for RealKqueue {}

impl fmt::Debug for RealKqueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RealKqueue")
            .field("kqueue", &self.kqueue)
            .finish_non_exhaustive()
    }
}

/// A placeholder for eventlist slots, overwritten by the kernel before it is read.
fn empty_event() -> Event {
    Event::new(EventFilter::Read(0), EventFlags::empty(), ptr::null_mut())
}

fn to_kernel(change: &Kevent) -> io::Result<Event> {
    let fd = RawFd::try_from(change.ident).map_err(|_| Errno::BADF)?;
    let filter = match change.filter {
        EVFILT_READ => EventFilter::Read(fd),
        EVFILT_WRITE => EventFilter::Write(fd),
        _ => return Err(Errno::INVAL.into()),
    };
    let udata = ptr::without_provenance_mut(change.udata);
    Ok(Event::new(
        filter,
        EventFlags::from_bits_retain(change.flags),
        udata,
    ))
}

fn from_kernel(event: &Event) -> Kevent {
    let (ident, filter) = match event.filter() {
        EventFilter::Read(fd) => (fd as usize, EVFILT_READ),
        EventFilter::Write(fd) => (fd as usize, EVFILT_WRITE),
        // Never registered by the backend, which ignores filter 0.
        _ => (usize::MAX, 0),
    };
    Kevent {
        ident,
        filter,
        flags: event.flags().bits(),
        // rustix does not expose `fflags`; the backend does not read it.
        fflags: 0,
        data: event.data(),
        udata: event.udata().addr(),
    }
}

impl KqueueSys for RealKqueue {
    fn kqueue() -> io::Result<Self> {
        // rustix's `kqueue()` is plain kqueue(2), which has no close-on-exec flag on every
        // system (FreeBSD's `kqueuex(KQUEUEX_CLOEXEC)` and NetBSD's `kqueue1(O_CLOEXEC)` are
        // recent or system-specific). A kqueue is never inherited across fork(2) (fork(2):
        // "except for descriptors returned by kqueue(2)"), so the window between the two calls
        // cannot leak it into a forked child; `FD_CLOEXEC` keeps it from a program this
        // process executes itself.
        let kqueue = kqueue::kqueue()?;
        fcntl_setfd(&kqueue, FdFlags::CLOEXEC)?;
        Ok(RealKqueue {
            kqueue,
            changes: Vec::new(),
            events: Vec::new(),
        })
    }

    fn kevent(
        &mut self,
        changes: &[Kevent],
        events: &mut [Kevent],
        timeout: Option<&Timespec>,
    ) -> io::Result<usize> {
        self.changes.clear();
        for change in changes {
            self.changes.push(to_kernel(change)?);
        }
        if self.events.len() < events.len() {
            self.events.resize(events.len(), empty_event());
        }
        let eventlist = &mut self.events[..events.len()];
        // SAFETY: rustix marks `kevent` unsafe because an event names a file descriptor by
        // number, which must stay valid while the kqueue holds it. Only `EVFILT_READ` and
        // `EVFILT_WRITE` events get here (`to_kernel` refuses other filters); the kernel
        // removes those itself when their descriptor is closed (kqueue(2): "Calling close()
        // on a file descriptor will remove any kevents that reference the descriptor"), and
        // it only tests readiness through them, so no event can act on a closed or reused
        // descriptor. The changelist and eventlist are initialised slices the kernel reads
        // and writes within their lengths.
        let received = unsafe {
            kqueue::kevent_timespec(&self.kqueue, &self.changes, &mut *eventlist, timeout)
        }?;
        let received = received.min(events.len());
        for (out, event) in events.iter_mut().zip(&eventlist[..received]) {
            *out = from_kernel(event);
        }
        Ok(received)
    }

    fn fileno(&self) -> RawFd {
        self.kqueue.as_raw_fd()
    }
}
