//! A long model-checked random run over every backend (`cargo xtask stress --seconds N`):
//! each backend gets a thread that runs random operation sequences (the conformance suite's
//! model language: register, modify, unregister, invalid and failing calls, writes, reads,
//! shutdowns, closes, selects) for N seconds, checking every result, the map and the interest
//! list against the reference model, and prints how many sequences and operations each ran.
//!
//! ```text
//! cargo run --example stress -- --seconds 60 [--seed S]
//! ```
//!
//! Seeds are consecutive from S (by default one taken from the clock, printed), so a failure,
//! which prints its seed and operations, can be run again alone with
//! `SELECTORS_MODEL_SEED=<seed> SELECTORS_MODEL_SEQUENCES=1 cargo test -p <backend crate>
//! --test reliability model_random_sequences`. Linux only: the model encodes Linux's
//! readiness rules for `AF_UNIX` sockets.

use std::process::ExitCode;

#[cfg(target_os = "linux")]
#[path = "stress/backends.rs"]
mod backends;

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
const USAGE: &str = "usage: stress [--seconds N] [--seed S]";

#[cfg(target_os = "linux")]
fn main() -> ExitCode {
    use std::thread;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    let (seconds, seed) = match parse(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let first = seed.unwrap_or_else(|| {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        now.as_secs() << 20 ^ u64::from(now.subsec_micros())
    });
    let time = Duration::from_secs(seconds);
    println!(
        "stress: {} backends for {seconds} s each, in parallel, seeds from {first:#x}",
        backends::BACKENDS.len()
    );
    let runs: Vec<_> = backends::BACKENDS
        .iter()
        .map(|backend| {
            let run_for = backend.run_for;
            (backend.name, thread::spawn(move || run_for(time, first)))
        })
        .collect();
    let mut failed = false;
    let (mut total_sequences, mut total_operations) = (0, 0);
    for (name, run) in runs {
        match run.join() {
            Ok((sequences, operations)) => {
                println!("stress: {name:<23} {sequences:>9} sequences {operations:>10} operations");
                total_sequences += sequences;
                total_operations += operations;
            }
            Err(_) => {
                // The panic message, with the seed and the operations, is already printed.
                println!("stress: {name:<23} FAILED");
                failed = true;
            }
        }
    }
    println!("stress: total {total_sequences} sequences, {total_operations} operations");
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(not(target_os = "linux"))]
fn main() -> ExitCode {
    eprintln!("stress: the model encodes Linux's socket readiness rules; run it on Linux");
    ExitCode::FAILURE
}

/// `--seconds N` (10 by default) and `--seed S` (decimal or 0x-hex).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse(mut args: impl Iterator<Item = String>) -> Result<(u64, Option<u64>), String> {
    let (mut seconds, mut seed) = (10, None);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        let number = match value.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => value.parse(),
        }
        .map_err(|_| format!("{arg} {value}: not a number"))?;
        match arg.as_str() {
            "--seconds" => seconds = number,
            "--seed" => seed = Some(number),
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    Ok((seconds, seed))
}
