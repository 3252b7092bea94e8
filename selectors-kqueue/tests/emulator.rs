//! The emulated kqueue against the semantics documented in FreeBSD kqueue(2) and macOS
//! kevent(2), on real sockets and pipes.
//!
//! The tests take one lock: some close a descriptor and rely on its number staying closed,
//! which another test opening descriptors at the same time could break.
#![cfg(unix)]

use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rustix::event::Timespec;
use rustix::io::{Errno, FdFlags};
use selectors_kqueue::{
    EV_ADD, EV_CLEAR, EV_DELETE, EV_DISABLE, EV_ENABLE, EV_EOF, EV_ERROR, EV_ONESHOT, EV_RECEIPT,
    EVFILT_READ, EVFILT_WRITE, EmulatedKqueue, Kevent, KqueueSys,
};

static LOCK: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A number no process has open (far above any descriptor limit in use).
const BAD_FD: RawFd = i32::MAX - 7;

const ZERO: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 0,
};

fn kq() -> EmulatedKqueue {
    EmulatedKqueue::kqueue().expect("emulated kqueue")
}

/// `kevent` with room for `room` events and a zero timeout; returns the events.
fn call(kq: &mut EmulatedKqueue, changes: &[Kevent], room: usize) -> io::Result<Vec<Kevent>> {
    call_timeout(kq, changes, room, Some(&ZERO))
}

fn call_timeout(
    kq: &mut EmulatedKqueue,
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

fn errno(event: &Kevent) -> i64 {
    assert_ne!(
        event.flags & EV_ERROR,
        0,
        "not an EV_ERROR entry: {event:?}"
    );
    event.data
}

fn raw(errno: Errno) -> i64 {
    i64::from(errno.raw_os_error())
}

#[test]
fn add_then_delete_removes_the_event() {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut kq = kq();
    let fd = a.as_raw_fd();
    call(&mut kq, &[Kevent::new(fd, EVFILT_READ, EV_ADD)], 0).unwrap();
    assert!(kq.contains(fd, EVFILT_READ));
    call(&mut kq, &[Kevent::new(fd, EVFILT_READ, EV_DELETE)], 0).unwrap();
    assert!(kq.is_empty());
}

#[test]
fn delete_of_an_unknown_event_is_enoent() {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut kq = kq();
    let change = Kevent::new(a.as_raw_fd(), EVFILT_WRITE, EV_DELETE);
    // With room, the error comes back as an EV_ERROR entry ...
    let events = call(&mut kq, &[change], 1).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(errno(&events[0]), raw(Errno::NOENT));
    assert_eq!(
        (events[0].ident, events[0].filter),
        (change.ident, change.filter)
    );
    // ... without room, the call fails with it.
    let err = call(&mut kq, &[change], 0).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(Errno::NOENT.raw_os_error()));
}

#[test]
fn receipts_report_every_change_and_drain_no_events() {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut kq = kq();
    let fd = a.as_raw_fd();
    // The socket is writable at once, yet the receipt call returns only the receipts.
    let changes = [
        Kevent::new(fd, EVFILT_WRITE, EV_ADD | EV_RECEIPT),
        Kevent::new(fd, EVFILT_READ, EV_DELETE | EV_RECEIPT),
    ];
    let events = call(&mut kq, &changes, 4).unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!((events[0].filter, errno(&events[0])), (EVFILT_WRITE, 0));
    assert_eq!(
        (events[1].filter, errno(&events[1])),
        (EVFILT_READ, raw(Errno::NOENT))
    );
    // The next call drains the pending event.
    let events = call(&mut kq, &[], 4).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].fd(), events[0].filter, events[0].flags),
        (fd, EVFILT_WRITE, 0)
    );
}

#[test]
fn an_error_without_room_stops_the_changelist() {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut kq = kq();
    let fd = a.as_raw_fd();
    let changes = [
        Kevent::new(BAD_FD, EVFILT_READ, EV_ADD),
        Kevent::new(fd, EVFILT_READ, EV_ADD),
    ];
    let err = call(&mut kq, &changes, 0).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(Errno::BADF.raw_os_error()));
    assert!(
        kq.is_empty(),
        "the change after the failing one was applied"
    );
    // With room the error is reported and processing goes on.
    let events = call(&mut kq, &changes, 1).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].fd(), errno(&events[0])),
        (BAD_FD, raw(Errno::BADF))
    );
    assert!(kq.contains(fd, EVFILT_READ));
}

#[test]
fn re_adding_modifies_instead_of_duplicating() {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut kq = kq();
    let fd = a.as_raw_fd();
    let mut change = Kevent::new(fd, EVFILT_WRITE, EV_ADD);
    change.udata = 1;
    call(&mut kq, &[change], 0).unwrap();
    change.udata = 2;
    call(&mut kq, &[change], 0).unwrap();
    assert_eq!(kq.len(), 1);
    let events = call(&mut kq, &[], 4).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].udata, 2);
}

