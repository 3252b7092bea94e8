//! The workloads of `cargo xtask bench` under criterion, one implementation at a time:
//! `cargo bench -p selectors-io --bench suite [-- FILTER]`, e.g. `-- w3/epoll`.
//!
//! The comparison runner (`benches/compare.rs`) interleaves implementations and prints ratio
//! tables; this suite gives criterion's statistics and change detection for one workload at a
//! time. Both use the same workload functions (`benches/workloads/`).

// Shared with the other bench target, each of which uses part of it (the runner's sample
// functions, criterion's iteration functions).
#[cfg(target_os = "linux")]
#[allow(dead_code)]
mod workloads;

#[cfg(target_os = "linux")]
mod suite {
    use std::time::Duration;

    use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput, measurement::WallTime};

    use crate::workloads::floors::{RawEpollImp, RawEpollOutOfLineImp, RawPollImp, RawSelectImp};
    use crate::workloads::ours::{
        EpollIdleWaker, EpollInto, EpollWith, PollIdleWaker, PollWith, SelectIdleWaker, SelectWith,
    };
    use crate::workloads::peers::{MioEdgeImp, MioImp, MioLevelImp, PollingImp};
    use crate::workloads::w5::{self, WakeImp};
    use crate::workloads::wakers::{
        EpollWakeImp, MioWakeImp, PollWakeImp, PollingWakeImp, RawEpollLevelWakeImp,
        RawEpollWakeImp, RawPollWakeImp, RawSelectWakeImp, SelectWakeImp,
    };
    use crate::workloads::{Channels, Imp, raise_fd_limit, w1, w2, w3, w4};

    /// Channel counts (N) for W1–W3.
    const SIZES: [usize; 3] = [100, 1000, 10_000];
    /// Client connections for W4.
    const CLIENTS: usize = 10;

    fn w1_one<I: Imp>(group: &mut BenchmarkGroup<'_, WallTime>, channels: &Channels) {
        let id = BenchmarkId::new(I::NAME, channels.len());
        group.bench_function(id, |b| {
            b.iter_custom(|iters| w1::rounds::<I>(channels, iters))
        });
    }

    fn w2_one<I: Imp>(group: &mut BenchmarkGroup<'_, WallTime>, channels: &Channels) {
        let id = BenchmarkId::new(I::NAME, channels.len());
        group.bench_function(id, |b| {
            b.iter_custom(|iters| w2::cycles::<I>(channels, iters))
        });
    }

    fn w3_one<I: Imp>(group: &mut BenchmarkGroup<'_, WallTime>, channels: &Channels) {
        let id = BenchmarkId::new(I::NAME, channels.len());
        group.bench_function(id, |b| {
            b.iter_custom(|iters| w3::waits::<I>(channels, iters))
        });
    }

    fn w4_one<I: Imp>(group: &mut BenchmarkGroup<'_, WallTime>) {
        let id = BenchmarkId::new(I::NAME, CLIENTS);
        group.bench_function(id, |b| {
            b.iter_custom(|iters| w4::messages::<I>(CLIENTS, iters))
        });
    }

    fn w5_one<I: WakeImp>(group: &mut BenchmarkGroup<'_, WallTime>) {
        group.bench_function(I::NAME, |b| b.iter_custom(w5::wakes::<I>));
    }

    pub(crate) fn run(c: &mut Criterion) {
        raise_fd_limit();
        for n in SIZES {
            let channels = Channels::new(n);
            let mut group = c.benchmark_group("w1");
            group.throughput(Throughput::Elements((w1::ACTIVE + w1::WRITES) as u64));
            w1_one::<RawEpollImp>(&mut group, &channels);
            w1_one::<EpollWith>(&mut group, &channels);
            w1_one::<EpollInto>(&mut group, &channels);
            w1_one::<MioLevelImp>(&mut group, &channels);
            w1_one::<PollingImp>(&mut group, &channels);
            w1_one::<RawPollImp>(&mut group, &channels);
            w1_one::<PollWith>(&mut group, &channels);
            w1_one::<RawSelectImp>(&mut group, &channels);
            w1_one::<SelectWith>(&mut group, &channels);
            group.finish();

            let mut group = c.benchmark_group("w2");
            group.throughput(Throughput::Elements(3 * n as u64));
            w2_one::<RawEpollImp>(&mut group, &channels);
            w2_one::<RawEpollOutOfLineImp>(&mut group, &channels);
            w2_one::<EpollWith>(&mut group, &channels);
            w2_one::<MioImp>(&mut group, &channels);
            w2_one::<PollingImp>(&mut group, &channels);
            w2_one::<RawPollImp>(&mut group, &channels);
            w2_one::<PollWith>(&mut group, &channels);
            w2_one::<RawSelectImp>(&mut group, &channels);
            w2_one::<SelectWith>(&mut group, &channels);
            group.finish();

            let mut group = c.benchmark_group("w3");
            w3_one::<RawEpollImp>(&mut group, &channels);
            w3_one::<EpollWith>(&mut group, &channels);
            w3_one::<EpollInto>(&mut group, &channels);
            w3_one::<EpollIdleWaker>(&mut group, &channels);
            w3_one::<MioLevelImp>(&mut group, &channels);
            w3_one::<MioEdgeImp>(&mut group, &channels);
            w3_one::<PollingImp>(&mut group, &channels);
            w3_one::<RawPollImp>(&mut group, &channels);
            w3_one::<PollWith>(&mut group, &channels);
            w3_one::<PollIdleWaker>(&mut group, &channels);
            w3_one::<RawSelectImp>(&mut group, &channels);
            w3_one::<SelectWith>(&mut group, &channels);
            w3_one::<SelectIdleWaker>(&mut group, &channels);
            group.finish();
        }
        let mut group = c.benchmark_group("w4");
        group.throughput(Throughput::Elements(1));
        w4_one::<RawEpollImp>(&mut group);
        w4_one::<EpollWith>(&mut group);
        w4_one::<MioLevelImp>(&mut group);
        w4_one::<MioEdgeImp>(&mut group);
        w4_one::<PollingImp>(&mut group);
        w4_one::<RawPollImp>(&mut group);
        w4_one::<PollWith>(&mut group);
        w4_one::<RawSelectImp>(&mut group);
        w4_one::<SelectWith>(&mut group);
        group.finish();

        let mut group = c.benchmark_group("w5");
        w5_one::<RawEpollWakeImp>(&mut group);
        w5_one::<RawEpollLevelWakeImp>(&mut group);
        w5_one::<EpollWakeImp>(&mut group);
        w5_one::<MioWakeImp>(&mut group);
        w5_one::<PollingWakeImp>(&mut group);
        w5_one::<RawPollWakeImp>(&mut group);
        w5_one::<PollWakeImp>(&mut group);
        w5_one::<RawSelectWakeImp>(&mut group);
        w5_one::<SelectWakeImp>(&mut group);
        group.finish();
    }

    /// Short runs: the comparison runner is the place for long ones.
    pub(crate) fn config() -> Criterion {
        Criterion::default()
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1))
    }
}

#[cfg(target_os = "linux")]
criterion::criterion_group! {
    name = benches;
    config = suite::config();
    targets = suite::run
}

#[cfg(target_os = "linux")]
criterion::criterion_main!(benches);

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("suite: the benchmarks compare epoll-based implementations and need Linux");
}
