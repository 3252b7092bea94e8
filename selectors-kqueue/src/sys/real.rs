//! `RealKqueue`: [`KqueueSys`] over the kernel's kqueue, through `rustix::event::kqueue`.

use std::fmt;
use std::io;
use std::ptr;
use std::sync::Arc;

use rustix::event::Timespec;
use rustix::event::kqueue::{self, Event, EventFilter, EventFlags};
use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use rustix::io::{Errno, FdFlags, fcntl_setfd};

#[cfg(have_evfilt_user)]
use crate::kevent::EVFILT_USER;
use crate::kevent::{EVFILT_READ, EVFILT_WRITE, Kevent, KqueueSys};
#[cfg(have_evfilt_user)]
use selectors_core::WakeSource;

/// The kernel's kqueue: the default kernel interface of
/// [`KqueueBackend`](crate::KqueueBackend) on systems that have kqueue.
///
/// Only the read and write filters pass through it, and `EVFILT_USER` where the system has
/// it (the backend uses no other): a change with another filter fails with `EINVAL` before
/// reaching the kernel.
pub struct RealKqueue {
    /// Shared with the waker's trigger, if one was made, so the number is never reused
    /// while a trigger may still name it.
    kqueue: Arc<OwnedFd>,
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
    let fd = || RawFd::try_from(change.ident).map_err(|_| Errno::BADF);
    let filter = match change.filter {
        EVFILT_READ => EventFilter::Read(fd()?),
        EVFILT_WRITE => EventFilter::Write(fd()?),
        #[cfg(have_evfilt_user)]
        EVFILT_USER => EventFilter::User {
            ident: change.ident as _,
            flags: kqueue::UserFlags::from_bits_retain(change.fflags),
            user_flags: kqueue::UserDefinedFlags::new(0),
        },
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
        #[cfg(have_evfilt_user)]
        EventFilter::User { ident, .. } => (ident as usize, EVFILT_USER),
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

impl AsFd for RealKqueue {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.kqueue.as_fd()
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
            kqueue: Arc::new(kqueue),
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
        // `EVFILT_WRITE` events, and `EVFILT_USER` ones, which name no descriptor, get here
        // (`to_kernel` refuses other filters); the kernel
        // removes those itself when their descriptor is closed (kqueue(2): "Calling close()
        // on a file descriptor will remove any kevents that reference the descriptor"), and
        // it only tests readiness through them, so no event can act on a closed or reused
        // descriptor. The changelist and eventlist are initialised slices the kernel reads
        // and writes within their lengths.
        let received = unsafe {
            kqueue::kevent_timespec(&*self.kqueue, &self.changes, &mut *eventlist, timeout)
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

    #[cfg(have_evfilt_user)]
    fn user_waker(&mut self) -> Option<io::Result<Arc<dyn WakeSource>>> {
        Some(user::arm(self).map(|trigger| Arc::new(trigger) as Arc<dyn WakeSource>))
    }
}

/// The waker's `EVFILT_USER` event, where the system has it (macOS since 10.6, FreeBSD
/// since 8.1, DragonFly; NetBSD and OpenBSD use the selector's pipe, rustix exposing no
/// `EVFILT_USER` there).
#[cfg(have_evfilt_user)]
mod user {
    use std::io;
    use std::sync::Arc;

    use rustix::event::Timespec;
    use rustix::event::kqueue::{
        self, Event, EventFilter, EventFlags, UserDefinedFlags, UserFlags,
    };
    use rustix::fd::OwnedFd;
    use selectors_core::WakeSource;

    use super::RealKqueue;
    use crate::kevent::{EV_ADD, EV_CLEAR, EV_RECEIPT, EVFILT_USER, Kevent, KqueueSys};

    /// The user event's ident: the queue holds no other user event.
    const IDENT: usize = 0;

    /// Fires the user event from any thread.
    #[derive(Debug)]
    pub(super) struct Trigger {
        kqueue: Arc<OwnedFd>,
    }

    /// Adds the user event, `EV_CLEAR` so that it resets once it is returned.
    pub(super) fn arm(queue: &mut RealKqueue) -> io::Result<Trigger> {
        let add = Kevent {
            ident: IDENT,
            filter: EVFILT_USER,
            flags: EV_ADD | EV_CLEAR | EV_RECEIPT,
            ..Kevent::default()
        };
        let mut receipt = [Kevent::default()];
        let zero = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let received = queue.kevent(&[add], &mut receipt, Some(&zero))?;
        if let Some(err) = receipt[..received.min(1)].iter().find_map(Kevent::error) {
            return Err(err);
        }
        Ok(Trigger {
            kqueue: Arc::clone(&queue.kqueue),
        })
    }

    impl WakeSource for Trigger {
        fn wake(&self) -> io::Result<()> {
            let trigger = Event::new(
                EventFilter::User {
                    ident: IDENT as _,
                    flags: UserFlags::TRIGGER,
                    user_flags: UserDefinedFlags::new(0),
                },
                EventFlags::empty(),
                std::ptr::null_mut(),
            );
            let zero = Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            let none: &mut [Event] = &mut [];
            // SAFETY: the change names no file descriptor (an `EVFILT_USER` event has an
            // ident of its own), and there is no eventlist to fill; the queue's fd is kept
            // open by the `Arc`, so the number names this queue.
            unsafe { kqueue::kevent_timespec(&*self.kqueue, &[trigger], none, Some(&zero)) }?;
            Ok(())
        }

        fn reset(&self) -> io::Result<selectors_core::Reset> {
            // `EV_CLEAR`: the kernel reset the event when it returned it.
            Ok(selectors_core::Reset::Rearmed)
        }

        fn fd(&self) -> Option<rustix::fd::RawFd> {
            None
        }

        fn signal_safe(&self) -> bool {
            false
        }
    }
}
