//! Registrations the kernel keeps after the selector let go of them: a registered `dup`
//! closed behind the selector's back while the original fd keeps the file open (epoll(7),
//! Q6), then unregistered or modified, and its number reused.
//!
//! On epoll the kernel keeps such a registration, which `EPOLL_CTL_DEL` can no longer name;
//! CPython then returns at once from every `select` while the file is ready (a busy loop),
//! and mixes the stale registration up with whatever file takes the number. The other
//! kernels drop the registration with the fd, or keep their interest list in user space.
//! Every case holds on every backend: after such an incident `select` never spins, never
//! returns before its timeout, never reports an fd twice, never reports a file it does not
//! watch, and never misses a live ready fd.

use crate::conformance::Stream;
use std::time::{Duration, Instant};

use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use super::support::{
    FdLock, PATIENCE, assert_elapsed, expect_ready, new_selector, send, socketpair,
};
use super::{BorrowRaw, Faulty};
use crate::{Backend, BaseSelector, Events};

/// How long the cases wait for something that must not happen.
const QUIET: Duration = Duration::from_millis(200);

/// The most waits a `select` may make around one stale registration: the wait that saw it,
/// the one after the rebuild, and one spare for a wait a clamped or interrupted timeout cut
/// short. A busy loop makes thousands.
const FEW_WAITS: usize = 4;

type Selector<B> = BaseSelector<Faulty<B>, BorrowedFd<'static>, u32>;

/// A copy of `fd` at the lowest free number at or above `at`.
fn dup(fd: impl AsFd, at: RawFd) -> OwnedFd {
    rustix::io::fcntl_dupfd_cloexec(fd, at).expect("fcntl(F_DUPFD_CLOEXEC)")
}

/// `select(QUIET)` reports nothing, waits its whole timeout, and makes only a few waits.
fn assert_quiet<B: Backend>(selector: &mut Selector<B>, what: &str) {
    let waits = selector.backend().calls().wait;
    let start = Instant::now();
    expect_ready(selector, Some(QUIET), &[]);
    assert_elapsed(what, start, QUIET, QUIET + PATIENCE);
    let made = selector.backend().calls().wait - waits;
    assert!(
        made <= FEW_WAITS,
        "{what}: {made} waits in one select (a busy loop inside select)"
    );
}

/// A registered dup of a ready socket is closed behind the selector's back and unregistered:
/// the socket's file stays open and ready through the original fd. `select` stays quiet;
/// then a new socket takes the dup's number and is registered: it is reported for its own
/// readiness only, once.
pub fn closed_dup_unregistered_then_number_reused<B: Backend>(borrow: BorrowRaw) {
    let _fds = FdLock::exclusive();
    let (a, a_peer) = socketpair();
    let (idle, _idle_peer) = socketpair();
    let mut selector = new_selector::<Faulty<B>, BorrowedFd<'static>, u32>();
    let copy = dup(&a, 0);
    let number = copy.as_raw_fd();
    selector
        .register(borrow(number), Events::READ, 1)
        .expect("register the dup");
    selector
        .register(borrow(idle.as_raw_fd()), Events::READ, 2)
        .expect("register");
    send(&a_peer, b"x");
    expect_ready(&mut selector, Some(PATIENCE), &[(number, Events::READ)]);
    // Made now, so that its fds do not take the number the dup frees.
    let (b, b_peer) = socketpair();
    drop(copy);
    let key = selector.unregister(number).expect("unregister a closed fd");
    assert_eq!((key.fd(), *key.data()), (number, 1));
    assert_quiet(
        &mut selector,
        "select after the closed dup was unregistered",
    );
    assert_quiet(&mut selector, "the next select");

    // The number is free: a new socket takes it.
    let reused = dup(&b, number);
    assert_eq!(
        reused.as_raw_fd(),
        number,
        "the dup's number was taken meanwhile"
    );
    selector
        .register(borrow(number), Events::READ, 3)
        .expect("register the new socket under the old number");
    assert_quiet(
        &mut selector,
        "the new socket is not readable, the old file is",
    );
    send(&b_peer, b"y");
    expect_ready(&mut selector, Some(PATIENCE), &[(number, Events::READ)]);
    assert_eq!(*selector.get_key(number).expect("get_key").data(), 3);
    selector.unregister(number).expect("unregister");
    drop((reused, b, a));
}

/// The same, but before any `select`: a new dup of the same file takes the closed dup's
/// number and is registered. On epoll the stale registration has the same (file, number)
/// pair, which `EPOLL_CTL_ADD` refuses with `EEXIST`; the registration must succeed all the
/// same, and the fd be reported once.
pub fn closed_dup_then_same_file_at_the_same_number<B: Backend>(borrow: BorrowRaw) {
    let _fds = FdLock::exclusive();
    let (a, a_peer) = socketpair();
    let mut selector = new_selector::<Faulty<B>, BorrowedFd<'static>, u32>();
    let copy = dup(&a, 0);
    let number = copy.as_raw_fd();
    selector
        .register(borrow(number), Events::READ, 1)
        .expect("register the dup");
    drop(copy);
    selector.unregister(number).expect("unregister a closed fd");
    let again = dup(&a, number);
    assert_eq!(
        again.as_raw_fd(),
        number,
        "the dup's number was taken meanwhile"
    );
    selector
        .register(borrow(number), Events::READ, 2)
        .expect("register another dup of the same file at the same number");
    send(&a_peer, b"x");
    expect_ready(&mut selector, Some(PATIENCE), &[(number, Events::READ)]);
    expect_ready(
        &mut selector,
        Some(Duration::ZERO),
        &[(number, Events::READ)],
    );
    selector.unregister(number).expect("unregister");
    drop(again);
    assert_quiet(&mut selector, "after the last dup went");
    drop(a);
}

