//! What the tests of the emulated kqueue share (`tests/emulator.rs`,
//! `tests/emulator_flavours.rs`): a lock, and `kevent` calls that return the events as a
//! vector.

use std::io;
use std::sync::{Mutex, MutexGuard};

use rustix::event::Timespec;
use rustix::io::Errno;
use selectors_kqueue::{EV_ERROR, EmulatedKqueue, Flavour, Kevent, KqueueSys};

static LOCK: Mutex<()> = Mutex::new(());

/// One test at a time: some close a descriptor and rely on its number staying closed, which
/// another test opening descriptors at the same time could break.
pub(crate) fn serial() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) const ZERO: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 0,
};

pub(crate) fn kq<F: Flavour>() -> EmulatedKqueue<F> {
    EmulatedKqueue::kqueue().expect("emulated kqueue")
}

/// `kevent` with room for `room` events and a zero timeout; returns the events.
pub(crate) fn call<F: Flavour>(
    kq: &mut EmulatedKqueue<F>,
    changes: &[Kevent],
    room: usize,
) -> io::Result<Vec<Kevent>> {
    call_timeout(kq, changes, room, Some(&ZERO))
}

pub(crate) fn call_timeout<F: Flavour>(
    kq: &mut EmulatedKqueue<F>,
    changes: &[Kevent],
    room: usize,
    timeout: Option<&Timespec>,
) -> io::Result<Vec<Kevent>> {
    let mut events = vec![Kevent::default(); room];
    let n = kq.kevent(changes, &mut events, timeout)?;
    assert!(n <= room);
    events.truncate(n);
    Ok(events)
}

/// The errno of an `EV_ERROR` entry (0 for a receipt of success).
pub(crate) fn errno(event: &Kevent) -> i64 {
    assert_ne!(
        event.flags & EV_ERROR,
        0,
        "not an EV_ERROR entry: {event:?}"
    );
    event.data
}

pub(crate) fn raw(errno: Errno) -> i64 {
    i64::from(errno.raw_os_error())
}
