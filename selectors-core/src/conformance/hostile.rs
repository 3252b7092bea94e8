//! A hostile or careless caller: a file object whose fd changes, `as_fd()` and callbacks that
//! panic, fd numbers no open fd can have, and the public `Backend` trait driven directly in
//! any order.

use crate::conformance::Stream;
use std::cell::Cell;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use rustix::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

#[cfg(unix)]
use super::BorrowRaw;
use super::Faulty;
use super::support::{Rng, assert_elapsed, expect_ready, new_selector, send, socketpair};
use super::view::{InterestList, map_interest};
#[cfg(unix)]
use crate::Error;
use crate::{Backend, Events, Token};

/// A file object that answers `as_fd()` with another socket on every call, as a reconnecting
/// client wrapper might: safe code the selector must survive.
#[derive(Debug)]
pub struct Fickle {
    sockets: [Stream; 2],
    calls: Cell<usize>,
}

impl Fickle {
    fn new() -> (Fickle, [Stream; 2]) {
        let (a, a_peer) = socketpair();
        let (b, b_peer) = socketpair();
        let fickle = Fickle {
            sockets: [a, b],
            calls: Cell::new(0),
        };
        (fickle, [a_peer, b_peer])
    }

    /// The fd the next `as_fd()` call returns.
    fn next_fd(&self) -> RawFd {
        self.sockets[self.calls.get() % 2].as_raw_fd()
    }
}

impl AsFd for Fickle {
    fn as_fd(&self) -> BorrowedFd<'_> {
        let calls = self.calls.get();
        self.calls.set(calls + 1);
        self.sockets[calls % 2].as_fd()
    }
}

/// A file object that is a socket, or one whose `as_fd()` panics.
#[derive(Debug)]
pub enum Panicky {
    /// A socket, as usual.
    Socket(Stream),
    /// `as_fd()` panics.
    Refuses,
}

impl AsFd for Panicky {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Panicky::Socket(socket) => socket.as_fd(),
            Panicky::Refuses => panic!("as_fd() refuses"),
        }
    }
}

/// Asserts the map and the wrapped backend's interest list agree (when `view` sees it).
fn agree<B: Backend, F: AsFd, T>(
    selector: &crate::BaseSelector<Faulty<B>, F, T>,
    view: InterestList<B>,
    what: &str,
) {
    if let Some(kernel) = view(selector.backend().inner()) {
        assert_eq!(
            kernel,
            map_interest(selector),
            "{what}: interest list vs map"
        );
    }
}

/// The fd is read once, at `register`, and every later kernel call uses that number: the map
/// and the interest list agree all along, `modify` and `unregister` reach the registered fd,
/// and afterwards an empty selector sleeps for its timeout.
pub fn fd_is_read_once_at_register<B: Backend>(view: InterestList<B>) {
    let (fickle, [first_peer, _second_peer]) = Fickle::new();
    let fd = fickle.next_fd();
    let mut selector = new_selector::<Faulty<B>, Fickle, u32>();
    let key = selector
        .register(fickle, Events::READ, 1)
        .expect("register");
    assert_eq!(key.fd(), fd, "the key's fd is the one as_fd() gave first");
    assert_eq!(key.fileobj().calls.get(), 1, "as_fd() is called once");
    agree(&selector, view, "after register");
    send(&first_peer, b"x");
    let ready: Vec<(RawFd, Events)> = selector
        .select(Some(Duration::from_secs(5)))
        .expect("select")
        .iter()
        .map(|(key, events)| (key.fd(), *events))
        .collect();
    assert_eq!(ready, [(fd, Events::READ)], "the registered fd, once");
    selector
        .modify(fd, Events::READ | Events::WRITE, 2)
        .expect("modify");
    agree(&selector, view, "after modify");
    let key = selector.unregister(fd).expect("unregister");
    assert_eq!(key.fd(), fd);
    assert!(map_interest(&selector).is_empty());
    agree(&selector, view, "after unregister");
    let timeout = Duration::from_millis(200);
    let waits = selector.backend().calls().wait;
    let start = Instant::now();
    assert!(selector.select(Some(timeout)).expect("select").is_empty());
    assert_elapsed("an empty select", start, timeout, timeout * 10);
    assert!(selector.backend().calls().wait - waits <= 2, "a busy loop");
}

