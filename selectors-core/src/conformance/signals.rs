//! Signals during `select` (PEP 475; CPython's `test_select_interrupt_noraise` and
//! `test_select_interrupt_exc`): a real signal, delivered with `pthread_kill` to the
//! selecting thread, whose handler is installed without `SA_RESTART`.
//!
//! Signal dispositions are process-wide, so these cases run in a test binary of their own
//! ([`signal_suite!`](crate::signal_suite)), which installs the handler.

use crate::conformance::Stream;
use std::ffi::c_int;
use std::io;
use std::os::unix::thread::JoinHandleExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::pthread::pthread_kill;
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal};

use super::support::{PROMPT, new_selector, socketpair};
use crate::{Backend, Error, Events};

/// The signal the cases send: `SIGALRM`, as CPython's tests use.
pub const TEST_SIGNAL: Signal = Signal::SIGALRM;

/// Installs [`counting_sigaction`] for [`TEST_SIGNAL`]; supplied by
/// [`signal_suite!`](crate::signal_suite), since installing a handler is `unsafe`.
pub type InstallHandler = fn();

static CAUGHT: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count_signal(_signal: c_int) {
    // Only an atomic increment and, when a case asked for it, a wake: async-signal-safe.
    CAUGHT.fetch_add(1, Ordering::Relaxed);
    super::signal_wake::wake_from_handler();
}

/// A handler that counts the signals it catches (and wakes a waker a case handed it), installed **without** `SA_RESTART`, so a
/// blocked `select` fails with `EINTR`.
pub fn counting_sigaction() -> SigAction {
    SigAction::new(
        SigHandler::Handler(count_signal),
        SaFlags::empty(),
        SigSet::empty(),
    )
}

/// How many signals the counting handler has caught in this process.
pub fn signals_caught() -> usize {
    CAUGHT.load(Ordering::Relaxed)
}

/// What a selecting thread saw: the number of events or the error, when `select` started and
/// when it returned.
type Outcome = (Result<usize, String>, Instant, Instant);

/// Spawns a thread that registers a reader with nothing to read and runs
/// `select(Some(timeout))`, with `check` as its interrupt check if given; returns once the
/// thread is about to call `select`.
fn selecting_thread<B: Backend + 'static>(
    timeout: Duration,
    check: Option<Box<dyn FnMut() -> io::Result<()> + Send>>,
) -> thread::JoinHandle<Outcome> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let (rd, _wr) = socketpair();
        let mut selector = new_selector::<B, Stream, ()>();
        selector.register(rd, Events::READ, ()).expect("register");
        if let Some(check) = check {
            selector.set_interrupt_check(check);
        }
        ready_tx.send(()).expect("the test thread is waiting");
        let start = Instant::now();
        let result = selector.select(Some(timeout));
        let end = Instant::now();
        let result = result.map(|ready| ready.len()).map_err(|err| match err {
            Error::Os(err) => format!("{:?}: {err}", err.kind()),
            other => other.to_string(),
        });
        (result, start, end)
    });
    ready_rx
        .recv()
        .expect("the selecting thread failed before select");
    handle
}

/// Sends [`TEST_SIGNAL`] to the thread behind `handle`.
pub(super) fn signal_thread<T>(handle: &thread::JoinHandle<T>) -> nix::Result<()> {
    // `as _`: std's and nix's `pthread_t` are the same C type from two libc crates.
    pthread_kill(handle.as_pthread_t() as _, TEST_SIGNAL)
}

/// A signal at about 0.5 s into `select(Some(1.5 s))` does not end it early: the wait
/// resumes with the remaining time and returns no events after at least 1.5 s (and before
/// 2.5 s). Two threads at once: one without an interrupt check, one whose check returns `Ok`
/// and counts, which proves the wait really was interrupted.
pub fn signal_during_select_resumes<B: Backend + 'static>(install: InstallHandler) {
    install();
    let timeout = Duration::from_millis(1_500);
    let caught = signals_caught();
    let checks = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&checks);
    let plain = selecting_thread::<B>(timeout, None);
    let checked = selecting_thread::<B>(
        timeout,
        Some(Box::new(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })),
    );
    thread::sleep(Duration::from_millis(500));
    signal_thread(&plain).expect("pthread_kill");
    signal_thread(&checked).expect("pthread_kill");
    for (name, handle) in [("without a check", plain), ("with an Ok check", checked)] {
        let (result, start, end) = handle.join().expect("the selecting thread panicked");
        let elapsed = end - start;
        assert_eq!(result, Ok(0), "select {name}: no events");
        assert!(
            elapsed >= timeout,
            "select {name} returned early, after {elapsed:?}"
        );
        assert!(elapsed < timeout + PROMPT, "select {name} took {elapsed:?}");
    }
    assert!(signals_caught() >= caught + 2, "the handler did not run");
    assert!(
        checks.load(Ordering::Relaxed) >= 1,
        "the wait was never interrupted"
    );
}

/// A signal during `select(Some(10 s))` whose interrupt check returns an error: `select`
/// returns that error promptly (CPython: the handler's exception propagates).
pub fn signal_with_failing_check_ends_select<B: Backend + 'static>(install: InstallHandler) {
    install();
    let delay = Duration::from_millis(500);
    let handle = selecting_thread::<B>(
        Duration::from_secs(10),
        Some(Box::new(|| Err(io::Error::other("stopped by a signal")))),
    );
    thread::sleep(delay);
    let signalled = Instant::now();
    signal_thread(&handle).expect("pthread_kill");
    // Should the first signal land between two system calls, the next one ends the wait.
    let deadline = Instant::now() + PROMPT;
    while !handle.is_finished() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(100));
        let _ = signal_thread(&handle);
    }
    let (result, start, end) = handle.join().expect("the selecting thread panicked");
    assert_eq!(result, Err("Other: stopped by a signal".to_owned()));
    assert!(start < signalled, "the signal came before select started");
    assert!(end >= signalled, "select ended before the signal");
    let after = end - signalled;
    assert!(after < PROMPT, "select ended {after:?} after the signal");
}
