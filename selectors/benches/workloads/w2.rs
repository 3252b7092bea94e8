//! W2, registration churn: register N fds for read, modify each to write, unregister each;
//! nanoseconds per operation. A cost that does not grow with N is O(1) per operation.
//!
//! The fds are the N ends of the channels' socketpairs; nothing is ever waited for, so the
//! sockets' state does not matter. A cycle is 3·N operations in three phases, timed separately
//! when a cycle is long enough, else several cycles are timed together.

use std::time::{Duration, Instant};

use super::{Budget, Channels, EventLoop, Imp, Interest, Timer};

/// One cycle. With `phases`, returns the time of each phase (register, modify, unregister);
/// without, reads no clock.
pub(crate) fn cycle<'fd, L: EventLoop<'fd>>(
    event_loop: &mut L,
    channels: &'fd Channels,
    phases: bool,
) -> [Duration; 3] {
    let n = channels.len();
    let timer = phases.then(Timer::start);
    let lap = || timer.map_or(Duration::ZERO, |t| t.elapsed());
    for i in 0..n {
        event_loop.register(channels.reader(i), i as u32, Interest::Read);
    }
    let registered = lap();
    for i in 0..n {
        event_loop.modify(channels.reader(i), i as u32, Interest::Write);
    }
    let modified = lap();
    for i in 0..n {
        event_loop.unregister(channels.reader(i));
    }
    let unregistered = lap();
    [registered, modified - registered, unregistered - modified]
}

/// Operations per timed unit, at least: below it, several cycles are timed together (and
/// the phases not at all), so that reading the clock costs nothing measurable.
const UNIT_OPS: usize = 12_000;

/// One sample for the runner: per timed unit, ns per operation overall, then per phase
/// (register, modify, unregister; NaN when the unit is several cycles).
pub(crate) fn sample<I: Imp>(channels: &Channels, budget: &Budget) -> Vec<[f64; 4]> {
    let n = channels.len();
    let cycles_per_unit = UNIT_OPS.div_ceil(3 * n);
    let mut event_loop = I::Loop::new(n);
    cycle(&mut event_loop, channels, false);
    let mut units = Vec::new();
    let start = Instant::now();
    while !budget.done(start, units.len()) {
        let ops = (3 * n * cycles_per_unit) as f64;
        if cycles_per_unit == 1 {
            let phases = cycle(&mut event_loop, channels, true);
            let [register, modify, unregister] = phases.map(|d| d.as_secs_f64() * 1e9 / n as f64);
            let all = phases.iter().sum::<Duration>().as_secs_f64() * 1e9 / ops;
            units.push([all, register, modify, unregister]);
        } else {
            let timer = Timer::start();
            for _ in 0..cycles_per_unit {
                cycle(&mut event_loop, channels, false);
            }
            let all = timer.elapsed().as_secs_f64() * 1e9 / ops;
            units.push([all, f64::NAN, f64::NAN, f64::NAN]);
        }
    }
    units
}

/// `iters` cycles for criterion's `iter_custom`.
pub(crate) fn cycles<I: Imp>(channels: &Channels, iters: u64) -> Duration {
    let mut event_loop = I::Loop::new(channels.len());
    let timer = Timer::start();
    for _ in 0..iters {
        cycle(&mut event_loop, channels, false);
    }
    timer.elapsed()
}
