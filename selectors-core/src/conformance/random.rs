//! Model-checked random sequences: thousands per backend in `cargo test`, as many as time
//! allows in `cargo xtask stress`. Every sequence is fixed by its seed, and a failure prints
//! the seed, the way to run it alone, and the operations.

use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use super::BorrowRaw;
use super::ops::random_ops;
use super::run::{DROPPED_DUPS, REBUILDS, WAKES, run_ops};
use super::view::InterestList;
use crate::Backend;

/// How many sequences [`model_random_sequences`] runs, unless
/// `SELECTORS_MODEL_SEQUENCES` says otherwise.
pub const MODEL_SEQUENCES: u64 = 2_000;
/// The first seed, unless `SELECTORS_MODEL_SEED` says otherwise.
pub const MODEL_FIRST_SEED: u64 = 0x5e1e_c705;

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    let parsed = match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => value.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={value:?} is not a number")))
}

/// Runs the sequence of `seed` on backend `B`; on any disagreement (or panic) fails with the
/// seed, how to rerun it alone, and the operations.
pub fn run_seed<B: Backend>(seed: u64, view: InterestList<B>, borrow: BorrowRaw) -> usize {
    let ops = random_ops(seed);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| run_ops::<B>(&ops, view, borrow)));
    let failure = match outcome {
        Ok(Ok(())) => return ops.len(),
        Ok(Err(message)) => message,
        Err(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a panic".to_owned()),
    };
    panic!(
        "model sequence with seed {seed:#x} failed (run it alone with SELECTORS_MODEL_SEED={seed:#x} \
         SELECTORS_MODEL_SEQUENCES=1):\n{failure}\noperations: {ops:#?}"
    );
}

/// [`MODEL_SEQUENCES`] random sequences of 20 to 50 operations on three socket pairs, each run
/// on a new selector over `B` and checked against the model after every operation (results,
/// map, interest list). Seeds are consecutive from [`MODEL_FIRST_SEED`]; both can be set
/// through `SELECTORS_MODEL_SEQUENCES` and `SELECTORS_MODEL_SEED`. Returns the number of
/// sequences, and prints it with the number of operations.
pub fn model_random_sequences<B: Backend>(view: InterestList<B>, borrow: BorrowRaw) -> u64 {
    let count = env_u64("SELECTORS_MODEL_SEQUENCES").unwrap_or(MODEL_SEQUENCES);
    let first = env_u64("SELECTORS_MODEL_SEED").unwrap_or(MODEL_FIRST_SEED);
    let start = Instant::now();
    let mut operations = 0;
    let dups = DROPPED_DUPS.get();
    let rebuilds = REBUILDS.get();
    let wakes = WAKES.get();
    for seed in first..first.saturating_add(count) {
        operations += run_seed::<B>(seed, view, borrow);
    }
    println!(
        "model: {count} sequences ({operations} operations, {} dups closed behind the \
         selector's back, {} rebuilds, {} wakes) agreed on {}, seeds {first:#x}.., in {:.1?}",
        DROPPED_DUPS.get() - dups,
        REBUILDS.get() - rebuilds,
        WAKES.get() - wakes,
        std::any::type_name::<B>(),
        start.elapsed()
    );
    count
}

/// Runs sequences with consecutive seeds from `first` until `time` has passed; returns how
/// many sequences and operations ran. For long runs (`cargo xtask stress`).
pub fn model_run_for<B: Backend>(
    time: Duration,
    first: u64,
    view: InterestList<B>,
    borrow: BorrowRaw,
) -> (u64, u64) {
    let deadline = Instant::now() + time;
    let (mut sequences, mut operations) = (0_u64, 0_u64);
    while Instant::now() < deadline {
        operations += run_seed::<B>(first.wrapping_add(sequences), view, borrow) as u64;
        sequences += 1;
    }
    (sequences, operations)
}