/// An `as_fd()` that panics during `register` leaves the selector as it was.
pub fn panicking_as_fd_changes_nothing<B: Backend>(view: InterestList<B>) {
    let (a, _a_peer) = socketpair();
    let a_fd = a.as_raw_fd();
    let mut selector = new_selector::<Faulty<B>, Panicky, u32>();
    selector
        .register(Panicky::Socket(a), Events::WRITE, 1)
        .expect("register");
    let calls = selector.backend().calls();
    let unwound = panic::catch_unwind(AssertUnwindSafe(|| {
        let _ = selector.register(Panicky::Refuses, Events::READ, 2);
    }));
    assert!(unwound.is_err(), "as_fd() panicked");
    assert_eq!(selector.len(), 1);
    assert_eq!(
        selector.backend().calls(),
        calls,
        "the backend was not called"
    );
    agree(&selector, view, "after the panic");
    expect_ready(
        &mut selector,
        Some(Duration::ZERO),
        &[(a_fd, Events::WRITE)],
    );
}

/// A `select_with` callback that panics (caught by the caller) leaves nothing behind: the
/// next `select` reports exactly what is true, on every backend.
pub fn panicking_callback_leaves_nothing_behind<B: Backend>(view: InterestList<B>) {
    let mut selector = new_selector::<Faulty<B>, Stream, u32>();
    let mut peers = Vec::new();
    let mut fds = Vec::new();
    for i in 0..3 {
        let (a, b) = socketpair();
        fds.push(a.as_raw_fd());
        send(&b, b"x");
        selector
            .register(a, Events::READ | Events::WRITE, i)
            .expect("register");
        peers.push(b);
    }
    let unwound = panic::catch_unwind(AssertUnwindSafe(|| {
        let _ = selector.select_with(Some(Duration::from_secs(5)), |_, _| panic!("callback"));
    }));
    assert!(unwound.is_err(), "the callback panicked");
    agree(&selector, view, "after the panic");
    let both = Events::READ | Events::WRITE;
    let expected: Vec<_> = fds.iter().map(|&fd| (fd, both)).collect();
    expect_ready(&mut selector, Some(Duration::from_secs(5)), &expected);
    // Nothing left over from the unwound wait: with READ no longer wanted, READ is gone.
    for &fd in &fds {
        selector.modify(fd, Events::WRITE, 9).expect("modify");
    }
    let expected: Vec<_> = fds.iter().map(|&fd| (fd, Events::WRITE)).collect();
    expect_ready(&mut selector, Some(Duration::ZERO), &expected);
    drop(peers);
}

/// Fd numbers no open fd can have (at or above the hard `RLIMIT_NOFILE`, up to `i32::MAX`)
///
/// Unix only: a Windows socket is a handle with no such bound (and the one value no socket
/// can have, `INVALID_SOCKET`, is std's niche: no `BorrowedSocket` holds it).
/// are refused with a typed error before anything is allocated for them, by the selector
/// and by the backend used directly; lookups of them are `NotRegistered`.
#[cfg(unix)]
pub fn impossible_fd_numbers_are_refused<B: Backend>(borrow: BorrowRaw) {
    let hard = rustix::process::getrlimit(rustix::process::Resource::Nofile).maximum;
    let mut numbers = vec![RawFd::MAX, RawFd::MAX - 1, 1 << 30];
    if let Some(hard) = hard.and_then(|hard| RawFd::try_from(hard).ok()) {
        numbers.push(hard);
    }
    let mut selector = new_selector::<Faulty<B>, BorrowedFd<'static>, u32>();
    for &fd in &numbers {
        let start = Instant::now();
        let err = selector.register(borrow(fd), Events::READ, 1).unwrap_err();
        assert!(
            matches!(err.error(), Error::FdOutOfRange { fd: got, .. } if *got == fd),
            "register({fd}): {:?}",
            err.error()
        );
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "register({fd}) took long"
        );
        assert!(matches!(selector.get_key(fd), Err(Error::NotRegistered(_))));
        assert!(matches!(
            selector.unregister(fd),
            Err(Error::NotRegistered(_))
        ));
        let err = selector.modify_events(fd, Events::READ).unwrap_err();
        assert!(matches!(err.error(), Error::NotRegistered(_)));
    }
    assert!(selector.is_empty());
    assert_eq!(
        selector.backend().calls().add,
        0,
        "the backend never saw them"
    );
    let mut backend = B::new().expect("a backend");
    for &fd in &numbers {
        let err = backend
            .add(borrow(fd), Token(1), Events::READ)
            .expect_err("an impossible fd");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "add({fd}): {err}");
    }
    backend
        .wait(Some(Duration::ZERO), |_, _| panic!("nothing is registered"))
        .expect("wait");
}

