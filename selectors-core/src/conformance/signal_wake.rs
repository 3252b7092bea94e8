//! `Waker::wake` from a signal handler, where the mechanism allows it (one `write(2)` to an
//! eventfd or a pipe: async-signal-safe): the counting handler of the signal suite also wakes
//! the waker a case hands it, and a `select(None)` blocked in another thread returns.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::pthread::{pthread_kill, pthread_self};

use super::signals::{InstallHandler, TEST_SIGNAL, signals_caught};
use super::support::{PATIENCE, new_selector};
use crate::{Backend, Waker};

/// Wakers the handler may wake: a case sets the next slot (a `OnceLock`, set once and read
/// with an atomic load, so the handler takes no lock and allocates nothing).
static SIGNAL_WAKERS: [OnceLock<Waker>; 8] = [const { OnceLock::new() }; 8];
/// The slot the handler wakes; out of range when none.
static SIGNAL_WAKER: AtomicUsize = AtomicUsize::new(usize::MAX);
/// The next free slot.
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

/// Called by the counting handler: wakes the waker a case handed it, if any. Only
/// async-signal-safe operations: atomic loads and `Waker::wake`'s swap and `write(2)`.
pub(crate) fn wake_from_handler() {
    let slot = SIGNAL_WAKER.load(Ordering::Acquire);
    if let Some(waker) = SIGNAL_WAKERS.get(slot).and_then(OnceLock::get) {
        let _ = waker.wake();
    }
}

/// A signal whose handler calls `wake()` ends a `select(None)` blocked in another thread,
/// on backends whose waker says it is signal-safe; elsewhere (kqueue's `EVFILT_USER`:
/// `kevent(2)` is not on POSIX's list) the waker says it is not, and the case stops there.
pub fn wake_from_a_signal_handler<B: Backend + Send + 'static>(install: InstallHandler) {
    install();
    let mut selector = new_selector::<B, std::os::unix::net::UnixStream, ()>();
    let waker = selector.waker().expect("waker");
    if !waker.is_signal_safe() {
        println!(
            "{}: the waker is not signal-safe here",
            selector.backend_name()
        );
        return;
    }
    let slot = NEXT_SLOT.fetch_add(1, Ordering::Relaxed);
    assert!(
        SIGNAL_WAKERS
            .get(slot)
            .is_some_and(|cell| cell.set(waker).is_ok()),
        "no free slot for the waker"
    );
    let selecting = thread::spawn(move || {
        let start = Instant::now();
        let ready = selector.select(None).expect("select").len();
        (ready, start.elapsed())
    });
    thread::sleep(Duration::from_millis(100));
    let caught = signals_caught();
    SIGNAL_WAKER.store(slot, Ordering::Release);
    // To this thread, not the selecting one: the wake alone must end the wait.
    pthread_kill(pthread_self(), TEST_SIGNAL).expect("pthread_kill");
    let (ready, waited) = selecting.join().expect("the selecting thread");
    SIGNAL_WAKER.store(usize::MAX, Ordering::Release);
    assert!(signals_caught() > caught, "the handler ran");
    assert_eq!(ready, 0, "woken with nothing ready");
    assert!(
        waited < PATIENCE,
        "select(None) took {waited:?} after the wake"
    );
}
