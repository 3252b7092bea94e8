//! `register`: the key it returns, Python's validation order (events, then fd, then
//! duplicate), and a refusal at any step that changes nothing and hands the file object back
//! (CPython's `test_register`).

use crate::conformance::Stream;

use rustix::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use rustix::io::Errno;

use super::support::{
    Unchanged, expect_ready, new_selector, recv, registrations, send, socketpair,
};
use super::{BorrowRaw, Faulty};
use crate::{Backend, BaseSelector, Error, Events, RegisterError};

type Checked<B, F> = BaseSelector<Faulty<B>, F, u32>;

/// Asserts a refused `register` gave back the file object for `fd` and the data `data`.
fn handed_back<F: AsFd>(err: RegisterError<F, u32>, fd: RawFd, data: u32) -> (Error, F) {
    let (error, fileobj, returned) = err.into_parts();
    assert_eq!(
        fileobj.as_fd().as_raw_fd(),
        fd,
        "the file object is handed back"
    );
    assert_eq!(returned, data, "the data is handed back");
    (error, fileobj)
}

/// `register` returns the key: the file object as passed, its fd, the events and the data.
pub fn register_returns_key<B: Backend>() {
    let (rd, wr) = socketpair();
    let (rd_fd, wr_fd) = (rd.as_raw_fd(), wr.as_raw_fd());
    let mut selector = new_selector::<B, Stream, &str>();
    let key = selector
        .register(rd, Events::READ, "reader")
        .expect("register");
    assert_eq!(key.fd(), rd_fd);
    assert_eq!(key.fileobj().as_raw_fd(), rd_fd);
    assert_eq!(key.events(), Events::READ);
    assert_eq!(*key.data(), "reader");
    let key = selector
        .register(wr, Events::READ | Events::WRITE, "both")
        .expect("register");
    assert_eq!(
        (key.fd(), key.events()),
        (wr_fd, Events::READ | Events::WRITE)
    );
    assert_eq!(*key.data(), "both");
    assert_eq!(selector.len(), 2);
    assert_eq!(*selector.get_key(rd_fd).expect("get_key").data(), "reader");
}

/// Empty events are `InvalidEvents(0)`; nothing changes, no system call is made, and the file
/// object comes back still working.
pub fn register_rejects_empty_events<B: Backend>() {
    let (a, b) = socketpair();
    let a_fd = a.as_raw_fd();
    let mut selector = new_selector::<Faulty<B>, Stream, u32>();
    let b_fd = b.as_raw_fd();
    selector.register(a, Events::READ, 1).expect("register");
    let before = Unchanged::capture(&selector);
    let err = selector.register(b, Events::empty(), 2).unwrap_err();
    before.check(&selector, "register with empty events");
    let (error, b) = handed_back(err, b_fd, 2);
    assert!(matches!(error, Error::InvalidEvents(0)), "got {error:?}");
    // The handed-back object is open and usable.
    send(&b, b"x");
    expect_ready(&mut selector, None, &[(a_fd, Events::READ)]);
}

/// Event bits outside `READ | WRITE` are `InvalidEvents`, even with valid bits beside them.
pub fn register_rejects_unknown_event_bits<B: Backend>() {
    let (a, b) = socketpair();
    let mut selector: Checked<B, Stream> = new_selector();
    selector.register(a, Events::WRITE, 1).expect("register");
    let before = Unchanged::capture(&selector);
    let b_fd = b.as_raw_fd();
    let mut b = b;
    for bits in [4, 7, 8, 0b101, 0x80, 0xff] {
        let err = selector
            .register(b, Events::from_bits_retain(bits), 2)
            .unwrap_err();
        let (error, back) = handed_back(err, b_fd, 2);
        assert!(
            matches!(error, Error::InvalidEvents(got) if got == bits),
            "events {bits:#x}: got {error:?}"
        );
        before.check(&selector, "register with unknown event bits");
        b = back;
    }
}

/// A negative fd is `InvalidFd` and changes nothing.
#[cfg(unix)]
pub fn register_rejects_negative_fd<B: Backend>(borrow: BorrowRaw) {
    let (a, _b) = socketpair();
    let mut selector: Checked<B, BorrowedFd<'static>> = new_selector();
    selector
        .register(borrow(a.as_raw_fd()), Events::READ, 1)
        .expect("register");
    let before = Unchanged::capture(&selector);
    for fd in [-10, RawFd::MIN] {
        let err = selector.register(borrow(fd), Events::READ, 2).unwrap_err();
        let (error, _) = handed_back(err, fd, 2);
        assert!(
            matches!(error, Error::InvalidFd(got) if got == fd),
            "got {error:?}"
        );
        before.check(&selector, "register of a negative fd");
    }
}

/// Any file object, boxed: std implements `AsSocket` only for boxes of sized types, so on
/// Windows a `Box<dyn AsFd>` is not one.
struct AnyFd(Box<dyn AsFd>);

impl AsFd for AnyFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

