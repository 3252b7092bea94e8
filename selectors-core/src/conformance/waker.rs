//! The waker: another thread ends a blocked `select`; wakes coalesce and are never lost; the
//! waker's fd is invisible; a wake after the selector is gone is an error.

use crate::conformance::Stream;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use rustix::fd::{AsRawFd, BorrowedFd};

use super::support::{
    PATIENCE, PROMPT, assert_elapsed, expect_ready, new_selector, send, socketpair,
};
use super::{BorrowRaw, Faulty};
use crate::{Backend, Error, Events, Token};

/// How long a case waits to show that nothing is pending.
const QUIET: Duration = Duration::from_millis(150);

/// A wake from another thread ends `select(None)` promptly, with nothing ready.
pub fn wake_ends_a_blocked_select<B: Backend>() {
    let mut selector = new_selector::<B, Stream, ()>();
    let (idle, _peer) = socketpair();
    selector.register(idle, Events::READ, ()).expect("register");
    let waker = selector.waker().expect("waker");
    let delay = Duration::from_millis(100);
    let start = Instant::now();
    let waking = thread::spawn(move || {
        thread::sleep(delay);
        waker.wake().expect("wake");
    });
    assert!(selector.select(None).expect("select").is_empty());
    assert_elapsed(
        "select(None) ended by a wake",
        start,
        delay,
        delay + PATIENCE,
    );
    waking.join().expect("the waking thread");
    // The wake was used up: nothing is pending.
    let start = Instant::now();
    assert!(selector.select(Some(QUIET)).expect("select").is_empty());
    assert_elapsed("the next select", start, QUIET, QUIET + PATIENCE);
}

/// A wake before `select` makes it return at once; a thousand wakes make one return, and the
/// next `select` finds nothing from the waker.
pub fn wakes_before_select_coalesce_into_one_return<B: Backend>() {
    let mut selector = new_selector::<B, Stream, ()>();
    let waker = selector.waker().expect("waker");
    waker.wake().expect("wake");
    let start = Instant::now();
    assert!(selector.select(Some(PATIENCE)).expect("select").is_empty());
    assert!(
        start.elapsed() < PROMPT,
        "a pending wake waited {:?}",
        start.elapsed()
    );
    let clones: Vec<_> = (0..10).map(|_| waker.clone()).collect();
    for i in 0..1_000 {
        clones[i % clones.len()].wake().expect("wake");
    }
    let start = Instant::now();
    assert!(selector.select(Some(PATIENCE)).expect("select").is_empty());
    assert!(start.elapsed() < PROMPT, "{:?}", start.elapsed());
    assert!(
        selector
            .select(Some(Duration::ZERO))
            .expect("select")
            .is_empty()
    );
    let start = Instant::now();
    assert!(selector.select(Some(QUIET)).expect("select").is_empty());
    assert_elapsed(
        "after 1,000 coalesced wakes",
        start,
        QUIET,
        QUIET + PATIENCE,
    );
    // The same through the other forms.
    waker.wake().expect("wake");
    let mut buffer = Vec::new();
    assert_eq!(
        selector
            .select_into(Some(PATIENCE), &mut buffer)
            .expect("select_into"),
        0
    );
    waker.wake().expect("wake");
    let start = Instant::now();
    let count = selector
        .select_with(Some(PATIENCE), |_, _| panic!("nothing is registered"))
        .expect("select_with");
    assert_eq!(count, 0);
    assert!(start.elapsed() < PROMPT);
}

/// Ready fds and a wake in the same `select`: the ready fds are reported, the waker is not.
pub fn a_wake_with_ready_fds_reports_the_fds<B: Backend>() {
    let mut selector = new_selector::<B, Stream, ()>();
    let (a, b) = socketpair();
    let fd = a.as_raw_fd();
    selector.register(a, Events::READ, ()).expect("register");
    let waker = selector.waker().expect("waker");
    send(&b, b"x");
    waker.wake().expect("wake");
    expect_ready(&mut selector, Some(PATIENCE), &[(fd, Events::READ)]);
    expect_ready(&mut selector, Some(Duration::ZERO), &[(fd, Events::READ)]);
    assert_eq!(selector.len(), 1, "the waker is not in the map");
}