#[test]
fn disable_hides_an_event_and_enable_brings_it_back() {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut kq = kq();
    let fd = a.as_raw_fd();
    call(
        &mut kq,
        &[Kevent::new(fd, EVFILT_WRITE, EV_ADD | EV_DISABLE)],
        0,
    )
    .unwrap();
    assert!(kq.contains(fd, EVFILT_WRITE));
    assert!(call(&mut kq, &[], 4).unwrap().is_empty());
    call(&mut kq, &[Kevent::new(fd, EVFILT_WRITE, EV_ENABLE)], 0).unwrap();
    assert_eq!(call(&mut kq, &[], 4).unwrap().len(), 1);
    call(&mut kq, &[Kevent::new(fd, EVFILT_WRITE, EV_DISABLE)], 0).unwrap();
    assert!(call(&mut kq, &[], 4).unwrap().is_empty());
    // Enabling or disabling an event that does not exist is ENOENT.
    let err = call(&mut kq, &[Kevent::new(fd, EVFILT_READ, EV_ENABLE)], 0).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(Errno::NOENT.raw_os_error()));
}

#[test]
fn events_are_level_triggered_and_oneshot_fires_once() {
    let _serial = serial();
    let (a, mut b) = UnixStream::pair().unwrap();
    let mut kq = kq();
    let fd = a.as_raw_fd();
    b.write_all(b"hello").unwrap();
    call(&mut kq, &[Kevent::new(fd, EVFILT_READ, EV_ADD)], 0).unwrap();
    for _ in 0..3 {
        let events = call(&mut kq, &[], 4).unwrap();
        assert_eq!(
            events.len(),
            1,
            "a readable socket is reported on every call"
        );
        assert_eq!(
            (events[0].filter, events[0].data, events[0].flags),
            (EVFILT_READ, 5, 0)
        );
    }
    call(
        &mut kq,
        &[Kevent::new(fd, EVFILT_READ, EV_ADD | EV_ONESHOT)],
        0,
    )
    .unwrap();
    assert_eq!(call(&mut kq, &[], 4).unwrap().len(), 1);
    assert!(call(&mut kq, &[], 4).unwrap().is_empty());
    assert!(kq.is_empty(), "a oneshot event is deleted once returned");
}

#[test]
fn bad_descriptors_filters_and_flags_are_refused() {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut kq = kq();
    let fd = a.as_raw_fd();
    let cases = [
        (
            Kevent::new(BAD_FD, EVFILT_READ, EV_ADD | EV_RECEIPT),
            Errno::BADF,
        ),
        (
            Kevent::new(-1, EVFILT_READ, EV_ADD | EV_RECEIPT),
            Errno::BADF,
        ),
        (Kevent::new(fd, -3, EV_ADD | EV_RECEIPT), Errno::INVAL),
        (
            Kevent::new(fd, EVFILT_READ, EV_ADD | EV_CLEAR | EV_RECEIPT),
            Errno::INVAL,
        ),
    ];
    for (change, expected) in cases {
        let events = call(&mut kq, &[change], 1).unwrap();
        assert_eq!(errno(&events[0]), raw(expected), "{change:?}");
    }
    assert!(kq.is_empty());
}

#[test]
fn hang_up_sets_eof_on_both_filters() {
    let _serial = serial();
    let (a, mut b) = UnixStream::pair().unwrap();
    let mut kq = kq();
    let fd = a.as_raw_fd();
    b.write_all(b"last").unwrap();
    drop(b);
    let changes = [
        Kevent::new(fd, EVFILT_READ, EV_ADD),
        Kevent::new(fd, EVFILT_WRITE, EV_ADD),
    ];
    call(&mut kq, &changes, 0).unwrap();
    let mut events = call(&mut kq, &[], 4).unwrap();
    events.sort_by_key(|e| e.filter);
    assert_eq!(events.len(), 2);
    let (write, read) = (events[0], events[1]);
    // EOF with data still buffered: readable, data = the bytes left.
    assert_eq!(
        (read.filter, read.flags & EV_EOF, read.data),
        (EVFILT_READ, EV_EOF, 4)
    );
    assert_eq!((write.filter, write.flags & EV_EOF), (EVFILT_WRITE, EV_EOF));
}

