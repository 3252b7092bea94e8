//! The emulated kqueue's changelist against what FreeBSD kqueue(2) and macOS kevent(2)
//! document and both kernels do, on real sockets: every case runs in FreeBSD's flavour
//! (`freebsd::*`) and in XNU's (`xnu::*`). Where the kernels differ, the cases assert only
//! what both do (the bits of `flags` that matter); `tests/emulator_flavours.rs` holds the
//! differences, `tests/emulator_waits.rs` the waits.
#![cfg(unix)]

#[path = "support/emulator.rs"]
mod support;
#[macro_use]
#[path = "support/flavour_cases.rs"]
mod flavour_cases;

use std::io::Write;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;

use rustix::io::{Errno, FdFlags};
use selectors_kqueue::{
    EV_ADD, EV_CLEAR, EV_DELETE, EV_DISABLE, EV_ENABLE, EV_EOF, EV_ERROR, EV_ONESHOT, EV_RECEIPT,
    EVFILT_READ, EVFILT_WRITE, Flavour, Kevent, KqueueSys,
};
use support::{call, errno, kq, raw, serial};

/// A number no process has open (far above any descriptor limit in use).
const BAD_FD: RawFd = i32::MAX - 7;

fn add_then_delete_removes_the_event<F: Flavour>() {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut kq = kq::<F>();
    let fd = a.as_raw_fd();
    call(&mut kq, &[Kevent::new(fd, EVFILT_READ, EV_ADD)], 0).unwrap();
    assert!(kq.contains(fd, EVFILT_READ));
    call(&mut kq, &[Kevent::new(fd, EVFILT_READ, EV_DELETE)], 0).unwrap();
    assert!(kq.is_empty());
}

fn delete_of_an_unknown_event_is_enoent<F: Flavour>() {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut kq = kq::<F>();
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

fn receipts_report_every_change_and_drain_no_events<F: Flavour>() {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut kq = kq::<F>();
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
    // The next call drains the pending event: neither an error nor at end of file.
    let events = call(&mut kq, &[], 4).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].fd(), events[0].filter), (fd, EVFILT_WRITE));
    assert_eq!(events[0].flags & (EV_ERROR | EV_EOF), 0, "{events:?}");
}

fn an_error_without_room_stops_the_changelist<F: Flavour>() {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut kq = kq::<F>();
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

fn re_adding_modifies_instead_of_duplicating<F: Flavour>() {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut kq = kq::<F>();
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

fn disable_hides_an_event_and_enable_brings_it_back<F: Flavour>() {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut kq = kq::<F>();
    let fd = a.as_raw_fd();
    let disabled = Kevent::new(fd, EVFILT_WRITE, EV_ADD | EV_DISABLE);
    call(&mut kq, &[disabled], 0).unwrap();
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

fn events_are_level_triggered_and_oneshot_fires_once<F: Flavour>() {
    let _serial = serial();
    let (a, mut b) = UnixStream::pair().unwrap();
    let mut kq = kq::<F>();
    let fd = a.as_raw_fd();
    b.write_all(b"hello").unwrap();
    call(&mut kq, &[Kevent::new(fd, EVFILT_READ, EV_ADD)], 0).unwrap();
    for _ in 0..3 {
        let events = call(&mut kq, &[], 4).unwrap();
        assert_eq!(events.len(), 1, "a readable socket is reported every call");
        assert_eq!((events[0].filter, events[0].data), (EVFILT_READ, 5));
        assert_eq!(events[0].flags & EV_EOF, 0);
    }
    // Re-adding changes `udata` only: both kernels keep the flags of the first EV_ADD
    // (`kqueue_register`, `kevent_register`), so the event stays level-triggered.
    let oneshot = Kevent::new(fd, EVFILT_READ, EV_ADD | EV_ONESHOT);
    call(&mut kq, &[oneshot], 0).unwrap();
    assert_eq!(call(&mut kq, &[], 4).unwrap().len(), 1);
    assert_eq!(call(&mut kq, &[], 4).unwrap().len(), 1);
    // Added afresh with EV_ONESHOT, it fires once and is deleted.
    call(
        &mut kq,
        &[Kevent::new(fd, EVFILT_READ, EV_DELETE), oneshot],
        0,
    )
    .unwrap();
    assert_eq!(call(&mut kq, &[], 4).unwrap().len(), 1);
    assert!(call(&mut kq, &[], 4).unwrap().is_empty());
    assert!(kq.is_empty(), "a oneshot event is deleted once returned");
}

fn bad_descriptors_filters_and_flags_are_refused<F: Flavour>() {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let mut kq = kq::<F>();
    let fd = a.as_raw_fd();
    let cases = [
        (Kevent::new(BAD_FD, EVFILT_READ, EV_ADD), Errno::BADF),
        (Kevent::new(-1, EVFILT_READ, EV_ADD), Errno::BADF),
        // Past the kernels' filter tables, on either side: `kqueue_fo_find` (FreeBSD) and
        // `kevent_register` (XNU) answer EINVAL.
        (Kevent::new(fd, 1, EV_ADD), Errno::INVAL),
        (Kevent::new(fd, i16::MIN, EV_ADD), Errno::INVAL),
        // Edge-triggered events: the emulation cannot see edges and refuses them.
        (
            Kevent::new(fd, EVFILT_READ, EV_ADD | EV_CLEAR),
            Errno::INVAL,
        ),
    ];
    for (mut change, expected) in cases {
        change.flags |= EV_RECEIPT;
        let events = call(&mut kq, &[change], 1).unwrap();
        assert_eq!(errno(&events[0]), raw(expected), "{change:?}");
    }
    assert!(kq.is_empty());
}

fn the_queue_descriptor_is_open_and_close_on_exec<F: Flavour>() {
    let _serial = serial();
    let kq = kq::<F>();
    let fd = kq.fileno();
    assert!(fd >= 0);
    // SAFETY: `kq` owns `fd` and outlives this borrow.
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    let flags = rustix::io::fcntl_getfd(borrowed).unwrap();
    assert!(flags.contains(FdFlags::CLOEXEC));
}

flavour_cases!(
    add_then_delete_removes_the_event,
    delete_of_an_unknown_event_is_enoent,
    receipts_report_every_change_and_drain_no_events,
    an_error_without_room_stops_the_changelist,
    re_adding_modifies_instead_of_duplicating,
    disable_hides_an_event_and_enable_brings_it_back,
    events_are_level_triggered_and_oneshot_fires_once,
    bad_descriptors_filters_and_flags_are_refused,
    the_queue_descriptor_is_open_and_close_on_exec,
);
