//! Core's own rules, over a scripted in-memory backend (`fake`): validation order, rollback,
//! modify and unregister rules, the EINTR/deadline loop, the interrupt check, clamped waits
//! and result masking.

mod fake;

use std::io;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fake::*;
use selectors_core::{AsFd, AsRawFd, BorrowedFd, Error, Events};

#[test]
fn register_checks_events_then_fd_then_duplicate() {
    let registered: &'static Handle = Box::leak(Box::new(open()));
    let (mut selector, script) = selector::<BorrowedFd<'static>, u32>();
    let fd = registered.as_raw_fd();
    selector
        .register(registered.as_fd(), R, 1)
        .expect("register");
    assert_eq!(calls(&script), [Call::Add(fd, R)]);
    let mut cases = vec![(
        registered.as_fd(),
        Events::from_bits_retain(0x83),
        "InvalidEvents",
    )];
    // A negative fd is not open; on Windows no `BorrowedSocket` can hold `INVALID_SOCKET`
    // (std's niche), so `register` cannot be given an invalid socket there.
    #[cfg(unix)]
    {
        // SAFETY: -10 is not the niche value -1, and the selector refuses a negative fd
        // before it could reach any system call (the fake backend makes none anyway).
        let negative = unsafe { BorrowedFd::borrow_raw(-10) };
        cases.extend([
            (negative, Events::empty(), "InvalidEvents"),
            (negative, Events::from_bits_retain(4), "InvalidEvents"),
            (negative, W, "InvalidFd"),
        ]);
    }
    cases.push((registered.as_fd(), W, "AlreadyRegistered"));
    for (target, events, expected) in cases {
        let err = selector.register(target, events, 2).unwrap_err();
        assert_eq!(
            error_name(err.error()),
            expected,
            "{events:?} for {target:?}"
        );
        assert_eq!(err.fileobj().as_raw_fd(), target.as_raw_fd());
        assert_eq!(calls(&script), [], "a refused register reached the backend");
        assert_eq!(selector.len(), 1);
        assert_eq!(*selector.get_key(fd).expect("get_key").data(), 1);
    }
}

#[test]
fn register_failure_changes_nothing_and_returns_the_file_object() {
    let (mut selector, script): (Selector, _) = selector();
    let a = file();
    script.borrow_mut().fail_add = Some(ENOSPC);
    let err = selector.register(Rc::clone(&a), RW, 5).unwrap_err();
    assert_eq!(err.error().raw_os_error(), Some(ENOSPC));
    let (_, fileobj, data) = err.into_parts();
    assert!(
        Rc::ptr_eq(&fileobj, &a) && data == 5,
        "the file object and data come back"
    );
    assert!(selector.is_empty() && selector.get_key(fd(&a)).is_err());
    assert_eq!(
        calls(&script),
        [Call::Add(fd(&a), RW)],
        "no rollback call needed"
    );
    selector.register(fileobj, RW, 5).expect("register again");
    assert_eq!(selector.len(), 1);
}

#[test]
fn modify_failure_deletes_from_backend_and_map_and_hands_the_key_back() {
    let (mut selector, script): (Selector, _) = selector();
    let a = file();
    selector.register(Rc::clone(&a), R, 1).expect("register");
    calls(&script);
    script.borrow_mut().fail_modify = Some(EBADF);
    let err = selector.modify(fd(&a), W, 2).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(EBADF));
    assert_eq!(
        calls(&script),
        [Call::Modify(fd(&a), R, W), Call::Delete(fd(&a), R)]
    );
    assert!(selector.is_empty());
    let (error, key) = err.into_parts();
    assert!(matches!(error, Error::Os(_)));
    let key = key.expect("the removed key comes back");
    assert_eq!((key.fd(), key.events(), *key.data()), (fd(&a), R, 1));
    assert!(
        Rc::ptr_eq(key.fileobj(), &a),
        "with its file object, not closed"
    );
    drop(key);
    assert_eq!(
        Rc::strong_count(&a),
        1,
        "the caller now holds the only copy"
    );
}

