//! W3, idle scan: N fds registered for read, exactly one of them readable (one byte sent on
//! channel 0 and never read); the time of one zero-timeout wait, which reports that one fd.
//!
//! For select and poll the kernel scans all N; for epoll it reports its ready list, so the
//! cost should not grow with N. An edge-triggered loop (mio as it is) reports the fd once and
//! then nothing: it times an empty `epoll_wait`, skipping the re-check level semantics need.

use std::hint::black_box;
use std::time::{Duration, Instant};

use super::{Budget, Channels, EventLoop, Imp, Interest, Timer};

/// Waits in the warm-up, which also sizes the timed batches (about 1 ms each).
const WARM_UP: u32 = 64;

/// A loop with every channel registered and channel 0 readable.
#[derive(Debug)]
pub(crate) struct Bench<'fd, L> {
    channels: &'fd Channels,
    event_loop: L,
}

impl<'fd, L: EventLoop<'fd>> Bench<'fd, L> {
    pub(crate) fn new(channels: &'fd Channels) -> Self {
        let mut event_loop = L::new(channels.len());
        for i in 0..channels.len() {
            event_loop.register(channels.reader(i), i as u32, Interest::Read);
        }
        channels.send(0);
        Bench {
            channels,
            event_loop,
        }
    }

    /// `waits` zero-timeout waits, timed as a whole.
    pub(crate) fn waits(&mut self, waits: u32) -> Duration {
        let mut reported = 0_usize;
        let timer = Timer::start();
        for _ in 0..waits {
            reported += self.event_loop.poll(Some(Duration::ZERO), |token| {
                black_box(token);
            });
        }
        let elapsed = timer.elapsed();
        if !L::EDGE {
            assert_eq!(
                reported, waits as usize,
                "each wait reports the one ready fd"
            );
        }
        elapsed
    }
}

impl<'fd, L> Drop for Bench<'fd, L> {
    fn drop(&mut self) {
        self.channels.recv(0);
    }
}

/// One sample for the runner: nanoseconds per wait, one value per batch of about 1 ms.
pub(crate) fn sample<I: Imp>(channels: &Channels, budget: &Budget) -> Vec<f64> {
    let mut bench = Bench::<I::Loop<'_>>::new(channels);
    let warm_up = bench.waits(WARM_UP);
    let per_wait = warm_up.as_secs_f64() / f64::from(WARM_UP);
    let batch = ((1e-3 / per_wait) as u32).clamp(1, 100_000);
    let mut batches = Vec::new();
    let start = Instant::now();
    while !budget.done(start, batches.len()) {
        let elapsed = bench.waits(batch);
        batches.push(elapsed.as_secs_f64() * 1e9 / f64::from(batch));
    }
    batches
}

/// `iters` waits for criterion's `iter_custom`.
pub(crate) fn waits<I: Imp>(channels: &Channels, iters: u64) -> Duration {
    let mut bench = Bench::<I::Loop<'_>>::new(channels);
    bench.waits(u32::try_from(iters).unwrap_or(u32::MAX))
}
