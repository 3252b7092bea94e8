//! `cargo xtask ci`: every check CI makes, in order, stopping at the first failure, with a
//! timing summary at the end. `.ci/run` runs exactly this.

use std::time::{Duration, Instant};

use crate::cmd::Cmd;
use crate::{Result, bench, cross, tidy};

/// A step of `ci`.
type Step = fn() -> Result;

/// The steps, cheapest first so that a failure shows early.
const STEPS: &[(&str, Step)] = &[
    ("fmt", fmt),
    ("tidy", tidy::run),
    ("clippy", clippy),
    ("test", test),
    ("doc", doc),
    ("cross", || cross::run(&[])),
    ("bench smoke", bench_smoke),
];

pub(crate) fn run() -> Result {
    let start = Instant::now();
    let mut times = Vec::new();
    for &(name, step) in STEPS {
        println!("\n==> {name}");
        let started = Instant::now();
        let result = step();
        times.push((name, started.elapsed()));
        if let Err(e) = result {
            summary(&times, start.elapsed());
            return Err(format!("ci failed at step `{name}`: {e}"));
        }
    }
    summary(&times, start.elapsed());
    println!("ci: all {} steps passed", STEPS.len());
    Ok(())
}

fn summary(times: &[(&str, Duration)], total: Duration) {
    println!("\nci timing:");
    for (name, time) in times {
        println!("  {name:<12} {:>8.1}s", time.as_secs_f64());
    }
    println!("  {:<12} {:>8.1}s", "total", total.as_secs_f64());
}

fn fmt() -> Result {
    Cmd::cargo().args(["fmt", "--all", "--check"]).run()
}

fn clippy() -> Result {
    Cmd::cargo()
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .run()
}

fn test() -> Result {
    Cmd::cargo().args(["test", "--workspace"]).run()
}

fn doc() -> Result {
    Cmd::cargo()
        .args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings")
        .run()
}

/// One quick pass of the comparison benchmark on its smallest sizes, to keep it working;
/// its numbers mean nothing on a shared CI machine.
fn bench_smoke() -> Result {
    if !bench::exists() {
        println!("bench smoke: skipped, {} does not exist", bench::COMPARE);
        return Ok(());
    }
    println!(
        "bench smoke: running {} with --quick --smallest",
        bench::COMPARE
    );
    bench::run(&["--quick".to_owned(), "--smallest".to_owned()])
}
