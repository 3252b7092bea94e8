//! The comparison runner behind `cargo xtask bench`: every workload (W1–W5) on every host
//! backend of ours, on the raw rustix floors, on mio and on polling, in one run.
//!
//! ```text
//! cargo bench -p selectors-io --bench compare -- [--quick] [--smallest] [--wall] [--only wN]
//! ```
//!
//! Implementations are interleaved (A B C …, then reversed, then rotated by one, repeated) so
//! that drift of a shared, noisy machine falls on all of them alike; each repetition builds its
//! loop afresh and times several batches, and the tables show the median of all batches (W5,
//! wake-to-return latency: the median and the 99th percentile of all rounds). It prints one
//! Markdown table per workload (median, and in brackets the cost ratio to the
//! implementation's raw floor), then the performance targets (ratios and growths, each with
//! its limit) checked against those medians, and writes `docs/benchmarks.md` with the W1 and
//! W3 charts (`docs/bench-w1.svg`, `docs/bench-w3.svg`) and the README's W1 and W3 tables
//! (between `<!-- bench:w1 -->` markers).
//!
//! - default: the full sweep, a few minutes.
//! - `--quick`: fewer repetitions and shorter batches, under two minutes.
//! - `--smallest`: the smallest size only, tiny batches (W5: 100 rounds), nothing written: a
//!   smoke test that the benchmarks build and run (seconds). Run without `--bench` (by
//!   `cargo test --benches`), the runner does the same.
//! - `--only wN` (repeatable): run only those workloads; prints their tables, writes nothing
//!   (for profiling one workload).
//! - `--wall`: time W1–W3 by the wall clock instead of the measuring thread's CPU time. These
//!   workloads never block, so the two agree on an idle machine; on a shared one the CPU time
//!   leaves out the time other processes held the core (W4 and W5, whose threads block, always
//!   use the wall clock).
//!
//! Timings are never asserted.

#[cfg(target_os = "linux")]
#[path = "runner/output.rs"]
mod output;
#[cfg(target_os = "linux")]
#[path = "runner/report.rs"]
mod report;
#[cfg(target_os = "linux")]
#[path = "runner/run.rs"]
mod run;
#[cfg(target_os = "linux")]
#[path = "runner/svg.rs"]
mod svg;
#[cfg(target_os = "linux")]
#[path = "runner/wake.rs"]
mod wake;
// Shared with the other bench target, each of which uses part of it (the runner's sample
// functions, criterion's iteration functions).
#[cfg(target_os = "linux")]
#[allow(dead_code)]
mod workloads;

#[cfg(target_os = "linux")]
fn main() {
    let mut quick = false;
    let mut smallest = false;
    let mut bench = false;
    let mut only = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--smallest" => smallest = true,
            "--only" => only.extend(args.next()),
            "--wall" => workloads::WALL_CLOCK.store(true, std::sync::atomic::Ordering::Relaxed),
            // cargo bench passes `--bench`; cargo test passes nothing or test filters.
            "--bench" => bench = true,
            "-h" | "--help" => {
                println!(
                    "usage: compare [--quick] [--smallest] [--wall] [--only w1|w2|w3|w4|w5]..."
                );
                return;
            }
            other if other.starts_with('-') => {
                eprintln!("compare: unknown option {other}; usage: compare [--quick] [--smallest]");
                std::process::exit(2);
            }
            _ => {}
        }
    }
    if !bench {
        (quick, smallest) = (true, true);
    }
    run::main(run::Mode::new(quick, smallest), &only);
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("compare: the benchmarks compare epoll-based implementations and need Linux");
}
