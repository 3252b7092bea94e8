//! The devpoll backend's own cases: on Linux against the emulated device, on illumos and
//! Solaris against the real `/dev/poll`.
#![cfg(any(target_os = "linux", have_devpoll))]

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use selectors_devpoll::{
    Backend, BaseSelector, DevpollBackend, DevpollSys, EVENT_READ, EVENT_WRITE, Events, POLLIN,
    POLLOUT, Token,
};

#[cfg(target_os = "linux")]
type Sys = selectors_devpoll::EmulatedDevpoll;
#[cfg(have_devpoll)]
type Sys = selectors_devpoll::RealDevpoll;

type Devpoll = DevpollBackend<Sys>;
type Selector<F, T = ()> = BaseSelector<Devpoll, F, T>;

/// The token these cases give each fd they add to a backend directly: the fd's number.
fn token(fd: RawFd) -> Token {
    Token(fd as u64)
}

/// What one wait of the backend reports, before any masking by a selector, by fd.
fn wait(backend: &mut Devpoll, timeout: Duration) -> Vec<(RawFd, Events)> {
    let mut ready = Vec::new();
    backend
        .wait(Some(timeout), |token, events| {
            ready.push((token.0 as RawFd, events));
        })
        .unwrap();
    ready
}

/// A copy of `fd` numbered `slot` below the fd limit (at most 4096), far above the numbers
/// other tests get (the lowest free ones), so that once it is closed no other thread reopens
/// its number. Each test uses its own `slot`.
fn high_fd(fd: &impl AsFd, slot: RawFd) -> OwnedFd {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(4096)
        .min(4096);
    let number = RawFd::try_from(limit).unwrap() - slot;
    let copy = rustix::io::fcntl_dupfd_cloexec(fd, number).unwrap();
    assert_eq!(copy.as_raw_fd(), number, "fd {number} was already open");
    copy
}

