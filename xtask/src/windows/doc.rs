//! The workspace's doc tests built for Windows and run under Wine: cargo runs each through
//! the Wine loader, named as the target's runner. The workflow's Windows job runs them on
//! real Windows (`cargo test --workspace`); here they run first.

use super::TRIPLE;
use super::exec::{self, Tally};
use super::wine::Wine;
use crate::Result;
use crate::cmd::Cmd;

/// Runs `cargo test --doc --workspace` for Windows under Wine, prints its output, and returns
/// the counts and whether cargo succeeded.
pub(crate) fn run(wine: &Wine) -> Result<(Tally, bool)> {
    let mut cargo = Cmd::cargo().args(["test", "--doc", "--workspace", "--target", TRIPLE]);
    for (key, value) in wine.cargo_env(TRIPLE) {
        cargo = cargo.env(key, value);
    }
    println!("\n--> doc tests under {}\n$ {cargo}", wine.version);
    let output = cargo.output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<String> = stdout.lines().map(str::to_owned).collect();
    for line in lines
        .iter()
        .filter(|l| l.contains("FAILED") || l.starts_with("test result"))
    {
        println!("{line}");
    }
    if !output.status.success() {
        println!("{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    }
    Ok((exec::tally(&lines), output.status.success()))
}
