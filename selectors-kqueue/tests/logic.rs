//! The backend's logic over a scripted kernel: which changes it submits, how it reads receipts,
//! how it merges and maps the events a wait returns, and the timeouts it passes.
#![cfg(unix)]

use std::cell::{Ref, RefCell, RefMut};
use std::collections::{HashMap, VecDeque};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use rustix::event::Timespec;
use rustix::io::Errno;
use selectors_kqueue::{
    Backend, EV_ADD, EV_DELETE, EV_EOF, EV_ERROR, EV_RECEIPT, EVENT_READ, EVENT_WRITE, EVFILT_READ,
    EVFILT_WRITE, Events, Kevent, KqueueBackend, KqueueSys, Token,
};

const BOTH: Events = Events::READ.union(Events::WRITE);

/// One recorded `kevent` call.
#[derive(Debug)]
struct Call {
    changes: Vec<Kevent>,
    room: usize,
    timeout: Option<Timespec>,
}

/// A kernel that answers from a script and records every call. The script sits in a
/// `RefCell`, so a case changes it through the backend's shared `sys()`.
#[derive(Debug, Default)]
struct Scripted(RefCell<Script>);

#[derive(Debug, Default)]
struct Script {
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
        let script = self.0.get_mut();
        script.calls.push(Call {
            changes: changes.to_vec(),
            room: events.len(),
            timeout: timeout.copied(),
        });
        if changes.is_empty() {
            let ready = script.waits.pop_front().unwrap_or_default();
            let n = ready.len().min(events.len());
            events[..n].copy_from_slice(&ready[..n]);
            return Ok(n);
        }
        if let Some(errno) = script.fail_call.take() {
            return Err(errno.into());
        }
        for (slot, change) in events.iter_mut().zip(changes) {
            let errno = script.errors.get(&(change.ident, change.filter));
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

/// The script, to read what the backend did.
fn script(backend: &KqueueBackend<Scripted>) -> Ref<'_, Script> {
    backend.sys().0.borrow()
}

/// The script, to change what the kernel does next.
fn script_mut(backend: &KqueueBackend<Scripted>) -> RefMut<'_, Script> {
    backend.sys().0.borrow_mut()
}

/// The token these cases give an fd: its number.
fn token(fd: RawFd) -> Token {
    Token(fd as u64)
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
    script(backend).calls[index]
        .changes
        .iter()
        .map(|c| (c.fd(), c.filter, c.flags))
        .collect()
}

fn wait_once(backend: &mut KqueueBackend<Scripted>) -> Vec<(RawFd, Events)> {
    let mut ready = Vec::new();
    backend
        .wait(Some(Duration::ZERO), |token, events| {
            ready.push((token.0 as RawFd, events));
        })
        .unwrap();
    ready
}

#[test]
fn register_submits_both_filters_in_one_call_with_receipts() {
    let mut backend = backend();
    backend.add(fd_of(5), token(5), BOTH).unwrap();
    assert_eq!(script(&backend).calls.len(), 1);
    assert_eq!(
        changes(&backend, 0),
        [
            (5, EVFILT_READ, EV_ADD | EV_RECEIPT),
            (5, EVFILT_WRITE, EV_ADD | EV_RECEIPT)
        ]
    );
    let call = &script(&backend).calls[0];
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
    script_mut(&backend)
        .errors
        .insert((5, EVFILT_WRITE), Errno::NOMEM);
    let err = backend.add(fd_of(5), token(5), BOTH).unwrap_err();
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
    script_mut(&backend).fail_call = Some(Errno::INTR);
    let err = backend.add(fd_of(5), token(5), BOTH).unwrap_err();
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
    backend.add(fd_of(5), token(5), EVENT_READ).unwrap();
    backend.modify(5, token(5), EVENT_READ, BOTH).unwrap();
    assert_eq!(
        changes(&backend, 1),
        [(5, EVFILT_WRITE, EV_ADD | EV_RECEIPT)]
    );
    backend.modify(5, token(5), BOTH, EVENT_WRITE).unwrap();
    assert_eq!(
        changes(&backend, 2),
        [(5, EVFILT_READ, EV_DELETE | EV_RECEIPT)]
    );
    backend
        .modify(5, token(5), EVENT_WRITE, EVENT_READ)
        .unwrap();
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
    backend.add(fd_of(5), token(5), BOTH).unwrap();
    backend.add(fd_of(6), token(6), BOTH).unwrap();
    script_mut(&backend)
        .errors
        .insert((5, EVFILT_READ), Errno::BADF);
    script_mut(&backend)
        .errors
        .insert((5, EVFILT_WRITE), Errno::BADF);
    script_mut(&backend)
        .errors
        .insert((6, EVFILT_READ), Errno::NOENT);
    backend.delete(5, token(5), BOTH).unwrap();
    backend.delete(6, token(6), BOTH).unwrap();
    assert_eq!(backend.filters(), 0);
    // Another error is returned (the selector ignores it), and the fd is forgotten still.
    backend.add(fd_of(7), token(7), EVENT_READ).unwrap();
    script_mut(&backend)
        .errors
        .insert((7, EVFILT_READ), Errno::NOMEM);
    assert!(backend.delete(7, token(7), EVENT_READ).is_err());
    assert_eq!(backend.filters(), 0);
    // Nothing registered: nothing submitted, and the backend says it does not watch the fd.
    let calls = script(&backend).calls.len();
    let err = backend.delete(7, token(7), EVENT_READ).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    let err = backend
        .modify(7, token(7), EVENT_READ, EVENT_WRITE)
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    assert_eq!(script(&backend).calls.len(), calls);
}