#[test]
fn modify_replaces_the_mask_rather_than_oring_it() {
    // `a` is writable and not readable: a leftover POLLOUT would show at once.
    let (a, mut b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut backend = Devpoll::new().unwrap();
    backend
        .add(a.as_fd(), token(a.as_raw_fd()), Events::WRITE)
        .unwrap();
    assert_eq!(wait(&mut backend, Duration::ZERO), [(fd, Events::WRITE)]);

    backend
        .modify(
            a.as_raw_fd(),
            token(a.as_raw_fd()),
            Events::WRITE,
            Events::READ,
        )
        .unwrap();
    assert_eq!(backend.sys().is_polled(fd).unwrap(), Some(POLLIN));
    // Had the new mask been ORed into the old one, POLLOUT would be reported here.
    assert_eq!(wait(&mut backend, Duration::ZERO), []);
    b.write_all(b"x").unwrap();
    assert_eq!(
        wait(&mut backend, Duration::from_secs(5)),
        [(fd, Events::READ)]
    );

    backend
        .modify(
            a.as_raw_fd(),
            token(a.as_raw_fd()),
            Events::READ,
            Events::WRITE,
        )
        .unwrap();
    assert_eq!(backend.sys().is_polled(fd).unwrap(), Some(POLLOUT));
    assert_eq!(wait(&mut backend, Duration::ZERO), [(fd, Events::WRITE)]);
}

#[test]
fn modify_through_the_selector_leaves_only_the_new_interest() {
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut selector = Selector::<UnixStream>::new().unwrap();
    selector.register(a, EVENT_READ | EVENT_WRITE, ()).unwrap();
    let devpoll = |s: &Selector<UnixStream>| s.backend().sys().is_polled(fd).unwrap();
    assert_eq!(devpoll(&selector), Some(POLLIN | POLLOUT));
    selector.modify(fd, EVENT_READ, ()).unwrap();
    assert_eq!(devpoll(&selector), Some(POLLIN));
    assert!(selector.select(Some(Duration::ZERO)).unwrap().is_empty());
    selector.modify(fd, EVENT_WRITE, ()).unwrap();
    assert_eq!(devpoll(&selector), Some(POLLOUT));
    let key = selector.unregister(fd).unwrap();
    assert_eq!(key.fd(), fd);
    assert_eq!(devpoll(&selector), None);
}

#[test]
fn unregister_after_close_returns_the_key_and_removes_the_fd() {
    let (a, _b) = UnixStream::pair().unwrap();
    let owned = high_fd(&a, 1);
    let fd = owned.as_raw_fd();
    let mut selector = Selector::<BorrowedFd<'static>, &str>::new().unwrap();
    // SAFETY: the selector only passes the number to `/dev/poll`, which does not touch the
    // file; the fd is closed below on purpose, which is the case under test.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    selector.register(borrowed, EVENT_READ, "a").unwrap();
    drop(owned);

    let key = selector.unregister(fd).unwrap();
    assert_eq!((key.fd(), *key.data()), (fd, "a"));
    assert!(selector.is_empty());
    assert_eq!(selector.backend().sys().is_polled(fd).unwrap(), None);
    // Removed, so the closed fd is not reported (as POLLNVAL) either.
    assert!(selector.select(Some(Duration::ZERO)).unwrap().is_empty());
}

#[test]
fn a_registered_fd_closed_behind_the_selectors_back_is_reported_ready() {
    // poll(7D): a closed fd left in the set comes back with POLLNVAL, which Python's rule
    // turns into READ | WRITE before the key's mask.
    let (a, _b) = UnixStream::pair().unwrap();
    let owned = high_fd(&a, 2);
    let fd = owned.as_raw_fd();
    let mut selector = Selector::<BorrowedFd<'static>>::new().unwrap();
    // SAFETY: as above: only the number reaches `/dev/poll`; closing it is the case tested.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    selector.register(borrowed, EVENT_READ, ()).unwrap();
    drop(owned);
    let ready = selector.select(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!((ready[0].0.fd(), ready[0].1), (fd, EVENT_READ));
    drop(ready);
    selector.unregister(fd).unwrap();
}

#[test]
fn an_empty_select_sleeps_for_its_timeout() {
    let mut selector = Selector::<UnixStream>::new().unwrap();
    let timeout = Duration::from_millis(100);
    let start = Instant::now();
    assert!(selector.select(Some(timeout)).unwrap().is_empty());
    let elapsed = start.elapsed();
    assert!(elapsed >= timeout, "woke after {elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "woke after {elapsed:?}");
}

#[test]
fn one_select_reports_every_ready_fd() {
    // The result buffer is sized to the registrations: 64 writable sockets, one call.
    let pairs: Vec<_> = (0..64).map(|_| UnixStream::pair().unwrap()).collect();
    let mut backend = Devpoll::new().unwrap();
    for (a, _) in &pairs {
        backend
            .add(a.as_fd(), token(a.as_raw_fd()), Events::WRITE)
            .unwrap();
    }
    let mut ready = wait(&mut backend, Duration::from_secs(5));
    ready.sort_unstable_by_key(|&(fd, _)| fd);
    let mut expected: Vec<_> = pairs
        .iter()
        .map(|(a, _)| (a.as_raw_fd(), Events::WRITE))
        .collect();
    expected.sort_unstable_by_key(|&(fd, _)| fd);
    assert_eq!(ready, expected);
}

#[test]
fn fileno_is_an_open_close_on_exec_descriptor_of_its_own() {
    let selector = Selector::<UnixStream>::new().unwrap();
    let other = Selector::<UnixStream>::new().unwrap();
    let fd = selector.fileno().unwrap();
    assert_eq!(selector.backend().sys().fileno(), fd);
    assert_ne!(other.fileno().unwrap(), fd);
    // SAFETY: the selector owns `fd` and outlives this borrow.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    let flags = rustix::io::fcntl_getfd(borrowed).unwrap();
    assert!(flags.contains(rustix::io::FdFlags::CLOEXEC));
    selector.close().unwrap();
}