#[test]
fn modify_events_keeps_the_data_and_get_mut_lends_both() {
    let (mut selector, script): (Selector, _) = selector();
    let a = file();
    selector.register(Rc::clone(&a), R, 7).expect("register");
    calls(&script);
    let key = selector.modify_events(fd(&a), W).expect("modify_events");
    assert_eq!((key.events(), *key.data()), (W, 7));
    assert_eq!(calls(&script), [Call::Modify(fd(&a), R, W)]);
    selector.modify_events(fd(&a), W).expect("same events");
    assert_eq!(calls(&script), [], "unchanged events make no backend call");
    let err = selector.modify_events(fd(&a), Events::empty()).unwrap_err();
    assert_eq!(error_name(err.error()), "InvalidEvents");
    assert!(err.unregistered().is_none());
    let (fileobj, data) = selector.get_mut(fd(&a)).expect("get_mut");
    assert!(Rc::ptr_eq(fileobj, &a));
    *data += 1;
    assert_eq!(*selector.get_key(fd(&a)).expect("get_key").data(), 8);
    assert!(matches!(
        selector.get_mut(999),
        Err(Error::NotRegistered(999))
    ));
    assert!(matches!(
        selector.get_mut(INVALID),
        Err(Error::InvalidFd(INVALID))
    ));
    assert_eq!(calls(&script), []);
}

#[test]
fn modify_validates_first_and_calls_backend_only_for_new_events() {
    let (mut selector, script): (Selector, _) = selector();
    let a = file();
    selector.register(Rc::clone(&a), R, 1).expect("register");
    calls(&script);
    let refused = [
        (fd(&a), Events::empty(), "InvalidEvents"),
        (999, Events::from_bits_retain(4), "InvalidEvents"),
        (INVALID, Events::empty(), "InvalidEvents"),
        (999, W, "NotRegistered"),
        (INVALID, W, "InvalidFd"),
    ];
    for (target, events, expected) in refused {
        let err = selector.modify(target, events, 9).unwrap_err();
        assert_eq!(
            error_name(err.error()),
            expected,
            "modify({target}, {events:?})"
        );
    }
    selector.modify(fd(&a), R, 2).expect("new data");
    selector.modify(fd(&a), R, 2).expect("nothing new");
    *selector.data_mut(fd(&a)).expect("data_mut") += 1;
    assert_eq!(calls(&script), [], "no backend call without new events");
    let key = selector.modify(&*a, RW, 4).expect("new events");
    assert_eq!((key.events(), *key.data()), (RW, 4));
    assert_eq!(calls(&script), [Call::Modify(fd(&a), R, RW)]);
}

#[test]
fn unregister_ignores_delete_errors() {
    let (mut selector, script): (Selector, _) = selector();
    let a = file();
    selector.register(Rc::clone(&a), W, 1).expect("register");
    script.borrow_mut().fail_delete = Some(EBADF);
    let key = selector.unregister(&*a).expect("unregister");
    assert_eq!((key.fd(), key.events(), *key.data()), (fd(&a), W, 1));
    assert!(selector.is_empty());
    assert_eq!(calls(&script).last(), Some(&Call::Delete(fd(&a), W)));
    assert!(matches!(
        selector.unregister(&*a),
        Err(Error::NotRegistered(_))
    ));
    assert_eq!(calls(&script), []);
}

#[test]
fn eintr_retries_with_the_remaining_time_until_the_deadline() {
    let (mut selector, script): (Selector, _) = selector();
    let slice = Duration::from_millis(10);
    waits(&script, (0..3).map(|_| Step::Interrupted(slice)));
    let timeout = Duration::from_millis(60);
    let start = Instant::now();
    assert!(selector.select(Some(timeout)).expect("select").is_empty());
    assert!(
        start.elapsed() >= timeout,
        "returned early: {:?}",
        start.elapsed()
    );
    let timeouts = timeouts(&calls(&script));
    assert_eq!(timeouts.len(), 4, "{timeouts:?}");
    assert_eq!(
        timeouts[0],
        Some(timeout),
        "the first wait gets the timeout as given"
    );
    for (i, pair) in timeouts.windows(2).enumerate() {
        let (before, after) = (pair[0].expect("timeout"), pair[1].expect("timeout"));
        assert!(after + slice <= before, "wait {i}: {timeouts:?}");
    }
}