#[test]
fn events_of_one_fd_are_merged_even_when_apart() {
    let mut backend = backend();
    backend.add(fd_of(5), token(5), BOTH).unwrap();
    backend.add(fd_of(7), token(7), BOTH).unwrap();
    script_mut(&backend).waits.push_back(vec![
        event(5, EVFILT_READ, 0),
        event(7, EVFILT_WRITE, 0),
        event(5, EVFILT_WRITE, 0),
    ]);
    assert_eq!(wait_once(&mut backend), [(5, BOTH), (7, EVENT_WRITE)]);
    // The table is clean for the next wait.
    script_mut(&backend)
        .waits
        .push_back(vec![event(5, EVFILT_WRITE, 0)]);
    assert_eq!(wait_once(&mut backend), [(5, EVENT_WRITE)]);
}

#[test]
fn flags_map_to_events_by_the_documented_rule() {
    let mut backend = backend();
    for fd in 3..=6 {
        backend.add(fd_of(fd), token(fd), BOTH).unwrap();
    }
    script_mut(&backend).waits.push_back(vec![
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

/// Kernels return more flags than `EV_EOF` and `EV_ERROR`: FreeBSD keeps `EV_RECEIPT` (and
/// `EV_ONESHOT`) of the change that added the event, XNU every flag of it, `EV_ADD`
/// included. Only the two bits count.
#[test]
fn flags_other_than_eof_and_error_change_nothing() {
    let mut backend = backend();
    for fd in 3..=6 {
        backend.add(fd_of(fd), token(fd), BOTH).unwrap();
    }
    script_mut(&backend).waits.push_back(vec![
        event(3, EVFILT_READ, EV_ADD | EV_RECEIPT),
        event(4, EVFILT_WRITE, EV_RECEIPT),
        event(5, EVFILT_READ, EV_ADD | EV_RECEIPT | EV_EOF),
        event(6, EVFILT_WRITE, EV_RECEIPT | EV_EOF),
    ]);
    assert_eq!(
        wait_once(&mut backend),
        [
            (3, EVENT_READ),
            (4, EVENT_WRITE),
            (5, EVENT_READ),
            (6, BOTH)
        ]
    );
}

#[test]
fn an_event_for_an_fd_the_backend_does_not_watch_is_dropped() {
    let mut backend = backend();
    backend.add(fd_of(5), token(5), EVENT_READ).unwrap();
    backend.delete(5, token(5), EVENT_READ).unwrap();
    // Neither an fd never added nor one deleted: the kernel drops filters at close, so
    // none should come, and one that does names no registration.
    for stray in [event(42, EVFILT_READ, 0), event(5, EVFILT_READ, 0)] {
        script_mut(&backend).waits.push_back(vec![stray]);
        assert_eq!(wait_once(&mut backend), []);
    }
}

#[test]
fn a_panicking_callback_leaves_no_gathered_events() {
    let mut backend = backend();
    backend.add(fd_of(5), token(5), BOTH).unwrap();
    backend.add(fd_of(6), token(6), BOTH).unwrap();
    script_mut(&backend).waits.push_back(vec![
        event(5, EVFILT_READ, 0),
        event(6, EVFILT_READ, 0),
        event(5, EVFILT_WRITE, 0),
        event(6, EVFILT_WRITE, 0),
    ]);
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        backend.wait(Some(Duration::ZERO), |_, _| panic!("callback"))
    }));
    assert!(unwound.is_err());
    // Only WRITE now: a READ left over from the unwound wait would show up here.
    script_mut(&backend)
        .waits
        .push_back(vec![event(5, EVFILT_WRITE, 0), event(6, EVFILT_WRITE, 0)]);
    assert_eq!(
        wait_once(&mut backend),
        [(5, EVENT_WRITE), (6, EVENT_WRITE)]
    );
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
        assert_eq!(script(&backend).calls[i].timeout, expected, "{timeout:?}");
    }
}

#[test]
fn fileno_is_the_kernel_objects() {
    let (a, _b) = UnixStream::pair().unwrap();
    let mut backend = backend();
    assert_eq!(backend.fileno(), Some(1000));
    assert_eq!(backend.name(), "kqueue");
    backend
        .add(a.as_fd(), token(a.as_raw_fd()), EVENT_WRITE)
        .unwrap();
    assert_eq!(changes(&backend, 0)[0].0, a.as_raw_fd());
}
