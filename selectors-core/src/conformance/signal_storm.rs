//! More signals during `select` (PEP 475): an fd that becomes ready after a signal is
//! reported, and a storm of signals (one every millisecond for a second) neither ends the wait
//! early nor makes it fail. Same binary and handler as [`signals`](super::signals).

use crate::conformance::Stream;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use rustix::fd::{AsRawFd, RawFd};

use super::signals::{InstallHandler, signal_thread, signals_caught};
use super::support::{PROMPT, new_selector, socketpair};
use crate::{Backend, Events};

/// What the selecting thread saw: the `(fd, events)` reported or the error, when `select`
/// started and returned, and how many times the wait was interrupted.
struct Seen {
    result: Result<Vec<(RawFd, Events)>, String>,
    start: Instant,
    end: Instant,
    interrupts: usize,
}

/// Spawns a thread that registers `reader` for READ, counts interrupts with an interrupt
/// check, and runs `select(Some(timeout))`; returns once it is about to call `select`.
fn selecting<B: Backend + 'static>(reader: Stream, timeout: Duration) -> thread::JoinHandle<Seen> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let mut selector = new_selector::<B, Stream, ()>();
        selector
            .register(reader, Events::READ, ())
            .expect("register");
        let interrupts = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&interrupts);
        selector.set_interrupt_check(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            Ok(())
        });
        ready_tx.send(()).expect("the test thread is waiting");
        let start = Instant::now();
        let result = selector
            .select(Some(timeout))
            .map(|ready| ready.iter().map(|(key, ev)| (key.fd(), *ev)).collect())
            .map_err(|err| err.to_string());
        Seen {
            result,
            start,
            end: Instant::now(),
            interrupts: interrupts.load(Ordering::Relaxed),
        }
    });
    ready_rx
        .recv()
        .expect("the selecting thread failed before select");
    handle
}

/// A signal at about 0.3 s into `select(Some(10 s))`, then at about 0.6 s data for the
/// registered reader: the wait resumes after the signal and reports the reader, once, as
/// soon as the data arrives (not before, and well before the timeout).
pub fn signal_then_ready_fd_is_reported<B: Backend + 'static>(install: InstallHandler) {
    install();
    let (reader, mut writer) = socketpair();
    let reader_fd = reader.as_raw_fd();
    let caught = signals_caught();
    let handle = selecting::<B>(reader, Duration::from_secs(10));
    thread::sleep(Duration::from_millis(300));
    signal_thread(&handle).expect("pthread_kill");
    thread::sleep(Duration::from_millis(300));
    let written = Instant::now();
    writer.write_all(b"x").expect("write");
    let seen = handle.join().expect("the selecting thread panicked");
    assert_eq!(seen.result, Ok(vec![(reader_fd, Events::READ)]));
    assert!(
        seen.end >= written,
        "select returned before the data was sent"
    );
    let after = seen.end - written;
    assert!(after < PROMPT, "select returned {after:?} after the data");
    assert!(signals_caught() > caught, "the handler did not run");
    assert!(seen.interrupts >= 1, "the wait was never interrupted");
}

/// How long the storm lasts, and the gap between two signals.
const STORM: Duration = Duration::from_secs(1);
const STORM_GAP: Duration = Duration::from_millis(1);

/// A storm of signals, one every millisecond for a second from another thread
/// (`pthread_kill`), during `select(Some(1.2 s))` with nothing ready: `select` returns no
/// events, without error, after at least 1.2 s. Prints how many signals were sent, how many
/// the handler caught and how many waits they interrupted; returns `(sent, caught,
/// interrupts)`.
pub fn signal_storm_never_ends_select_early<B: Backend + 'static>(
    install: InstallHandler,
) -> (usize, usize, usize) {
    install();
    let timeout = Duration::from_millis(1_200);
    let (reader, _writer) = socketpair();
    let caught_before = signals_caught();
    let handle = selecting::<B>(reader, timeout);
    let mut sent = 0;
    // The handle is joined only after the storm, so its thread id stays valid for
    // `pthread_kill` even once the thread has ended (which, before 1.2 s, fails the case).
    let storm_end = Instant::now() + STORM;
    while Instant::now() < storm_end && !handle.is_finished() {
        signal_thread(&handle).expect("pthread_kill");
        sent += 1;
        thread::sleep(STORM_GAP);
    }
    let seen = handle.join().expect("the selecting thread panicked");
    let caught = signals_caught() - caught_before;
    let elapsed = seen.end - seen.start;
    println!(
        "signal storm on {}: {sent} signals sent, {caught} caught by the handler, {} waits \
         interrupted; select returned after {elapsed:?}",
        std::any::type_name::<B>(),
        seen.interrupts
    );
    assert_eq!(seen.result, Ok(vec![]), "no events and no error");
    assert!(
        elapsed >= timeout,
        "select returned early, after {elapsed:?}"
    );
    assert!(elapsed < timeout + 2 * PROMPT, "select took {elapsed:?}");
    assert!(caught >= 1, "the handler never ran");
    assert!(seen.interrupts >= 1, "the wait was never interrupted");
    (sent, caught, seen.interrupts)
}
