//! W1, libevent's `test/bench.c`: N channels registered for read, [`ACTIVE`] of them fired,
//! and a chain of [`WRITES`] one-byte writes propagated by the read handlers; the time of one
//! round, dispatched by zero-timeout waits (`EVLOOP_ONCE | EVLOOP_NONBLOCK`).
//!
//! One round, as in `bench.c`: (untimed) send one byte on `ACTIVE` channels spaced evenly; then
//! (timed) wait and dispatch until every byte sent has been read. Each handler reads one byte
//! from its channel and, while writes are left, sends one byte on the next channel (index + 1,
//! wrapping). So a round times `ACTIVE + WRITES` readiness events with `N - ACTIVE` idle
//! registrations. Registration is untimed; channels are registered once per sample.

use std::hint::black_box;
use std::time::{Duration, Instant};

use super::{Budget, Channels, EventLoop, Imp, Interest, Timer};

/// Channels fired at the start of a round (`bench.c -a`).
pub(crate) const ACTIVE: usize = 100;
/// Chained writes per round (`bench.c -w`).
pub(crate) const WRITES: usize = 1000;

/// The state of a round: bytes sent and read, chained writes left.
#[derive(Debug)]
struct Chain {
    fired: usize,
    writes: usize,
    count: usize,
}

/// The read handler: reads one byte from channel `i` and, while writes are left, sends one
/// on the next channel.
///
/// Out of line, as an application's handler would be, and so the same for every loop: on
/// this machine each function return right after a system call costs a mispredict (over
/// 0.1 µs), so whether the compiler happened to inline a closure through a loop's dispatch
/// layers would otherwise decide W1, which does two system calls per event.
#[inline(never)]
fn handle(channels: &Channels, i: usize, chain: &mut Chain) {
    channels.recv(i);
    chain.count += 1;
    if chain.writes > 0 {
        channels.send((i + 1) % channels.len());
        chain.writes -= 1;
        chain.fired += 1;
    }
}

/// A loop with every channel of `channels` registered for read.
#[derive(Debug)]
pub(crate) struct Bench<'fd, L> {
    channels: &'fd Channels,
    event_loop: L,
}

impl<'fd, L: EventLoop<'fd>> Bench<'fd, L> {
    pub(crate) fn new(channels: &'fd Channels) -> Self {
        assert!(
            !L::EDGE,
            "W1 reads one byte per event: it needs level semantics"
        );
        let mut event_loop = L::new(channels.len());
        for i in 0..channels.len() {
            event_loop.register(channels.reader(i), i as u32, Interest::Read);
        }
        Bench {
            channels,
            event_loop,
        }
    }

    /// One round; returns its timed part.
    pub(crate) fn round(&mut self) -> Duration {
        let channels = self.channels;
        let n = channels.len();
        let active = ACTIVE.min(n);
        let stride = n / active;
        for j in 0..active {
            channels.send(j * stride);
        }
        let mut chain = Chain {
            fired: active,
            writes: WRITES,
            count: 0,
        };
        let timer = Timer::start();
        let mut idle_waits = 0;
        while chain.count < chain.fired {
            let ready = self.event_loop.poll(Some(Duration::ZERO), |token| {
                handle(channels, token as usize, &mut chain);
            });
            // A loop that loses a readiness event would spin here for ever.
            idle_waits = if ready == 0 { idle_waits + 1 } else { 0 };
            assert!(
                idle_waits < 1000,
                "{} bytes unread and nothing ready",
                chain.fired - chain.count
            );
        }
        let elapsed = timer.elapsed();
        black_box(chain.count);
        elapsed
    }
}

/// One sample for the runner: microseconds per round, one value per round.
pub(crate) fn sample<I: Imp>(channels: &Channels, budget: &Budget) -> Vec<f64> {
    let mut bench = Bench::<I::Loop<'_>>::new(channels);
    bench.round();
    let mut rounds = Vec::new();
    let start = Instant::now();
    while !budget.done(start, rounds.len()) {
        rounds.push(bench.round().as_secs_f64() * 1e6);
    }
    rounds
}

/// `iters` rounds for criterion's `iter_custom`: the timed parts only.
pub(crate) fn rounds<I: Imp>(channels: &Channels, iters: u64) -> Duration {
    let mut bench = Bench::<I::Loop<'_>>::new(channels);
    (0..iters).map(|_| bench.round()).sum()
}
