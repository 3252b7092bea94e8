//! Where FreeBSD's kqueue and XNU's differ, each flavour of the emulated kqueue against its
//! kernel's source: FreeBSD `sys/kern/kern_event.c` (`kqueue_register`, `kqueue_kevent`,
//! `kqueue_scan`), `sys/kern/vfs_subr.c` (`filt_vfswrite`) and `sys/kern/vfs_aio.c`
//! (`filt_aioattach`); XNU `bsd/kern/kern_event.c` (`kevent_register`, `kevent_internal`,
//! `knote_fill_kevent`, `filt_no_attach`), `bsd/kern/kern_time.c` (`timespec_is_valid`) and
//! `bsd/vfs/vfs_vnops.c` (`vnode_writable_space_count`). Each probe runs in both flavours;
//! each test says what its kernel answers.
#![cfg(unix)]

#[path = "support/emulator.rs"]
mod support;

use std::fs::File;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use rustix::event::Timespec;
use rustix::io::Errno;
use selectors_kqueue::{
    Backend, EV_ADD, EV_DELETE, EV_DISABLE, EV_ENABLE, EV_EOF, EV_ERROR, EV_ONESHOT, EV_RECEIPT,
    EVENT_READ, EVENT_WRITE, EVFILT_READ, EVFILT_WRITE, EmulatedKqueue, Flavour, FreeBsd, Kevent,
    KqueueBackend, Token, Xnu,
};
use support::{call, call_timeout, errno, kq, raw, serial};

/// `EVFILT_AIO`, which neither kernel lets a program add.
const EVFILT_AIO: i16 = -3;

