//! The backend's logic over a scripted kernel: which changes it submits, how it reads receipts,
//! how it merges and maps the events a wait returns, and the timeouts it passes.
#![cfg(unix)]

use std::collections::{HashMap, VecDeque};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use rustix::event::Timespec;
use rustix::io::Errno;
use selectors_kqueue::{
    Backend, EV_ADD, EV_DELETE, EV_EOF, EV_ERROR, EV_RECEIPT, EVENT_READ, EVENT_WRITE, EVFILT_READ,
    EVFILT_WRITE, Events, Kevent, KqueueBackend, KqueueSys,
};

const BOTH: Events = Events::READ.union(Events::WRITE);

/// One recorded `kevent` call.
#[derive(Debug)]
struct Call {
    changes: Vec<Kevent>,
    room: usize,
    timeout: Option<Timespec>,
}

/// A kernel that answers from a script and records every call.
#[derive(Debug, Default)]
struct Scripted {
    calls: Vec<Call>,
    /// The errno of a change to (fd, filter); changes not listed succeed.
    errors: HashMap<(usize, i16), Errno>,
    /// Fail the next change call as a whole with this errno.
    fail_call: Option<Errno>,
    /// What each wait (a call without changes) returns, in turn; then nothing.
    waits: VecDeque<Vec<Kevent>>,
}

impl KqueueSys for Scripted {
    fn kqueue() -> io::Result<Self> {
        Ok(Scripted::default())
    }

    fn kevent(
        &mut self,
        changes: &[Kevent],
        events: &mut [Kevent],
        timeout: Option<&Timespec>,
    ) -> io::Result<usize> {
        self.calls.push(Call {
            changes: changes.to_vec(),
            room: events.len(),
            timeout: timeout.copied(),
        });
        if changes.is_empty() {
            let ready = self.waits.pop_front().unwrap_or_default();
            events[..ready.len()].copy_from_slice(&ready);
            return Ok(ready.len());
        }
        if let Some(errno) = self.fail_call.take() {
            return Err(errno.into());
        }
        for (slot, change) in events.iter_mut().zip(changes) {
            let errno = self.errors.get(&(change.ident, change.filter));
            *slot = Kevent {
                flags: EV_ERROR,
                data: errno.map_or(0, |e| i64::from(e.raw_os_error())),
                ..*change
            };
        }
        Ok(changes.len())
    }

    fn fileno(&self) -> RawFd {
        1000
    }
}

fn backend() -> KqueueBackend<Scripted> {
    KqueueBackend::new().unwrap()
}

fn fd_of(number: RawFd) -> BorrowedFd<'static> {
    // SAFETY: the scripted kernel never touches descriptors; the number is only an identifier.
    unsafe { BorrowedFd::borrow_raw(number) }
}

fn ts(tv_sec: i64, tv_nsec: u32) -> Timespec {
    Timespec {
        tv_sec,
        tv_nsec: tv_nsec.into(),
    }
}

fn event(fd: RawFd, filter: i16, flags: u16) -> Kevent {
    Kevent::new(fd, filter, flags)
}

/// The (fd, filter, flags) of each change of call `index`.
fn changes(backend: &KqueueBackend<Scripted>, index: usize) -> Vec<(RawFd, i16, u16)> {
    backend.sys().calls[index]
        .changes
        .iter()
        .map(|c| (c.fd(), c.filter, c.flags))
        .collect()
}

fn wait_once(backend: &mut KqueueBackend<Scripted>) -> Vec<(RawFd, Events)> {
    let mut ready = Vec::new();
    backend
        .wait(Some(Duration::ZERO), |fd, events| ready.push((fd, events)))
        .unwrap();
    ready
}

#[test]
fn register_submits_both_filters_in_one_call_with_receipts() {
    let mut backend = backend();
    backend.add(fd_of(5), BOTH).unwrap();
    assert_eq!(backend.sys().calls.len(), 1);
    assert_eq!(
        changes(&backend, 0),
        [
            (5, EVFILT_READ, EV_ADD | EV_RECEIPT),
            (5, EVFILT_WRITE, EV_ADD | EV_RECEIPT)
        ]
    );
    let call = &backend.sys().calls[0];
    assert_eq!(
        (call.room, call.timeout),
        (2, Some(ts(0, 0))),
        "room for each receipt, no wait"
    );
    assert_eq!(backend.filters(), 2);
}

#[test]
fn a_failed_write_filter_deletes_the_read_filter() {
    let mut backend = backend();
    backend
        .sys_mut()
        .errors
        .insert((5, EVFILT_WRITE), Errno::NOMEM);
    let err = backend.add(fd_of(5), BOTH).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(Errno::NOMEM.raw_os_error()));
    assert_eq!(backend.filters(), 0);
    let purge = changes(&backend, 1);
    assert!(
        purge.contains(&(5, EVFILT_READ, EV_DELETE | EV_RECEIPT)),
        "{purge:?}"
    );
}

#[test]
fn a_failed_call_deletes_whatever_it_may_have_added() {
    let mut backend = backend();
    backend.sys_mut().fail_call = Some(Errno::INTR);
    let err = backend.add(fd_of(5), BOTH).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::Interrupted);
    assert_eq!(backend.filters(), 0);
    assert_eq!(
        changes(&backend, 1),
        [
            (5, EVFILT_READ, EV_DELETE | EV_RECEIPT),
            (5, EVFILT_WRITE, EV_DELETE | EV_RECEIPT)
        ]
    );
}