/// The waker's fd (where it has one) is not in the map, cannot be registered or unregistered,
/// and is never reported; `waker()` again hands out the same mechanism.
pub fn the_wakers_fd_is_invisible<B: Backend>(borrow: BorrowRaw) {
    let mut selector = new_selector::<Faulty<B>, BorrowedFd<'static>, ()>();
    let first = selector.waker().expect("waker");
    let adds = selector.backend().calls().add;
    let second = selector.waker().expect("waker again");
    assert_eq!(
        selector.backend().calls().add,
        adds,
        "one mechanism per selector"
    );
    assert!(selector.is_empty() && selector.get_map().is_empty());
    if let Some(fd) = selector.backend().fd_of(Token::WAKER) {
        // Windows has no `FD_CLOEXEC`; std creates the waker's sockets not inheritable
        // (`WSA_FLAG_NO_HANDLE_INHERIT`), which rustix cannot query.
        #[cfg(unix)]
        {
            let flags = rustix::io::fcntl_getfd(borrow(fd)).expect("the waker's fd is open");
            assert!(
                flags.contains(rustix::io::FdFlags::CLOEXEC),
                "close-on-exec"
            );
        }
        let err = selector.register(borrow(fd), Events::READ, ()).unwrap_err();
        assert!(
            matches!(err.error(), Error::AlreadyRegistered(got) if *got == fd),
            "{err:?}"
        );
        assert!(matches!(
            selector.unregister(fd),
            Err(Error::NotRegistered(_))
        ));
        assert!(matches!(selector.get_key(fd), Err(Error::NotRegistered(_))));
    }
    second.wake().expect("wake");
    assert!(selector.select(Some(PATIENCE)).expect("select").is_empty());
    drop(first);
}

/// A wake after the selector is dropped or closed is an error, never a write to whatever
/// took the number of the selector's fds.
pub fn a_wake_after_the_selector_is_gone_is_an_error<B: Backend>() {
    let mut selector = new_selector::<B, Stream, ()>();
    let waker = selector.waker().expect("waker");
    drop(selector);
    let err = waker.wake().expect_err("the selector is gone");
    assert_eq!(err.kind(), io::ErrorKind::NotConnected);
    let mut selector = new_selector::<B, Stream, ()>();
    let waker = selector.waker().expect("waker");
    selector.close().expect("close");
    let err = waker.wake().expect_err("the selector is closed");
    assert_eq!(err.kind(), io::ErrorKind::NotConnected);
}

/// Threads hammer the waker while the loop runs: no wake is lost (the loop never waits out
/// its timeout while wakes keep coming), no return comes without a wake (returns never
/// outnumber wakes), and once the threads stop the loop blocks again (no spin).
pub fn many_threads_of_wakes_lose_none_and_never_spin<B: Backend>(threads: usize, wakes: usize) {
    let mut selector = new_selector::<B, Stream, ()>();
    let waker = selector.waker().expect("waker");
    let sent = Arc::new(AtomicUsize::new(0));
    let start_line = Arc::new(Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (waker, sent, start_line) =
                (waker.clone(), Arc::clone(&sent), Arc::clone(&start_line));
            thread::spawn(move || {
                start_line.wait();
                for _ in 0..wakes {
                    waker.wake().expect("wake");
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    start_line.wait();
    let started = Instant::now();
    let mut returns = 0_usize;
    while handles.iter().any(|handle| !handle.is_finished()) {
        let before = Instant::now();
        assert!(selector.select(Some(PATIENCE)).expect("select").is_empty());
        returns += 1;
        assert!(
            before.elapsed() < PATIENCE || handles.iter().all(|h| h.is_finished()),
            "select waited out its timeout while wakes kept coming: a lost wake"
        );
    }
    for handle in handles {
        handle.join().expect("a waking thread");
    }
    let sent = sent.load(Ordering::Relaxed);
    assert_eq!(sent, threads * wakes);
    // A wake made after the last return is pending: one more return at most, then quiet.
    assert!(selector.select(Some(QUIET)).expect("select").is_empty());
    let quiet = Instant::now();
    assert!(selector.select(Some(QUIET)).expect("select").is_empty());
    assert_elapsed(
        "the loop after the wakes stopped",
        quiet,
        QUIET,
        QUIET + PATIENCE,
    );
    assert!(returns <= sent, "{returns} returns for {sent} wakes");
    println!(
        "waker: {threads} threads x {wakes} wakes, {returns} returns of select in {:.1?}",
        started.elapsed()
    );
}