/// The flags of returned events: of a write event added with `EV_ADD | EV_RECEIPT`, of a
/// read event added with `EV_ADD | EV_ONESHOT`, and of the write event once the peer is gone.
fn returned_flags<F: Flavour>() -> (u16, u16, u16) {
    let _serial = serial();
    let (a, mut b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut kq = kq::<F>();
    std::io::Write::write_all(&mut b, b"x").unwrap();
    let changes = [
        Kevent::new(fd, EVFILT_WRITE, EV_ADD | EV_RECEIPT),
        Kevent::new(fd, EVFILT_READ, EV_ADD | EV_ONESHOT),
    ];
    call(&mut kq, &changes, 2).unwrap();
    let events = call(&mut kq, &[], 4).unwrap();
    let flags =
        |events: &[Kevent], filter| events.iter().find(|e| e.filter == filter).map(|e| e.flags);
    let (write, read) = (flags(&events, EVFILT_WRITE), flags(&events, EVFILT_READ));
    drop(b);
    let events = call(&mut kq, &[], 4).unwrap();
    (
        write.unwrap(),
        read.unwrap(),
        flags(&events, EVFILT_WRITE).unwrap(),
    )
}

/// FreeBSD stores the change "then clears `EV_ADD | EV_DELETE | EV_ENABLE | EV_DISABLE`".
#[test]
fn freebsd_returned_events_keep_the_added_flags_but_the_actions() {
    let expected = (EV_RECEIPT, EV_ONESHOT, EV_RECEIPT | EV_EOF);
    assert_eq!(returned_flags::<FreeBsd>(), expected);
}

/// XNU returns the stored change whole (`knote_fill_kevent`), `EV_ADD` included.
#[test]
fn xnu_returned_events_keep_every_added_flag() {
    let expected = (
        EV_ADD | EV_RECEIPT,
        EV_ADD | EV_ONESHOT,
        EV_ADD | EV_RECEIPT | EV_EOF,
    );
    assert_eq!(returned_flags::<Xnu>(), expected);
}

/// The flags of `EV_ERROR` entries: the receipt of an `EV_ADD | EV_RECEIPT`, and the errors
/// of an `EV_DELETE | EV_RECEIPT` and an `EV_DELETE` of events that do not exist.
fn entry_flags<F: Flavour>() -> [u16; 3] {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut kq = kq::<F>();
    let changes = [
        Kevent::new(fd, EVFILT_WRITE, EV_ADD | EV_RECEIPT),
        Kevent::new(fd, EVFILT_READ, EV_DELETE | EV_RECEIPT),
        Kevent::new(fd + 1, EVFILT_READ, EV_DELETE),
    ];
    let events = call(&mut kq, &changes, 3).unwrap();
    assert_eq!(
        events.iter().map(errno).collect::<Vec<_>>()[..2],
        [0, raw(Errno::NOENT)]
    );
    [events[0].flags, events[1].flags, events[2].flags]
}

#[test]
fn freebsd_entries_have_only_ev_error() {
    // "kevp->flags = EV_ERROR"
    assert_eq!(entry_flags::<FreeBsd>(), [EV_ERROR; 3]);
}

#[test]
fn xnu_entries_keep_the_change_flags() {
    // "kev->flags |= EV_ERROR"
    let expected = [
        EV_ADD | EV_RECEIPT | EV_ERROR,
        EV_DELETE | EV_RECEIPT | EV_ERROR,
        EV_DELETE | EV_ERROR,
    ];
    assert_eq!(entry_flags::<Xnu>(), expected);
}

/// The errnos of `EV_DELETE`, `EV_ENABLE` and `EV_ADD` naming a registered descriptor once
/// it is closed; then the backend, which must forget such a descriptor quietly whatever the
/// kernel said (it maps `ENOENT` for a closed fd to `EBADF`).
fn changes_naming_a_closed_descriptor<F: Flavour>() -> [i64; 3] {
    let _serial = serial();
    let mut answers = [0; 3];
    for (answer, action) in answers.iter_mut().zip([EV_DELETE, EV_ENABLE, EV_ADD]) {
        let (a, _b) = UnixStream::pair().unwrap();
        let fd = a.as_raw_fd();
        let mut kq = kq::<F>();
        call(&mut kq, &[Kevent::new(fd, EVFILT_READ, EV_ADD)], 0).unwrap();
        drop(a);
        let events = call(&mut kq, &[Kevent::new(fd, EVFILT_READ, action)], 1).unwrap();
        *answer = errno(&events[0]);
        assert!(kq.is_empty(), "the close removed the event");
    }
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut backend = KqueueBackend::<EmulatedKqueue<F>>::new().unwrap();
    let both = EVENT_READ | EVENT_WRITE;
    backend.add(a.as_fd(), Token(1), both).unwrap();
    drop(a);
    backend
        .delete(fd, Token(1), both)
        .expect("delete of a closed fd");
    assert_eq!(backend.filters(), 0);
    answers
}

#[test]
fn freebsd_gets_the_file_first_so_any_change_is_ebadf() {
    let ebadf = raw(Errno::BADF);
    assert_eq!(changes_naming_a_closed_descriptor::<FreeBsd>(), [ebadf; 3]);
}

#[test]
fn xnu_looks_the_event_up_first_so_only_ev_add_is_ebadf() {
    let (enoent, ebadf) = (raw(Errno::NOENT), raw(Errno::BADF));
    assert_eq!(
        changes_naming_a_closed_descriptor::<Xnu>(),
        [enoent, enoent, ebadf]
    );
}

/// The errnos of `EV_ADD` and `EV_DELETE` of an `EVFILT_AIO` event.
fn aio<F: Flavour>() -> [i64; 2] {
    let _serial = serial();
    let mut kq = kq::<F>();
    let add = Kevent::new(0, EVFILT_AIO, EV_ADD);
    let delete = Kevent::new(0, EVFILT_AIO, EV_DELETE);
    let events = call(&mut kq, &[add, delete], 2).unwrap();
    [errno(&events[0]), errno(&events[1])]
}

#[test]
fn freebsd_refuses_aio_with_eperm() {
    // `filt_aioattach`: "registration is restricted to the kernel".
    assert_eq!(aio::<FreeBsd>(), [raw(Errno::PERM), raw(Errno::NOENT)]);
}

#[test]
fn xnu_refuses_aio_with_enotsup() {
    // `bad_filtops`: `filt_no_attach` sets ENOTSUP.
    assert_eq!(aio::<Xnu>(), [raw(Errno::NOTSUP), raw(Errno::NOENT)]);
}

/// A change with filter 0 and `EV_RECEIPT`: what comes back.
fn filter_zero<F: Flavour>() -> Vec<Kevent> {
    let _serial = serial();
    let mut kq = kq::<F>();
    call(&mut kq, &[Kevent::new(0, 0, EV_ADD | EV_RECEIPT)], 1).unwrap()
}

#[test]
fn freebsd_skips_filter_zero() {
    // "if (!kevp->filter) continue;"
    assert!(filter_zero::<FreeBsd>().is_empty());
}

#[test]
fn xnu_refuses_filter_zero() {
    let events = filter_zero::<Xnu>();
    assert_eq!(
        events.iter().map(errno).collect::<Vec<_>>(),
        [raw(Errno::INVAL)]
    );
}

/// Two receipts with no room for either: the call's result, and which changes applied.
fn receipts_without_room<F: Flavour>() -> (usize, bool, bool) {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut kq = kq::<F>();
    let changes = [
        Kevent::new(fd, EVFILT_READ, EV_ADD | EV_RECEIPT),
        Kevent::new(fd, EVFILT_WRITE, EV_ADD | EV_RECEIPT),
    ];
    let n = call(&mut kq, &changes, 0).unwrap().len();
    (
        n,
        kq.contains(fd, EVFILT_READ),
        kq.contains(fd, EVFILT_WRITE),
    )
}

#[test]
fn freebsd_stops_at_a_receipt_without_room() {
    // "if (nevents == 0) return (error);"
    assert_eq!(receipts_without_room::<FreeBsd>(), (0, true, false));
}

#[test]
fn xnu_drops_a_receipt_without_room_and_goes_on() {
    assert_eq!(receipts_without_room::<Xnu>(), (0, true, true));
}

/// A call with an `EV_ADD` change, room for one event and `timeout`: its errno, if it
/// failed, and whether the change was applied.
fn add_with_timeout<F: Flavour>(tv_sec: i64, tv_nsec: i64) -> (Option<i32>, bool) {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut kq = kq::<F>();
    let timeout = Timespec {
        tv_sec,
        tv_nsec: tv_nsec as _,
    };
    let change = Kevent::new(fd, EVFILT_WRITE, EV_ADD);
    let result = call_timeout(&mut kq, &[change], 1, Some(&timeout));
    (
        result.err().and_then(|e| e.raw_os_error()),
        kq.contains(fd, EVFILT_WRITE),
    )
}

#[test]
fn freebsd_checks_the_timeout_when_it_waits() {
    // `kqueue_scan`: "tsp->tv_nsec >= 1000000000" is EINVAL, after the changes.
    let einval = Some(Errno::INVAL.raw_os_error());
    assert_eq!(
        add_with_timeout::<FreeBsd>(0, 1_000_000_000),
        (einval, true)
    );
    assert_eq!(add_with_timeout::<FreeBsd>(-1, 0), (einval, true));
    // With no room it never gets that far.
    let _serial = serial();
    let bad = Timespec {
        tv_sec: -1,
        tv_nsec: 0,
    };
    assert!(call_timeout(&mut kq::<FreeBsd>(), &[], 0, Some(&bad)).is_ok());
}

#[test]
fn xnu_checks_the_timeout_before_any_change() {
    // `timespec_is_valid`: up to a whole second of nanoseconds, at most INT32_MAX seconds.
    let einval = Some(Errno::INVAL.raw_os_error());
    assert_eq!(add_with_timeout::<Xnu>(0, 1_000_000_000), (None, true));
    assert_eq!(add_with_timeout::<Xnu>(-1, 0), (einval, false));
    assert_eq!(
        add_with_timeout::<Xnu>(i64::from(i32::MAX) + 1, 0),
        (einval, false)
    );
    let _serial = serial();
    let bad = Timespec {
        tv_sec: -1,
        tv_nsec: 0,
    };
    let err = call_timeout(&mut kq::<Xnu>(), &[], 0, Some(&bad)).unwrap_err();
    assert_eq!(err.raw_os_error(), einval);
}

/// The `data` of `EVFILT_WRITE` on a regular file.
fn regular_file_write_data<F: Flavour>() -> i64 {
    let _serial = serial();
    let path = std::env::temp_dir().join(format!("selectors-flavours-{}", std::process::id()));
    let file = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let mut kq = kq::<F>();
    let fd = file.as_raw_fd();
    call(&mut kq, &[Kevent::new(fd, EVFILT_WRITE, EV_ADD)], 0).unwrap();
    let events = call(&mut kq, &[], 2).unwrap();
    assert_eq!(events.len(), 1, "always writable: {events:?}");
    events[0].data
}

#[test]
fn freebsd_regular_files_are_writable_with_data_zero() {
    // `filt_vfswrite`: "kn->kn_data = 0"
    assert_eq!(regular_file_write_data::<FreeBsd>(), 0);
}

#[test]
fn xnu_regular_files_are_writable_with_data_one() {
    // `vnode_writable_space_count`: "For regular vnodes, we can always write (1)".
    assert_eq!(regular_file_write_data::<Xnu>(), 1);
}

/// `EV_ADD | EV_DELETE` of an event that does not exist, then `EV_ENABLE | EV_DISABLE` of
/// it: whether the first added it, and whether it is then reported.
fn combined_actions<F: Flavour>() -> (bool, bool) {
    let _serial = serial();
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut kq = kq::<F>();
    let _ = call(
        &mut kq,
        &[Kevent::new(fd, EVFILT_WRITE, EV_ADD | EV_DELETE)],
        0,
    );
    let added = kq.contains(fd, EVFILT_WRITE);
    call(&mut kq, &[Kevent::new(fd, EVFILT_WRITE, EV_ADD)], 0).unwrap();
    let both = Kevent::new(fd, EVFILT_WRITE, EV_ENABLE | EV_DISABLE);
    call(&mut kq, &[both], 0).unwrap();
    let wait = Timespec {
        tv_sec: 0,
        tv_nsec: Duration::from_millis(1).as_nanos() as _,
    };
    (
        added,
        !call_timeout(&mut kq, &[], 1, Some(&wait))
            .unwrap()
            .is_empty(),
    )
}

#[test]
fn freebsd_adds_on_add_and_delete_and_enables_last() {
    // `kqueue_register`: a missing event with EV_ADD is added before EV_DELETE is looked at;
    // EV_DISABLE is applied, then EV_ENABLE.
    assert_eq!(combined_actions::<FreeBsd>(), (true, true));
}

#[test]
fn xnu_lets_delete_and_disable_overrule() {
    // "Simplify the flags - delete and disable overrule"
    assert_eq!(combined_actions::<Xnu>(), (false, false));
}
