//! `cargo xtask ci`: every check CI makes, in order, stopping at the first failure, with a
//! timing summary at the end. `.ci/run` runs exactly this.
//!
//! The host is built with each backend feature alone in the `cross` step, on the host's row.

use std::time::{Duration, Instant};

use crate::cmd::Cmd;
use crate::{Result, bench, cross, docs, msrv, tidy, windows, workspace, zizmor};

/// A step of `ci`.
type Step = fn() -> Result;

/// The steps, cheapest first so that a failure shows early.
const STEPS: &[(&str, Step)] = &[
    ("fmt", fmt),
    ("tidy", tidy::run),
    ("zizmor", zizmor::run),
    ("clippy", clippy),
    ("test", test),
    ("windows", windows::ci),
    ("doc", doc),
    ("msrv", msrv::run),
    ("package", package),
    ("docs.rs", || docs::run(&[])),
    ("cross", || cross::run(&[])),
    ("bench smoke", bench_smoke),
];

/// Runs the steps. Stops at the first failure, or with `--keep-going` runs them all (to see
/// every failure, or every step's time, at once) and fails at the end.
pub(crate) fn run(args: &[String]) -> Result {
    let keep_going = match args {
        [] => false,
        [flag] if flag == "--keep-going" => true,
        _ => {
            return Err(format!(
                "`cargo xtask ci` takes only --keep-going, got {args:?}"
            ));
        }
    };
    let start = Instant::now();
    let mut times = Vec::new();
    let mut failed = Vec::new();
    for &(name, step) in STEPS {
        println!("\n==> {name}");
        let started = Instant::now();
        let result = step();
        let ok = result.is_ok();
        times.push((name, started.elapsed(), ok));
        if let Err(e) = result {
            failed.push(format!("step `{name}`: {e}"));
            if !keep_going {
                break;
            }
        }
    }
    summary(&times, start.elapsed());
    match failed.as_slice() {
        [] => {
            println!("ci: all {} steps passed", STEPS.len());
            Ok(())
        }
        [only] if !keep_going => Err(format!("ci failed at {only}")),
        _ => Err(format!("ci failed:\n{}", failed.join("\n"))),
    }
}

fn summary(times: &[(&str, Duration, bool)], total: Duration) {
    println!("\nci timing:");
    for (name, time, ok) in times {
        let status = if *ok { "ok" } else { "FAILED" };
        println!("  {name:<12} {:>8.1}s  {status}", time.as_secs_f64());
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

/// `cargo package` of every published crate, verified: each `.crate` is unpacked and its
/// library built alone, its workspace dependencies taken from the local registry cargo makes
/// of the other packages (they are not on crates.io yet), so what would be uploaded builds.
/// `--allow-dirty`: CI packs the tree it checks, committed or not. `--offline`: the earlier
/// steps fetched every dependency.
fn package() -> Result {
    let mut cmd = Cmd::cargo().args(["package", "--allow-dirty", "--offline"]);
    for package in workspace::published()? {
        cmd = cmd.args(["--package", &package.name]);
    }
    cmd.run()
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
