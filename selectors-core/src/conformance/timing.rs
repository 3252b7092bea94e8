//! Timeouts: `Some(ZERO)` polls, a positive timeout is never cut short (not by rounding, not
//! by `EINTR`), an empty selector still sleeps, and the interrupt check can end a wait
//! (CPython's `test_empty_select`, `test_timeout`, kqueue's `test_empty_select_timeout`, and
//! PEP 475's retry with the remaining time).
//!
//! Lower bounds are strict, upper bounds generous ([`PROMPT`] of slack).

use crate::conformance::Stream;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rustix::fd::AsRawFd;

use super::Faulty;
use super::support::{PROMPT, assert_elapsed, expect_ready, new_selector, socketpair};
use crate::{Backend, Error, Events};

/// Nothing registered, `select(Some(ZERO))`: no events, at once (bpo-23009).
pub fn empty_select_polls<B: Backend>() {
    let mut selector = new_selector::<B, Stream, ()>();
    let start = Instant::now();
    expect_ready(&mut selector, Some(Duration::ZERO), &[]);
    let mut buffer = Vec::new();
    assert_eq!(
        selector
            .select_into(Some(Duration::ZERO), &mut buffer)
            .expect("select_into"),
        0
    );
    assert_elapsed("an empty select(0)", start, Duration::ZERO, PROMPT);
}

/// Nothing registered, a positive timeout: no events, and not before the timeout (epoll and
/// kqueue need a buffer of at least one event for that, bpo-29255).
pub fn empty_select_sleeps_for_timeout<B: Backend>() {
    let timeout = Duration::from_millis(500);
    let mut selector = new_selector::<B, Stream, ()>();
    let start = Instant::now();
    expect_ready(&mut selector, Some(timeout), &[]);
    assert_elapsed("an empty select(0.5 s)", start, timeout, timeout + PROMPT);
}

/// CPython's `test_timeout`: a writer is reported by `select(0)` at once; a reader with nothing
/// to read gives nothing at once with `select(0)`, and nothing after at least 1 s (and well
/// under 2 s) with `select(1 s)`.
pub fn select_timeout_bounds<B: Backend>() {
    let (rd, wr) = socketpair();
    let wr_fd = wr.as_raw_fd();
    let mut selector = new_selector::<B, Stream, ()>();
    selector.register(wr, Events::WRITE, ()).expect("register");
    let start = Instant::now();
    expect_ready(
        &mut selector,
        Some(Duration::ZERO),
        &[(wr_fd, Events::WRITE)],
    );
    assert_elapsed("select(0) with a writer", start, Duration::ZERO, PROMPT);

    let mut selector = new_selector::<B, Stream, ()>();
    selector.register(rd, Events::READ, ()).expect("register");
    let start = Instant::now();
    expect_ready(&mut selector, Some(Duration::ZERO), &[]);
    assert_elapsed("select(0) with a reader", start, Duration::ZERO, PROMPT);
    let start = Instant::now();
    expect_ready(&mut selector, Some(Duration::from_secs(1)), &[]);
    let one = Duration::from_secs(1);
    assert_elapsed("select(1 s) with a reader", start, one, 2 * one);
}

/// Timeouts below or between the backend's resolution are rounded up, never down: none
/// returns before its time, and none becomes a busy poll (bpo-20311): one kernel wait covers
/// the whole timeout (two at most, should the machine be slow to wake the thread).
pub fn sub_millisecond_timeout_never_returns_early<B: Backend>() {
    let (rd, _wr) = socketpair();
    let mut selector = new_selector::<Faulty<B>, Stream, ()>();
    selector.register(rd, Events::READ, ()).expect("register");
    let timeouts = [
        Duration::from_nanos(1),
        Duration::from_micros(300),
        Duration::from_nanos(999_999),
        Duration::from_nanos(1_000_001),
        Duration::from_micros(1_500),
        Duration::from_micros(10_100),
    ];
    for _ in 0..3 {
        for timeout in timeouts {
            let waits = selector.backend().calls().wait;
            let start = Instant::now();
            expect_ready(&mut selector, Some(timeout), &[]);
            assert_elapsed(
                &format!("select({timeout:?})"),
                start,
                timeout,
                timeout + PROMPT,
            );
            let waits = selector.backend().calls().wait - waits;
            assert!(
                waits <= 2,
                "select({timeout:?}) took {waits} kernel waits: rounded down?"
            );
        }
    }
}

