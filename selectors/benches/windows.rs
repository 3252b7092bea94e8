//! The Windows benchmark, run under Wine by `cargo xtask bench` (built for
//! `x86_64-pc-windows-gnu`): W1 and W3 of the Linux runner (`compare.rs`) over loopback TCP
//! pairs, on our select and poll backends, on the raw Winsock `select` and `WSAPoll` loops
//! (the floors) and on polling (IOCP and AFD). It prints one Markdown table per workload
//! (median, and in brackets the ratio to the floor of the same call), which xtask writes into
//! `docs/benchmarks.md`. Every figure is from Wine's Winsock, not Windows's.
//!
//! - W1 (libevent's `bench.c`): N pairs registered for reading, A of them active, a chain of W
//!   one-byte writes propagated by the read handlers; µs per round.
//! - W3 (idle scan): N registered, exactly one ready; ns per zero-timeout wait.
//!
//! `--smallest` runs the smallest size once (a smoke test). Timings are never asserted.

#[cfg(windows)]
#[path = "windows/loops.rs"]
mod loops;
#[cfg(windows)]
#[path = "windows/workloads.rs"]
mod workloads;

#[cfg(windows)]
fn main() {
    let smallest = std::env::args().any(|a| a == "--smallest");
    workloads::run(smallest);
}

#[cfg(not(windows))]
fn main() {
    println!("the Windows benchmark runs on Windows (or under Wine: `cargo xtask bench`)");
}