/// A registered dup is closed behind the selector's back and then modified. Where the
/// kernel is asked (epoll, kqueue) it refuses, and the key comes back in the error; where
/// it is not (select, poll, /dev/poll keep the change for the next wait) the key stays and
/// is unregistered. Either way `select` is quiet afterwards although the file is ready.
pub fn closed_dup_modified<B: Backend>(borrow: BorrowRaw) {
    let _fds = FdLock::exclusive();
    let (a, a_peer) = socketpair();
    let mut selector = new_selector::<Faulty<B>, BorrowedFd<'static>, u32>();
    let copy = dup(&a, 0);
    let number = copy.as_raw_fd();
    selector
        .register(borrow(number), Events::READ, 1)
        .expect("register the dup");
    send(&a_peer, b"x");
    drop(copy);
    match selector.modify(number, Events::READ | Events::WRITE, 2) {
        Ok(key) => {
            assert_eq!(*key.data(), 2);
            selector.unregister(number).expect("unregister");
        }
        Err(err) => {
            let key = err
                .unregistered()
                .expect("a refused modify hands the key back");
            assert_eq!((key.fd(), *key.data()), (number, 1));
            assert!(selector.get_key(number).is_err(), "the key left the map");
        }
    }
    assert!(selector.is_empty());
    assert_quiet(&mut selector, "select after the closed dup's modify");
    drop(a);
}

/// A waker that was used, then a closed-dup incident: the rebuild re-registers the waker's
/// fd, which the kernel may report at once (epoll's edge-triggered eventfd still holds the
/// counts of wakes already reported), but that is no wake: `select` stays quiet; a new wake
/// still ends it.
pub fn a_used_waker_stays_quiet_through_a_rebuild<B: Backend>(borrow: BorrowRaw) {
    let _fds = FdLock::exclusive();
    let (a, a_peer) = socketpair();
    let mut selector = new_selector::<Faulty<B>, BorrowedFd<'static>, u32>();
    let waker = selector.waker().expect("waker");
    waker.wake().expect("wake");
    expect_ready(&mut selector, Some(PATIENCE), &[]);
    let copy = dup(&a, 0);
    let number = copy.as_raw_fd();
    selector
        .register(borrow(number), Events::READ, 1)
        .expect("register the dup");
    send(&a_peer, b"x");
    drop(copy);
    selector.unregister(number).expect("unregister a closed fd");
    assert_quiet(
        &mut selector,
        "select after the incident, with a used waker",
    );
    assert_quiet(&mut selector, "the next select");
    waker.wake().expect("wake");
    let start = Instant::now();
    expect_ready(&mut selector, Some(PATIENCE), &[]);
    assert!(start.elapsed() < PATIENCE, "the wake ended the select");
    drop(a);
}

/// Stale registrations whose files are ready outnumber the event buffer's spare room: three
/// live fds are ready and two closed dups of ready sockets stay in the kernel. `select`
/// reports exactly the three live fds, each once, at once, on the first call.
pub fn stale_registrations_never_crowd_out_live_ones<B: Backend>(borrow: BorrowRaw) {
    let _fds = FdLock::exclusive();
    let mut selector = new_selector::<Faulty<B>, BorrowedFd<'static>, u32>();
    let writable: Vec<(Stream, Stream)> = (0..2).map(|_| socketpair()).collect();
    for (i, (socket, _)) in writable.iter().enumerate() {
        let copy = dup(socket, 0);
        let number = copy.as_raw_fd();
        selector
            .register(borrow(number), Events::WRITE, 10 + i as u32)
            .expect("register a dup");
        drop(copy);
        selector.unregister(number).expect("unregister a closed fd");
    }
    let live: Vec<(Stream, Stream)> = (0..3).map(|_| socketpair()).collect();
    let mut expected = Vec::new();
    for (i, (socket, _)) in live.iter().enumerate() {
        let fd = socket.as_raw_fd();
        selector
            .register(borrow(fd), Events::WRITE, i as u32)
            .expect("register");
        expected.push((fd, Events::WRITE));
    }
    let start = Instant::now();
    expect_ready(&mut selector, Some(QUIET), &expected);
    assert!(
        start.elapsed() < QUIET,
        "waited {:?} for ready fds",
        start.elapsed()
    );
    expect_ready(&mut selector, Some(QUIET), &expected);
    for &(fd, _) in &expected {
        selector.unregister(fd).expect("unregister");
    }
    assert_quiet(&mut selector, "nothing registered");
    drop((writable, live));
}