/// PEP 475 with a simulated signal: each interrupted wait is retried with the time left until
/// the deadline (decreasing, never the full timeout again), the total is never short, and
/// `None` stays `None`. An interrupted `select(Some(ZERO))` returns no events, as CPython's
/// does once the deadline has passed.
pub fn interrupted_select_resumes_with_remaining_time<B: Backend>() {
    let (rd, wr) = socketpair();
    let wr_fd = wr.as_raw_fd();
    let timeout = Duration::from_millis(400);
    let slice = Duration::from_millis(100);
    let mut selector = new_selector::<Faulty<B>, Stream, ()>();
    selector.register(rd, Events::READ, ()).expect("register");
    selector.backend().interrupt_next_waits(2, slice);
    let start = Instant::now();
    expect_ready(&mut selector, Some(timeout), &[]);
    assert_elapsed(
        "an interrupted select(0.4 s)",
        start,
        timeout,
        timeout + PROMPT,
    );
    let timeouts = selector.backend().take_wait_timeouts();
    assert!(
        timeouts.len() >= 3,
        "two interruptions, then the rest: {timeouts:?}"
    );
    assert_eq!(timeouts[0], Some(timeout));
    for pair in timeouts.windows(2) {
        let (before, after) = (pair[0].expect("a timeout"), pair[1].expect("a timeout"));
        assert!(
            after < before && !after.is_zero(),
            "retried with {timeouts:?}"
        );
    }
    assert!(
        timeouts[1].expect("a timeout") <= timeout - slice,
        "{timeouts:?}"
    );

    let mut selector = new_selector::<Faulty<B>, Stream, ()>();
    selector.register(wr, Events::WRITE, ()).expect("register");
    selector.backend().interrupt_next_waits(1, slice);
    expect_ready(&mut selector, None, &[(wr_fd, Events::WRITE)]);
    assert_eq!(selector.backend().take_wait_timeouts(), [None, None]);

    selector.backend().interrupt_next_waits(1, slice);
    expect_ready(&mut selector, Some(Duration::ZERO), &[]);
    assert_eq!(
        selector.backend().take_wait_timeouts(),
        [Some(Duration::ZERO)]
    );
}

/// The interrupt check runs on every `EINTR`: returning `Ok` resumes the wait, returning an
/// error ends `select` with that error at once.
pub fn interrupt_check_can_end_select<B: Backend>() {
    let (rd, _wr) = socketpair();
    let slice = Duration::from_millis(100);
    let mut selector = new_selector::<Faulty<B>, Stream, ()>();
    selector.register(rd, Events::READ, ()).expect("register");

    let checks = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&checks);
    selector.set_interrupt_check(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(())
    });
    selector
        .backend()
        .interrupt_next_waits(2, Duration::from_millis(10));
    let timeout = Duration::from_millis(100);
    let start = Instant::now();
    expect_ready(&mut selector, Some(timeout), &[]);
    assert_elapsed("select with an Ok check", start, timeout, timeout + PROMPT);
    assert_eq!(
        checks.load(Ordering::Relaxed),
        2,
        "the check runs once per EINTR"
    );

    selector.set_interrupt_check(|| Err(io::Error::other("stop waiting")));
    selector.backend().interrupt_next_waits(1, slice);
    let waits = selector.backend().calls().wait;
    let start = Instant::now();
    let err = match selector.select(Some(Duration::from_secs(30))) {
        Err(err) => err,
        Ok(ready) => panic!(
            "select returned {} events, not the check's error",
            ready.len()
        ),
    };
    assert_elapsed("select ended by the check", start, slice, slice + PROMPT);
    assert!(
        matches!(&err, Error::Os(e) if e.kind() == io::ErrorKind::Other && e.to_string() == "stop waiting"),
        "got {err:?}"
    );
    assert_eq!(
        selector.backend().calls().wait,
        waits + 1,
        "no wait after the error"
    );

    selector.clear_interrupt_check();
    selector
        .backend()
        .interrupt_next_waits(1, Duration::from_millis(10));
    expect_ready(&mut selector, Some(timeout), &[]);
}
