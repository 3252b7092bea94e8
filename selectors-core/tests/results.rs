//! Core's rules on results and lifetime, over the scripted backend (`fake`): results masked
//! by the key's events and unknown tokens dropped, the timeout rounded once, `close`.

// Shared with rules.rs, which uses all of it.
#[allow(dead_code)]
mod fake;

use std::rc::Rc;
use std::time::{Duration, Instant};

use fake::*;

#[test]
fn results_are_masked_and_unknown_fds_dropped() {
    let (mut selector, script): (Selector, _) = selector();
    let (a, b, c) = (file(), file(), file());
    selector.register(Rc::clone(&a), R, 1).expect("register");
    selector.register(Rc::clone(&b), W, 2).expect("register");
    selector.register(Rc::clone(&c), RW, 3).expect("register");
    let report = vec![
        (fd(&a), RW),
        (fd(&b), R),
        (fd(&c), W),
        (99_999, RW),
        (INVALID, R),
    ];
    waits(&script, [Step::Report(report.clone())]);
    let mut ready: Vec<_> = selector
        .select(None)
        .expect("select")
        .into_iter()
        .map(|(key, events)| (*key.data(), events))
        .collect();
    ready.sort_unstable();
    assert_eq!(
        ready,
        [(1, R), (3, W)],
        "masked by the key; empty and unknown dropped"
    );
    waits(&script, [Step::Report(report)]);
    let mut buffer = vec![(0, R); 5];
    assert_eq!(
        selector
            .select_into(None, &mut buffer)
            .expect("select_into"),
        2
    );
    assert_eq!(buffer.len(), 2);
    // A wait that reported only registrations the map does not hold has nothing for the
    // caller: the backend rebuilds its registrations from the map once, and the wait goes on
    // for the rest of the timeout instead of returning at once (a busy loop in the caller).
    waits(&script, [Step::Report(vec![(99_999, R), (fd(&b), R)])]);
    calls(&script);
    let timeout = Duration::from_millis(50);
    let start = Instant::now();
    assert!(selector.select(Some(timeout)).expect("select").is_empty());
    assert!(
        start.elapsed() >= timeout,
        "returned early: {:?}",
        start.elapsed()
    );
    let mut live = vec![fd(&a), fd(&b), fd(&c)];
    live.sort_unstable();
    let calls = calls(&script);
    assert_eq!(calls[..2], [Call::Wait(Some(timeout)), Call::Rebuild(live)]);
    assert!(
        calls[2..]
            .iter()
            .all(|call| matches!(call, Call::Wait(Some(_)))),
        "{calls:?}"
    );
}

#[test]
fn the_backend_gets_the_timeout_unrounded_and_rounding_happens_once() {
    use selectors_core::timeout::{ceil_millis, timespec_micros};
    let (mut selector, script): (Selector, _) = selector();
    let timeout = Duration::from_nanos(9_000_001);
    waits(&script, [Step::Nothing]);
    selector.select(Some(timeout)).expect("select");
    assert_eq!(timeouts(&calls(&script))[0], Some(timeout));
    // CPython's epoll measured 10, 14 and 68 ms for these (double rounding); one integer
    // ceiling gives the exact values, and rounds anything above up.
    for ms in [9, 13, 67] {
        assert_eq!(ceil_millis(Some(Duration::from_millis(ms))), ms as i32);
        assert_eq!(
            ceil_millis(Some(Duration::from_millis(ms) + Duration::from_nanos(1))),
            ms as i32 + 1
        );
    }
    // CPython's select measured 67 001 µs for 0.067 s (a float artefact).
    let ts = timespec_micros(Some(Duration::from_millis(67))).expect("timespec");
    assert_eq!((ts.tv_sec, ts.tv_nsec), (0, 67_000_000));
}

#[test]
fn close_closes_the_backend_and_drops_file_objects() {
    let (mut selector, script): (Selector, _) = selector();
    let a = file();
    selector.register(Rc::clone(&a), R, 1).expect("register");
    calls(&script);
    selector.close().expect("close");
    assert_eq!(calls(&script), [Call::Close]);
    assert_eq!(Rc::strong_count(&a), 1);
}