/// Linux's poll(2) reports a half-close as `POLLRDHUP`, apart from `POLLHUP`; macOS's reports
/// it as `POLLHUP`, which the emulation must take for a full hang-up.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn half_close_sets_eof_on_the_read_filter_only() {
    use std::net::Shutdown;
    let _serial = serial();
    let (a, b) = UnixStream::pair().unwrap();
    let mut kq = kq();
    let fd = a.as_raw_fd();
    b.shutdown(Shutdown::Write).unwrap();
    let changes = [
        Kevent::new(fd, EVFILT_READ, EV_ADD),
        Kevent::new(fd, EVFILT_WRITE, EV_ADD),
    ];
    call(&mut kq, &changes, 0).unwrap();
    let mut events = call(&mut kq, &[], 4).unwrap();
    events.sort_by_key(|e| e.filter);
    assert_eq!(events.len(), 2);
    assert_eq!((events[0].filter, events[0].flags), (EVFILT_WRITE, 0));
    assert_eq!(
        (events[1].filter, events[1].flags, events[1].data),
        (EVFILT_READ, EV_EOF, 0)
    );
}

#[test]
fn a_pipe_whose_reader_is_gone_reports_eof_for_writing() {
    let _serial = serial();
    let (reader, writer) = rustix::pipe::pipe().unwrap();
    let mut kq = kq();
    let fd = writer.as_raw_fd();
    call(&mut kq, &[Kevent::new(fd, EVFILT_WRITE, EV_ADD)], 0).unwrap();
    let events = call(&mut kq, &[], 4).unwrap();
    assert_eq!((events.len(), events[0].flags), (1, 0));
    drop(reader);
    let events = call(&mut kq, &[], 4).unwrap();
    assert_eq!((events.len(), events[0].flags), (1, EV_EOF));
}

#[test]
fn closing_a_descriptor_removes_its_events() {
    let _serial = serial();
    let (a, mut b) = UnixStream::pair().unwrap();
    let mut kq = kq();
    let fd = a.as_raw_fd();
    let changes = [
        Kevent::new(fd, EVFILT_READ, EV_ADD),
        Kevent::new(fd, EVFILT_WRITE, EV_ADD),
    ];
    call(&mut kq, &changes, 0).unwrap();
    b.write_all(b"x").unwrap();
    drop(a);
    assert!(call(&mut kq, &[], 4).unwrap().is_empty());
    assert!(kq.is_empty());
    // A change naming the closed descriptor is EBADF, as in the kernel.
    let events = call(&mut kq, &[Kevent::new(fd, EVFILT_READ, EV_DELETE)], 1).unwrap();
    assert_eq!(errno(&events[0]), raw(Errno::BADF));
}

#[test]
fn no_room_for_events_returns_at_once_whatever_the_timeout() {
    let _serial = serial();
    let mut kq = kq();
    let second = Timespec {
        tv_sec: 1,
        tv_nsec: 0,
    };
    let start = Instant::now();
    assert!(
        call_timeout(&mut kq, &[], 0, Some(&second))
            .unwrap()
            .is_empty()
    );
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "nevents 0 waited"
    );
}

#[test]
fn an_empty_queue_waits_for_the_timeout() {
    let _serial = serial();
    let mut kq = kq();
    let timeout = Timespec {
        tv_sec: 0,
        tv_nsec: 150_000_000,
    };
    let start = Instant::now();
    assert!(
        call_timeout(&mut kq, &[], 1, Some(&timeout))
            .unwrap()
            .is_empty()
    );
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(150),
        "returned early: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

#[test]
fn a_wait_ends_when_an_event_arrives() {
    let _serial = serial();
    let (mut a, b) = UnixStream::pair().unwrap();
    let mut kq = kq();
    let fd = b.as_raw_fd();
    call(&mut kq, &[Kevent::new(fd, EVFILT_READ, EV_ADD)], 0).unwrap();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        a.write_all(b"ping").unwrap();
        a
    });
    let events = call_timeout(&mut kq, &[], 1, None).unwrap();
    assert_eq!((events.len(), events[0].fd(), events[0].data), (1, fd, 4));
    let _a = writer.join().unwrap();
    let mut b = b;
    let mut buf = [0; 4];
    b.read_exact(&mut buf).unwrap();
    assert!(
        call(&mut kq, &[], 1).unwrap().is_empty(),
        "still readable after the read"
    );
}

#[test]
fn invalid_timeouts_are_einval() {
    let _serial = serial();
    let mut kq = kq();
    for (tv_sec, tv_nsec) in [(-1, 0), (0, -1), (0, 1_000_000_000)] {
        let timeout = Timespec { tv_sec, tv_nsec };
        let err = call_timeout(&mut kq, &[], 1, Some(&timeout)).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(Errno::INVAL.raw_os_error()));
    }
}

#[test]
fn the_queue_descriptor_is_open_and_close_on_exec() {
    let _serial = serial();
    let kq = kq();
    let fd = kq.fileno();
    assert!(fd >= 0);
    // SAFETY: `kq` owns `fd` and outlives this borrow.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    let flags = rustix::io::fcntl_getfd(borrowed).unwrap();
    assert!(flags.contains(FdFlags::CLOEXEC));
}