#[test]
fn modify_submits_only_the_filters_that_change() {
    let mut backend = backend();
    backend.add(fd_of(5), EVENT_READ).unwrap();
    backend.modify(fd_of(5), EVENT_READ, BOTH).unwrap();
    assert_eq!(
        changes(&backend, 1),
        [(5, EVFILT_WRITE, EV_ADD | EV_RECEIPT)]
    );
    backend.modify(fd_of(5), BOTH, EVENT_WRITE).unwrap();
    assert_eq!(
        changes(&backend, 2),
        [(5, EVFILT_READ, EV_DELETE | EV_RECEIPT)]
    );
    backend.modify(fd_of(5), EVENT_WRITE, EVENT_READ).unwrap();
    assert_eq!(
        changes(&backend, 3),
        [
            (5, EVFILT_READ, EV_ADD | EV_RECEIPT),
            (5, EVFILT_WRITE, EV_DELETE | EV_RECEIPT)
        ]
    );
    assert_eq!(backend.filters(), 1);
}

#[test]
fn unregister_ignores_closed_fds_and_forgets_the_filters() {
    let mut backend = backend();
    backend.add(fd_of(5), BOTH).unwrap();
    backend.add(fd_of(6), BOTH).unwrap();
    backend
        .sys_mut()
        .errors
        .insert((5, EVFILT_READ), Errno::BADF);
    backend
        .sys_mut()
        .errors
        .insert((5, EVFILT_WRITE), Errno::BADF);
    backend
        .sys_mut()
        .errors
        .insert((6, EVFILT_READ), Errno::NOENT);
    backend.delete(fd_of(5), BOTH).unwrap();
    backend.delete(fd_of(6), BOTH).unwrap();
    assert_eq!(backend.filters(), 0);
    // Another error is returned (the selector ignores it), and the fd is forgotten still.
    backend.add(fd_of(7), EVENT_READ).unwrap();
    backend
        .sys_mut()
        .errors
        .insert((7, EVFILT_READ), Errno::NOMEM);
    assert!(backend.delete(fd_of(7), EVENT_READ).is_err());
    assert_eq!(backend.filters(), 0);
    // Nothing registered, nothing submitted.
    let calls = backend.sys().calls.len();
    backend.delete(fd_of(7), EVENT_READ).unwrap();
    assert_eq!(backend.sys().calls.len(), calls);
}

#[test]
fn events_of_one_fd_are_merged_even_when_apart() {
    let mut backend = backend();
    backend.add(fd_of(5), BOTH).unwrap();
    backend.add(fd_of(7), BOTH).unwrap();
    backend.sys_mut().waits.push_back(vec![
        event(5, EVFILT_READ, 0),
        event(7, EVFILT_WRITE, 0),
        event(5, EVFILT_WRITE, 0),
    ]);
    assert_eq!(wait_once(&mut backend), [(5, BOTH), (7, EVENT_WRITE)]);
    // The table is clean for the next wait.
    backend
        .sys_mut()
        .waits
        .push_back(vec![event(5, EVFILT_WRITE, 0)]);
    assert_eq!(wait_once(&mut backend), [(5, EVENT_WRITE)]);
}

#[test]
fn flags_map_to_events_by_the_documented_rule() {
    let mut backend = backend();
    for fd in 3..=6 {
        backend.add(fd_of(fd), BOTH).unwrap();
    }
    backend.sys_mut().waits.push_back(vec![
        // EOF while reading: the peer stopped sending; writing may still be possible.
        event(3, EVFILT_READ, EV_EOF),
        // EOF while writing: the peer is gone, like POLLHUP.
        event(4, EVFILT_WRITE, EV_EOF),
        // An error on the event, like POLLERR.
        event(5, EVFILT_READ, EV_ERROR),
        event(6, EVFILT_WRITE, 0),
    ]);
    assert_eq!(
        wait_once(&mut backend),
        [(3, EVENT_READ), (4, BOTH), (5, BOTH), (6, EVENT_WRITE)]
    );
}

#[test]
fn an_event_for_an_unknown_fd_is_passed_on() {
    let mut backend = backend();
    backend
        .sys_mut()
        .waits
        .push_back(vec![event(42, EVFILT_READ, 0)]);
    assert_eq!(wait_once(&mut backend), [(42, EVENT_READ)]);
}

#[test]
fn timeouts_are_nanosecond_timespecs_clamped() {
    let mut backend = backend();
    let cases = [
        (None, None),
        (Some(Duration::ZERO), Some(ts(0, 0))),
        (Some(Duration::new(1, 1)), Some(ts(1, 1))),
        (Some(Duration::from_nanos(1)), Some(ts(0, 1))),
        (Some(Duration::MAX), Some(ts(99_999_999, 0))),
    ];
    for (i, (timeout, expected)) in cases.into_iter().enumerate() {
        backend.wait(timeout, |_, _| {}).unwrap();
        assert_eq!(backend.sys().calls[i].timeout, expected, "{timeout:?}");
    }
}

#[test]
fn fileno_is_the_kernel_objects() {
    let (a, _b) = UnixStream::pair().unwrap();
    let mut backend = backend();
    assert_eq!(backend.fileno(), Some(1000));
    assert_eq!(backend.name(), "kqueue");
    backend.add(a.as_fd(), EVENT_WRITE).unwrap();
    assert_eq!(changes(&backend, 0)[0].0, a.as_raw_fd());
}