/// A registered fd is `AlreadyRegistered`, whatever object names it and whatever events are
/// asked for; the first registration is untouched.
pub fn register_rejects_duplicate_fd<B: Backend>(borrow: BorrowRaw) {
    let (rd, wr) = socketpair();
    let rd_fd = rd.as_raw_fd();
    let mut selector: Checked<B, AnyFd> = new_selector();
    selector
        .register(AnyFd(Box::new(rd)), Events::READ, 1)
        .expect("register");
    let before = Unchanged::capture(&selector);
    for events in [Events::READ, Events::WRITE, Events::all()] {
        // Another object with the same fd, as Python's `register(rd.fileno(), ...)`.
        let err = selector
            .register(AnyFd(Box::new(borrow(rd_fd))), events, 2)
            .err()
            .expect("a duplicate is refused");
        let (error, _) = handed_back(err, rd_fd, 2);
        assert!(
            matches!(error, Error::AlreadyRegistered(fd) if fd == rd_fd),
            "got {error:?}"
        );
        before.check(&selector, "a duplicate register");
    }
    send(&wr, b"x");
    expect_ready(&mut selector, None, &[(rd_fd, Events::READ)]);
}

/// Python's order: the events are checked first (even for a negative or duplicate fd), then
/// the fd, then duplicates; each refusal changes nothing.
#[cfg(unix)]
pub fn register_checks_events_then_fd_then_duplicate<B: Backend>(borrow: BorrowRaw) {
    let (a, _b) = socketpair();
    let a_fd = a.as_raw_fd();
    let mut selector: Checked<B, BorrowedFd<'static>> = new_selector();
    selector
        .register(borrow(a_fd), Events::READ, 1)
        .expect("register");
    let before = Unchanged::capture(&selector);
    let cases = [
        (-10, Events::empty(), "InvalidEvents"),
        (-10, Events::from_bits_retain(4), "InvalidEvents"),
        (a_fd, Events::empty(), "InvalidEvents"),
        (a_fd, Events::from_bits_retain(0xff), "InvalidEvents"),
        (-10, Events::READ, "InvalidFd"),
        (a_fd, Events::WRITE, "AlreadyRegistered"),
    ];
    for (fd, events, expected) in cases {
        let (error, _) = handed_back(selector.register(borrow(fd), events, 2).unwrap_err(), fd, 2);
        let got = match error {
            Error::InvalidEvents(_) => "InvalidEvents",
            Error::InvalidFd(_) => "InvalidFd",
            Error::AlreadyRegistered(_) => "AlreadyRegistered",
            ref other => panic!("register({fd}, {events:?}): unexpected {other:?}"),
        };
        assert_eq!(got, expected, "register({fd}, {events:?})");
        before.check(&selector, "a refused register");
    }
}

/// A kernel refusal is `Os` with its errno; nothing is left in the map or the kernel, the
/// file object comes back, and registering it again later works.
pub fn register_kernel_failure_changes_nothing<B: Backend>() {
    // Any errno the kernel could give; Winsock has no `ENOSPC`.
    #[cfg(unix)]
    let errno = Errno::NOSPC.raw_os_error();
    #[cfg(windows)]
    let errno = Errno::NOBUFS.raw_os_error();
    let (rd, wr) = socketpair();
    let (other, _peer) = socketpair();
    let (wr_fd, other_fd) = (wr.as_raw_fd(), other.as_raw_fd());
    let mut selector: Checked<B, Stream> = new_selector();
    selector.register(rd, Events::READ, 1).expect("register");
    let before = registrations(&selector);
    selector.backend().fail_next_add(errno);
    let err = selector.register(wr, Events::WRITE, 2).unwrap_err();
    let (error, wr) = handed_back(err, wr_fd, 2);
    assert_eq!(
        error.raw_os_error(),
        Some(errno),
        "the errno is kept: {error:?}"
    );
    assert!(matches!(error, Error::Os(_)), "got {error:?}");
    assert_eq!(registrations(&selector), before);
    assert!(selector.get_key(wr_fd).is_err());
    // The kernel does not know the fd either: it reports only the other writer.
    selector
        .register(other, Events::WRITE, 3)
        .expect("register");
    expect_ready(&mut selector, None, &[(other_fd, Events::WRITE)]);
    let reported = selector.backend().last_reported();
    assert!(
        reported.iter().all(|&(fd, _)| fd != wr_fd),
        "the kernel still watches the refused fd: {reported:?}"
    );
    selector
        .register(wr, Events::WRITE, 2)
        .expect("register again");
    expect_ready(
        &mut selector,
        None,
        &[(wr_fd, Events::WRITE), (other_fd, Events::WRITE)],
    );
}

/// A `dup` of a registered fd is another fd: it registers, and both are reported.
pub fn register_accepts_dup_of_registered_fd<B: Backend>() {
    let (rd, wr) = socketpair();
    let copy = rd.try_clone().expect("dup");
    let (rd_fd, copy_fd) = (rd.as_raw_fd(), copy.as_raw_fd());
    let mut selector = new_selector::<B, Stream, u32>();
    selector.register(rd, Events::READ, 1).expect("register");
    selector
        .register(copy, Events::READ, 2)
        .expect("register a dup");
    send(&wr, b"ab");
    expect_ready(
        &mut selector,
        None,
        &[(rd_fd, Events::READ), (copy_fd, Events::READ)],
    );
    let key = selector.unregister(rd_fd).expect("unregister");
    assert_eq!(recv(key.fileobj(), 2), b"ab");
    expect_ready(&mut selector, Some(std::time::Duration::ZERO), &[]);
}
