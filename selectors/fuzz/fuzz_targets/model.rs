//! Fuzz target `model`: the input's bytes, decoded into the model operations of the
//! conformance suite (`decode_ops`: register, modify, unregister, invalid and failing calls,
//! writes, reads, shutdowns, closes, reopens, selects), run on every backend, each checked
//! after every operation against the reference model: results, map and interest list.
//! A disagreement panics with the backend, the operation and what differed.
//!
//! ```text
//! cargo xtask fuzz --seconds 60
//! ```
#![no_main]

#[path = "../../examples/stress/backends.rs"]
mod backends;

use selectors_core::conformance::decode_ops;

/// At most this many operations per input: enough for any state of three socket pairs.
const MAX_OPS: usize = 64;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let ops = decode_ops(data, MAX_OPS);
    for backend in &backends::BACKENDS {
        if let Err(message) = (backend.run)(&ops) {
            panic!("{}: {message}\noperations: {ops:#?}", backend.name);
        }
    }
});