/// A number no fd can have: negative on Unix, `INVALID_SOCKET` on Windows.
#[cfg(unix)]
const NOT_A_NUMBER: RawFd = -7;
/// A number no fd can have: negative on Unix, `INVALID_SOCKET` on Windows.
#[cfg(windows)]
const NOT_A_NUMBER: RawFd = RawFd::MAX;

/// The `Backend` trait driven directly, in orders the selector never uses: `modify` and
/// `delete` of fds never added or already deleted, `add` twice, numbers that are closed or
/// never opened, in random sequences. No call panics, errors are typed, and every wait
/// reports only tokens that are added and ready.
pub fn backend_misuse_never_panics<B: Backend>() {
    let (a, _a_peer) = socketpair();
    let (b, _b_peer) = socketpair();
    let fds = [a.as_raw_fd(), b.as_raw_fd()];
    let never_opened = 1 << 20;
    let mut backend = B::new().expect("a backend");
    // Not watched: `NotFound`; a backend that asks the kernel may get `EBADF` first for a
    // number that is not open.
    let not_watched = |err: &io::Error, fd: RawFd| {
        err.kind() == io::ErrorKind::NotFound
            || (fd != fds[0] && err.raw_os_error() == Some(rustix::io::Errno::BADF.raw_os_error()))
    };
    for fd in [fds[0], never_opened, NOT_A_NUMBER] {
        let err = backend
            .modify(fd, Token(1), Events::READ, Events::WRITE)
            .expect_err("modify of an fd never added");
        assert!(not_watched(&err, fd), "modify({fd}): {err}");
        let err = backend
            .delete(fd, Token(1), Events::READ)
            .expect_err("delete of an fd never added");
        assert!(not_watched(&err, fd), "delete({fd}): {err}");
    }
    backend
        .add(a.as_fd(), Token(1), Events::WRITE)
        .expect("add");
    let err = backend
        .add(a.as_fd(), Token(2), Events::READ)
        .expect_err("a second add of the same fd");
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
    backend
        .delete(fds[0], Token(1), Events::WRITE)
        .expect("delete");
    let err = backend
        .delete(fds[0], Token(1), Events::WRITE)
        .expect_err("a second delete");
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");

    // Random sequences: whatever the order, no panic, the documented error for each
    // misuse, and waits that report only added tokens, within their events.
    let mut rng = Rng::new(0x6d15_05e0);
    let sockets = [&a, &b];
    let mut added = [None::<Events>; 2];
    for step in 0..400 {
        let i = rng.below(2);
        let events = [Events::READ, Events::WRITE, Events::all()][rng.below(3)];
        let token = Token(i as u64 + 1);
        let what = rng.below(4);
        let result = match what {
            0 => backend.add(sockets[i].as_fd(), token, events),
            1 => backend.modify(fds[i], token, added[i].unwrap_or(Events::READ), events),
            2 => backend.delete(fds[i], token, events),
            _ => {
                let mut reported = Vec::new();
                backend
                    .wait(Some(Duration::ZERO), |token, events| {
                        reported.push((token, events));
                    })
                    .expect("wait");
                for (token, events) in reported {
                    let watched = usize::try_from(token.0 - 1)
                        .ok()
                        .and_then(|i| added.get(i).copied().flatten());
                    assert!(
                        watched.is_some_and(|watched| watched.contains(events)),
                        "step {step}: {token:?} reported {events:?}, watched {watched:?}"
                    );
                }
                continue;
            }
        };
        let expected = match (what, added[i]) {
            (0, Some(_)) => Err(io::ErrorKind::AlreadyExists),
            (1 | 2, None) => Err(io::ErrorKind::NotFound),
            _ => Ok(()),
        };
        assert_eq!(
            result.as_ref().map_err(io::Error::kind).copied(),
            expected,
            "step {step}: call {what} on fd {} (added: {:?}): {result:?}",
            fds[i],
            added[i]
        );
        if result.is_ok() {
            added[i] = match what {
                2 => None,
                _ => Some(events),
            };
        }
    }
    drop((a, b));
}
