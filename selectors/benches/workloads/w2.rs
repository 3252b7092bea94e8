//! W2, registration churn: register N fds for read, modify each to write, unregister each;
//! nanoseconds per operation. A cost that does not grow with N is O(1) per operation.
//!
//! The fds are the N ends of the channels' socketpairs; nothing is ever waited for, so the
//! sockets' state does not matter. Each timed cycle is 3·N operations in three phases, timed
//! separately.

use std::time::{Duration, Instant};

use super::{Budget, Channels, EventLoop, Imp, Interest};

/// One cycle's phases: register, modify, unregister.
pub(crate) fn cycle<'fd, L: EventLoop<'fd>>(
    event_loop: &mut L,
    channels: &'fd Channels,
) -> [Duration; 3] {
    let n = channels.len();
    let start = Instant::now();
    for i in 0..n {
        event_loop.register(channels.reader(i), i as u32, Interest::Read);
    }
    let registered = Instant::now();
    for i in 0..n {
        event_loop.modify(channels.reader(i), i as u32, Interest::Write);
    }
    let modified = Instant::now();
    for i in 0..n {
        event_loop.unregister(channels.reader(i));
    }
    let unregistered = Instant::now();
    [
        registered - start,
        modified - registered,
        unregistered - modified,
    ]
}

/// One sample for the runner: per cycle, ns per operation overall, then per phase
/// (register, modify, unregister).
pub(crate) fn sample<I: Imp>(channels: &Channels, budget: &Budget) -> Vec<[f64; 4]> {
    let n = channels.len() as f64;
    let mut event_loop = I::Loop::new(channels.len());
    cycle(&mut event_loop, channels);
    let mut cycles = Vec::new();
    let start = Instant::now();
    while !budget.done(start, cycles.len()) {
        let phases = cycle(&mut event_loop, channels).map(|d| d.as_secs_f64() * 1e9 / n);
        let all = phases.iter().sum::<f64>() / 3.0;
        cycles.push([all, phases[0], phases[1], phases[2]]);
    }
    cycles
}

/// `iters` cycles for criterion's `iter_custom`.
pub(crate) fn cycles<I: Imp>(channels: &Channels, iters: u64) -> Duration {
    let mut event_loop = I::Loop::new(channels.len());
    (0..iters)
        .map(|_| cycle(&mut event_loop, channels).iter().sum::<Duration>())
        .sum()
}
