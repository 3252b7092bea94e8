//! W5's run: every wake implementation, interleaved like the other workloads, and its table
//! of the median and the 99th percentile of all rounds.

use crate::report::{Row, Table, median, quantile};
use crate::run::{Entry, Mode, interleave};
use crate::workloads::w5::{self, WakeImp};
use crate::workloads::wakers::{
    EpollWakeImp, MioWakeImp, PollWakeImp, PollingWakeImp, RawEpollLevelWakeImp, RawEpollWakeImp,
    RawPollWakeImp, RawSelectWakeImp, SelectWakeImp,
};

/// A sample: each round's wake-to-return time in µs, for a number of rounds.
type WakeSample = fn(usize) -> Vec<f64>;

/// A W5 entry.
fn wake_entry<I: WakeImp>() -> Entry<WakeSample> {
    (I::NAME, I::FLOOR, w5::sample::<I>)
}

pub(crate) fn run_w5(mode: &Mode) -> Table {
    let entries = vec![
        wake_entry::<RawEpollWakeImp>(),
        wake_entry::<RawEpollLevelWakeImp>(),
        wake_entry::<EpollWakeImp>(),
        wake_entry::<MioWakeImp>(),
        wake_entry::<PollingWakeImp>(),
        wake_entry::<RawPollWakeImp>(),
        wake_entry::<PollWakeImp>(),
        wake_entry::<RawSelectWakeImp>(),
        wake_entry::<SelectWakeImp>(),
    ];
    let results = interleave("W5", &entries, mode.reps, |f| f(mode.wake_rounds));
    let rounds = mode.reps * mode.wake_rounds;
    Table {
        id: "w5",
        title: "W5 — wake-to-return latency: µs from `wake()` to the blocked wait's return".into(),
        unit: "µs",
        size: "statistic",
        sizes: vec![50, 99],
        headings: Some(vec!["median", "p99"]),
        notes: vec![format!(
            "One thread blocks in the loop's wait (no timeout, only the waker registered); \
             another wakes it through the waker, {} µs after it saw the previous return, and \
             the loop thread reads the monotonic clock as soon as its wait returns: the time \
             from the start of the wake call to that return. {rounds} rounds per \
             implementation ({} per repetition).",
            w5::GAP.as_micros(),
            mode.wake_rounds
        )],
        rows: entries
            .iter()
            .zip(&results)
            .map(|(&(name, floor, _), rounds)| Row {
                name,
                floor,
                medians: vec![median(rounds), quantile(rounds, 0.99)],
            })
            .collect(),
        higher_is_better: false,
        second_floor: None,
        growth: false,
    }
}

/// How W5 is measured and how each row is driven, for `docs/benchmarks.md`.
pub(crate) const NOTES: &str = "\
How W5 is measured (`selectors/benches/workloads/w5.rs`; the loops in `wakers.rs`):
- A loop thread blocks in its wait with no timeout, nothing registered but the waker. The \
measuring thread, 50 µs after it saw the previous return (the loop thread is asleep in its \
wait again by then), reads the monotonic clock and calls the waker; the loop thread reads the \
same clock as soon as its wait has returned. A round is the difference: from the start of the \
wake call to the return of the wait, both halves of what a waker costs. Timing the round trip \
on the measuring thread instead (until it sees the loop thread's counter move) would add the \
hand-off of that counter's cache line between cores (about 0.1 µs) and, on a busy machine, any \
time the measuring thread spends preempted; the one-way time leaves both out \
(`CLOCK_MONOTONIC` is one clock on every core).
- The 50 µs gap is short on purpose. On a virtual machine a vCPU that stays idle longer is \
descheduled by the host, and waking it costs more for every implementation alike, which \
buries the differences between them: in one session on a 2-vCPU Firecracker VM, medians of \
5–6 µs after 10 or 50 µs of idleness, about 15 µs after 200 µs and 30 µs after 1 ms.
- Median and p99 are over all rounds of all repetitions, interleaved like the other \
workloads. The p99 is the tail of wake-ups that the scheduler or the host delayed: far noisier \
than the median, and not a property of one implementation.
- **raw epoll** registers the eventfd edge-triggered: one `write` per wake and nothing read on \
return (every write is a new edge). **raw epoll (level: read)** registers it level-triggered \
and reads it after each return, the least a level-triggered loop can do. \
**raw poll** and **raw select** have no edge mode and read it likewise.
- **epoll, poll, select**: our `BaseSelector::waker()` and `select(None)`. `wake` is an atomic \
swap (wakes before the next return make no system call) and one `write`. epoll registers the \
eventfd edge-triggered, as mio does (the one registration of ours that is): its return reads \
nothing, the system calls of **raw epoll**. poll and select read the eventfd before `select` \
returns, as their raw floors do.
- **mio (Waker)**: a `mio::Waker` (an eventfd, edge-triggered like all of mio's \
registrations: nothing read on return) and `Poll::poll(None)`. **polling (notify)**: \
`Poller::notify` (an atomic flag and a `write`) and `Poller::wait(None)`, which re-arms its \
timerfd before the wait and, after it, reads its eventfd and re-arms it with `epoll_ctl`.
- The gap between **raw epoll** and **raw epoll (level: read)** is the `read` a \
level-triggered waker makes before its wait returns; edge-triggered wakers (raw epoll, ours on \
epoll, mio's) skip it.
";
