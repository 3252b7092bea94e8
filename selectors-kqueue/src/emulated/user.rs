//! `EVFILT_USER` in the emulation: an event with no descriptor, fired by a change with
//! `NOTE_TRIGGER` or, from any thread, by the selector's waker.
//!
//! kqueue(2), `EVFILT_USER`: "Establishes a user event identified by ident which is not
//! associated with any kernel mechanism but is triggered by user level code"; `NOTE_TRIGGER`
//! "Cause the event to be triggered"; with `EV_CLEAR` the state is reset once the event is
//! returned. The emulation keeps one user event per queue (the backend uses one). To wake a
//! poll(2) blocked in another thread, a trigger also writes a byte to a datagram socket pair
//! whose read end every wait polls.

use std::io;
use std::os::unix::net::UnixDatagram;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::event::PollFlags;
use rustix::fd::AsRawFd;
use rustix::io::Errno;
use selectors_core::WakeSource;

use crate::kevent::{
    EV_ADD, EV_CLEAR, EV_DELETE, EV_DISABLE, EV_ENABLE, EV_RECEIPT, EVFILT_USER, Kevent,
    NOTE_TRIGGER,
};
use crate::sys::raw::RawPollFd;

/// The flags a change to the user event may carry.
const USER_FLAGS: u16 = EV_ADD | EV_DELETE | EV_ENABLE | EV_DISABLE | EV_CLEAR | EV_RECEIPT;

/// The user event of a queue.
#[derive(Debug)]
pub(super) struct UserEvent {
    ident: usize,
    /// The flags it was added with, returned with it (as the flavours keep them).
    flags: u16,
    enabled: bool,
    shared: Arc<Shared>,
}

/// What a trigger in another thread reaches.
#[derive(Debug)]
struct Shared {
    triggered: AtomicBool,
    /// Written on each trigger; its peer is polled.
    signal: UnixDatagram,
    wait: UnixDatagram,
}

impl Shared {
    fn fire(&self) {
        self.triggered.store(true, Ordering::Release);
        // A full socket already wakes the wait: nothing to add.
        let _ = self.signal.send(&[1]);
    }
}

impl UserEvent {
    /// Applies a change naming `EVFILT_USER` to `user` (the queue's user event, if any).
    pub(super) fn change(
        user: &mut Option<UserEvent>,
        change: &Kevent,
        stored: u16,
    ) -> io::Result<()> {
        if change.flags & !USER_FLAGS != 0 {
            return Err(Errno::INVAL.into());
        }
        let exists = user
            .as_ref()
            .is_some_and(|event| event.ident == change.ident);
        if !exists {
            if change.flags & EV_ADD == 0 {
                // "ENOENT: The event could not be found to be modified or deleted."
                return Err(Errno::NOENT.into());
            }
            if user.is_some() {
                // A second user event: the real kernels allow it; this emulation does not.
                return Err(Errno::INVAL.into());
            }
            let (signal, wait) = UnixDatagram::pair()?;
            signal.set_nonblocking(true)?;
            wait.set_nonblocking(true)?;
            *user = Some(UserEvent {
                ident: change.ident,
                flags: stored,
                enabled: true,
                shared: Arc::new(Shared {
                    triggered: AtomicBool::new(false),
                    signal,
                    wait,
                }),
            });
        }
        if change.flags & EV_DELETE != 0 {
            *user = None;
            return Ok(());
        }
        let event = user.as_mut().expect("added above");
        if change.flags & EV_DISABLE != 0 {
            event.enabled = false;
        }
        if change.flags & EV_ENABLE != 0 {
            event.enabled = true;
        }
        if change.fflags & NOTE_TRIGGER != 0 {
            event.shared.fire();
        }
        Ok(())
    }

    /// The entry a wait polls for it, while it is enabled.
    pub(super) fn pollfd(&self) -> Option<RawPollFd> {
        self.enabled.then(|| RawPollFd {
            fd: self.shared.wait.as_raw_fd(),
            events: PollFlags::IN,
            revents: PollFlags::empty(),
        })
    }

    /// The event to return if it was triggered; with `EV_CLEAR` its state resets.
    pub(super) fn take(&self) -> Option<Kevent> {
        if !self.enabled || !self.shared.triggered.load(Ordering::Acquire) {
            return None;
        }
        if self.flags & EV_CLEAR != 0 {
            self.shared.triggered.store(false, Ordering::Release);
            let mut byte = [0];
            while self.shared.wait.recv(&mut byte).is_ok() {}
        }
        Some(Kevent {
            ident: self.ident,
            filter: EVFILT_USER,
            flags: self.flags,
            fflags: NOTE_TRIGGER,
            data: 0,
            udata: 0,
        })
    }

    /// What fires the event from another thread.
    pub(super) fn trigger(&self) -> Arc<dyn WakeSource> {
        Arc::new(Trigger(Arc::clone(&self.shared)))
    }
}

/// The waker's side: `kevent` with `NOTE_TRIGGER`, from any thread.
#[derive(Debug)]
struct Trigger(Arc<Shared>);

impl WakeSource for Trigger {
    fn wake(&self) -> io::Result<()> {
        self.0.fire();
        Ok(())
    }

    fn reset(&self) -> io::Result<selectors_core::Reset> {
        Ok(selectors_core::Reset::Rearmed)
    }

    fn fd(&self) -> Option<rustix::fd::RawFd> {
        None
    }

    fn signal_safe(&self) -> bool {
        // As the real `kevent(2)` it stands for.
        false
    }
}