#[test]
fn eintr_past_the_deadline_returns_no_events() {
    let (mut selector, script): (Selector, _) = selector();
    let a = file();
    selector.register(Rc::clone(&a), R, 1).expect("register");
    waits(&script, [Step::Interrupted(Duration::from_millis(30))]);
    assert!(
        selector
            .select(Some(Duration::from_millis(10)))
            .expect("select")
            .is_empty()
    );
    assert_eq!(
        timeouts(&calls(&script)).len(),
        1,
        "no wait after the deadline"
    );
    // Polling (`Some(ZERO)`) is not retried either: the report stays for the next select.
    waits(&script, [Step::Interrupted(Duration::ZERO)]);
    waits(&script, [Step::Report(vec![(fd(&a), R)])]);
    assert!(
        selector
            .select(Some(Duration::ZERO))
            .expect("select")
            .is_empty()
    );
    assert_eq!(calls(&script), [Call::Wait(Some(Duration::ZERO))]);
    assert_eq!(selector.select(None).expect("select").len(), 1);
}

#[test]
fn eintr_without_timeout_retries_with_none_and_runs_the_check() {
    let (mut selector, script): (Selector, _) = selector();
    let a = file();
    selector.register(Rc::clone(&a), R, 1).expect("register");
    let checks = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&checks);
    selector.set_interrupt_check(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(())
    });
    waits(&script, (0..3).map(|_| Step::Interrupted(Duration::ZERO)));
    waits(&script, [Step::Report(vec![(fd(&a), R)])]);
    let ready = selector.select(None).expect("select");
    assert_eq!(ready.len(), 1);
    assert_eq!(timeouts(&calls(&script)), [None; 4]);
    assert_eq!(
        checks.load(Ordering::Relaxed),
        3,
        "the check runs once per EINTR"
    );
}

#[test]
fn interrupt_check_error_ends_select_at_once() {
    let (mut selector, script): (Selector, _) = selector();
    let a = file();
    selector.register(Rc::clone(&a), R, 1).expect("register");
    selector.set_interrupt_check(|| Err(io::Error::new(io::ErrorKind::TimedOut, "a signal")));
    waits(&script, [Step::Interrupted(Duration::ZERO)]);
    waits(&script, [Step::Report(vec![(fd(&a), R)])]);
    let err = selector.select(None).unwrap_err();
    match err {
        Error::Os(err) => {
            assert_eq!(err.kind(), io::ErrorKind::TimedOut);
            assert_eq!(err.to_string(), "a signal");
        }
        other => panic!("got {other:?}"),
    }
    assert_eq!(
        timeouts(&calls(&script)).len(),
        1,
        "no wait after the check's error"
    );
}

#[test]
fn wait_errors_keep_their_errno() {
    let (mut selector, script): (Selector, _) = selector();
    waits(&script, [Step::Fail(EBADF)]);
    let err = selector.select(None).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(EBADF));
    assert_eq!(calls(&script).len(), 1);
}

#[test]
fn a_clamped_wait_waits_again_until_the_deadline() {
    let (mut selector, script): (Selector, _) = selector();
    waits(&script, (0..3).map(|_| Step::Nothing));
    let timeout = Duration::from_millis(40);
    let start = Instant::now();
    assert!(selector.select(Some(timeout)).expect("select").is_empty());
    assert!(
        start.elapsed() >= timeout,
        "returned early: {:?}",
        start.elapsed()
    );
    let given = timeouts(&calls(&script));
    assert_eq!(
        given.len(),
        4,
        "three early returns, then the rest: {given:?}"
    );
    assert!(
        given
            .iter()
            .all(|t| t.is_some_and(|t| t <= timeout && !t.is_zero()))
    );
    // Blocking: an early return with nothing waits again, still blocking.
    let a = file();
    selector.register(Rc::clone(&a), R, 1).expect("register");
    calls(&script);
    waits(&script, [Step::Nothing, Step::Report(vec![(fd(&a), R)])]);
    assert_eq!(selector.select(None).expect("select").len(), 1);
    assert_eq!(timeouts(&calls(&script)), [None, None]);
}
