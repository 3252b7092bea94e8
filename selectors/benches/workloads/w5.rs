//! W5, wake-to-return latency: a thread blocks in a loop's wait (no timeout, nothing
//! registered but the waker); the measuring thread wakes it through the loop's waker and
//! times how long until that wait has returned to its caller. Many rounds; the runner shows
//! the median and the 99th percentile.
//!
//! Each round, on the measuring thread: spin until [`GAP`] after the previous return was
//! seen, so the loop thread is asleep in its wait again; read the monotonic clock (`t0`); call
//! the waker; spin until the loop thread has published its return. The loop thread reads the
//! same clock as soon as its wait returns (`t1`), then publishes it and bumps a counter. A
//! round's time is `t1 - t0`, from the start of the wake call to the return of the wait: both
//! halves of what a waker costs, and nothing else. The round trip the measuring thread could
//! time instead (until it sees the counter move) adds the hand-off of that counter's cache
//! line back to its core (about 0.1 µs), and on a busy machine any time the measuring thread
//! itself spends preempted; neither is the loop's.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::Duration;

use rustix::time::{ClockId, clock_gettime};

/// How long the measuring thread waits between a return and the next wake: long enough for the
/// loop thread to be asleep in its wait again (it is back within a few microseconds), so each
/// round wakes a blocked wait rather than one that has not started; short, because on a
/// virtual machine a vCPU idle for longer is descheduled by the host and every
/// implementation's wake-up then costs several times more, drowning their differences.
pub(crate) const GAP: Duration = Duration::from_micros(50);

/// Rounds run and discarded before each sample (thread start-up, first faults).
const WARM_UP: usize = 32;

/// A loop whose wait blocks until its waker is called, and that waker.
pub(crate) trait WakeLoop: Sized {
    /// What other threads wake the loop with.
    type Waker: Send + 'static;

    /// A loop and its waker, ready for the first wait.
    fn new() -> (Self, Self::Waker);

    /// One blocking wait (no timeout) until woken.
    fn wait(&mut self);

    /// Ends the wait that is blocked now, or the next one.
    fn wake(waker: &Self::Waker);
}

/// A W5 implementation family: its row name, its floor's and its loop.
pub(crate) trait WakeImp: 'static {
    const NAME: &'static str;
    const FLOOR: &'static str;
    type Loop: WakeLoop;
}

/// The monotonic clock in nanoseconds: one clock for both threads (`CLOCK_MONOTONIC` is
/// the same on every core).
#[inline]
fn now() -> u64 {
    let t = clock_gettime(ClockId::Monotonic);
    t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64
}

/// What the loop thread publishes after each return.
#[derive(Debug, Default)]
struct Shared {
    /// When the last wait returned (`now()`), written before `returns` is bumped.
    returned_at: AtomicU64,
    /// Waits returned so far.
    returns: AtomicU64,
    /// Set before the last wake: the loop thread then exits.
    stop: AtomicBool,
}

/// Spins until `deadline` (`now()`), keeping the measuring core awake for the next wake.
#[inline]
fn spin_until(deadline: u64) {
    while now() < deadline {
        std::hint::spin_loop();
    }
}

/// Runs `count` timed rounds of `I`'s loop (after the warm-up) on a fresh loop thread; returns
/// each one's wake-to-return time in nanoseconds.
pub(crate) fn rounds<I: WakeImp>(count: usize) -> Vec<u64> {
    let shared = Arc::new(Shared::default());
    let (send_waker, waker) = mpsc::channel();
    let loop_thread = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            let (mut event_loop, waker) = I::Loop::new();
            send_waker.send(waker).expect("hand the waker over");
            loop {
                event_loop.wait();
                let returned_at = now();
                if shared.stop.load(Ordering::Acquire) {
                    return;
                }
                shared.returned_at.store(returned_at, Ordering::Relaxed);
                shared.returns.fetch_add(1, Ordering::Release);
            }
        })
    };
    let waker = waker.recv().expect("the loop thread's waker");
    let gap = GAP.as_nanos() as u64;
    let mut seen_at = now();
    let mut results = Vec::with_capacity(count);
    for round in 0..WARM_UP + count {
        spin_until(seen_at + gap);
        let before = shared.returns.load(Ordering::Acquire);
        let woken_at = now();
        I::Loop::wake(&waker);
        while shared.returns.load(Ordering::Acquire) == before {
            std::hint::spin_loop();
        }
        seen_at = now();
        let returned_at = shared.returned_at.load(Ordering::Relaxed);
        if round >= WARM_UP {
            results.push(returned_at.saturating_sub(woken_at));
        }
    }
    shared.stop.store(true, Ordering::Release);
    I::Loop::wake(&waker);
    loop_thread.join().expect("the loop thread");
    results
}

/// One sample for the runner: each round's wake-to-return time in µs.
pub(crate) fn sample<I: WakeImp>(count: usize) -> Vec<f64> {
    rounds::<I>(count)
        .into_iter()
        .map(|nanos| nanos as f64 / 1e3)
        .collect()
}

/// The summed wake-to-return times of `iters` rounds, for criterion's `iter_custom`.
pub(crate) fn wakes<I: WakeImp>(iters: u64) -> Duration {
    let count = usize::try_from(iters).unwrap_or(usize::MAX);
    Duration::from_nanos(rounds::<I>(count).into_iter().sum())
}
