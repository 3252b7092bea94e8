//! The emulated kqueue's waits against what FreeBSD kqueue(2) and macOS kevent(2) document
//! and both kernels do, on real sockets, pipes and files: readiness, end of file, closes,
//! regular files and timeouts. Every case runs in FreeBSD's flavour (`freebsd::*`) and in
//! XNU's (`xnu::*`), asserting only what both kernels do.
#![cfg(unix)]

#[path = "support/emulator.rs"]
mod support;
#[macro_use]
#[path = "support/flavour_cases.rs"]
mod flavour_cases;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use rustix::event::Timespec;
use rustix::io::Errno;
use selectors_kqueue::{EV_ADD, EV_EOF, EVFILT_READ, EVFILT_WRITE, Flavour, Kevent};
use support::{call, call_timeout, errno, kq, raw, serial};

fn hang_up_sets_eof_on_both_filters<F: Flavour>() {
    let _serial = serial();
    let (a, mut b) = UnixStream::pair().unwrap();
    let mut kq = kq::<F>();
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
#[cfg_attr(
    not(any(target_os = "linux", target_os = "android")),
    allow(
        dead_code,
        reason = "instantiated only where a half-close is observable"
    )
)]
fn half_close_sets_eof_on_the_read_filter_only<F: Flavour>() {
    use std::net::Shutdown;
    let _serial = serial();
    let (a, b) = UnixStream::pair().unwrap();
    let mut kq = kq::<F>();
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
    assert_eq!(
        (events[0].filter, events[0].flags & EV_EOF),
        (EVFILT_WRITE, 0)
    );
    assert_eq!(
        (events[1].filter, events[1].flags & EV_EOF, events[1].data),
        (EVFILT_READ, EV_EOF, 0)
    );
}

fn a_pipe_whose_reader_is_gone_reports_eof_for_writing<F: Flavour>() {
    let _serial = serial();
    let (reader, writer) = rustix::pipe::pipe().unwrap();
    let mut kq = kq::<F>();
    let fd = writer.as_raw_fd();
    call(&mut kq, &[Kevent::new(fd, EVFILT_WRITE, EV_ADD)], 0).unwrap();
    let events = call(&mut kq, &[], 4).unwrap();
    assert_eq!((events.len(), events[0].flags & EV_EOF), (1, 0));
    drop(reader);
    let events = call(&mut kq, &[], 4).unwrap();
    assert_eq!((events.len(), events[0].flags & EV_EOF), (1, EV_EOF));
}

fn closing_a_descriptor_removes_its_events<F: Flavour>() {
    let _serial = serial();
    let (a, mut b) = UnixStream::pair().unwrap();
    let mut kq = kq::<F>();
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
    // Adding an event for the closed descriptor is EBADF, as in both kernels.
    let events = call(&mut kq, &[Kevent::new(fd, EVFILT_READ, EV_ADD)], 1).unwrap();
    assert_eq!(errno(&events[0]), raw(Errno::BADF));
}

/// A regular file as the vnode filters see it (FreeBSD's `filt_vfsread`, XNU's
/// `filt_vnode_common`): `EVFILT_READ` while the offset is not at the end, with `data` the
/// bytes between them, re-examined when the file is written or the event changed, not when
/// the offset moves; `EVFILT_WRITE` always.
fn a_regular_file_is_readable_while_its_offset_is_not_at_the_end<F: Flavour>() {
    let _serial = serial();
    let path = std::env::temp_dir().join(format!("selectors-emulator-{}", std::process::id()));
    let mut file = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    file.write_all(b"0123456789").unwrap();
    file.seek(SeekFrom::Start(4)).unwrap();
    let mut kq = kq::<F>();
    let fd = file.as_raw_fd();
    let read = Kevent::new(fd, EVFILT_READ, EV_ADD);
    call(&mut kq, &[read, Kevent::new(fd, EVFILT_WRITE, EV_ADD)], 0).unwrap();
    let readable = |kq: &mut _| -> Option<i64> {
        let events = call::<F>(kq, &[], 4).unwrap();
        assert!(
            events.iter().any(|e| e.filter == EVFILT_WRITE),
            "{events:?}"
        );
        events
            .iter()
            .find(|e| e.filter == EVFILT_READ)
            .map(|e| e.data)
    };
    assert_eq!(readable(&mut kq), Some(6));
    file.read_to_end(&mut Vec::new()).unwrap();
    assert_eq!(readable(&mut kq), None, "read to the end");
    // Seeking back tells the filter nothing: the event stays unready ...
    file.seek(SeekFrom::Start(0)).unwrap();
    assert_eq!(readable(&mut kq), None, "after a seek alone");
    // ... until the file is written (here past the offset, which stays where it is) ...
    file.write_all_at(b"ab", 10).unwrap();
    assert_eq!(readable(&mut kq), Some(12));
    // ... or the event is changed, which has the filter look again: past the end, the
    // bytes "left" are negative, and not zero.
    file.seek(SeekFrom::End(0)).unwrap();
    assert_eq!(readable(&mut kq), None, "at the end again");
    file.seek(SeekFrom::End(3)).unwrap();
    assert_eq!(readable(&mut kq), None, "past the end, unasked");
    call(&mut kq, &[read], 0).unwrap();
    assert_eq!(readable(&mut kq), Some(-3));
}

fn no_room_for_events_returns_at_once_whatever_the_timeout<F: Flavour>() {
    let _serial = serial();
    let mut kq = kq::<F>();
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

fn an_empty_queue_waits_for_the_timeout<F: Flavour>() {
    let _serial = serial();
    let mut kq = kq::<F>();
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

fn a_wait_ends_when_an_event_arrives<F: Flavour>() {
    let _serial = serial();
    let (mut a, b) = UnixStream::pair().unwrap();
    let mut kq = kq::<F>();
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

/// Negative fields are refused by both kernels (`kqueue_scan`, `timespec_is_valid`); the
/// flavours differ on the rest (`tests/emulator_flavours.rs`).
fn negative_timeouts_are_einval<F: Flavour>() {
    let _serial = serial();
    let mut kq = kq::<F>();
    for (tv_sec, tv_nsec) in [(-1, 0), (0, -1)] {
        let timeout = Timespec { tv_sec, tv_nsec };
        let err = call_timeout(&mut kq, &[], 1, Some(&timeout)).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(Errno::INVAL.raw_os_error()));
    }
}

flavour_cases!(
    hang_up_sets_eof_on_both_filters,
    #[cfg(any(target_os = "linux", target_os = "android"))]
    half_close_sets_eof_on_the_read_filter_only,
    a_pipe_whose_reader_is_gone_reports_eof_for_writing,
    closing_a_descriptor_removes_its_events,
    a_regular_file_is_readable_while_its_offset_is_not_at_the_end,
    no_room_for_events_returns_at_once_whatever_the_timeout,
    an_empty_queue_waits_for_the_timeout,
    a_wait_ends_when_an_event_arrives,
    negative_timeouts_are_einval,
);
