//! `cargo xtask fuzz [--seconds N]`: runs the `model` fuzz target (`selectors/fuzz`) for N
//! seconds (60 by default) under libFuzzer, installing what it needs first: the nightly
//! toolchain and `cargo-fuzz`. Not part of `ci`: it needs nightly, and it finds new inputs
//! rather than checking known ones.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::cmd::Cmd;
use crate::{Result, project_root, rustup};

/// The fuzz project, relative to the workspace root.
const FUZZ_DIR: &str = "selectors/fuzz";
/// The fuzz target.
const TARGET: &str = "model";

pub(crate) fn run(args: &[String]) -> Result {
    let seconds = seconds(args)?;
    rustup::ensure_nightly()?;
    ensure_cargo_fuzz()?;
    let max_time = format!("-max_total_time={seconds}");
    let fuzz_args = [
        "+nightly",
        "fuzz",
        "run",
        "--fuzz-dir",
        FUZZ_DIR,
        TARGET,
        "--",
        max_time.as_str(),
        // Inputs long enough for ~64 operations from the start, rather than growing slowly.
        "-max_len=256",
        "-len_control=0",
        "-print_final_stats=1",
    ];
    println!("$ cargo {}", fuzz_args.join(" "));
    // The rustup proxy's `cargo`, so `+nightly` applies; without the variables of the cargo
    // running xtask, which would pin the stable toolchain's tools.
    let mut child = Command::new("cargo")
        .args(fuzz_args)
        .current_dir(project_root())
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC")
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start cargo fuzz: {e}"))?;
    // libFuzzer reports on stderr: pass it through, and keep its final statistics.
    let mut stats = Vec::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr)
            .lines()
            .map_while(std::result::Result::ok)
        {
            eprintln!("{line}");
            if line.starts_with("stat::") || line.starts_with("Done ") {
                stats.push(line);
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for cargo fuzz: {e}"))?;
    if !status.success() {
        return Err(format!(
            "cargo fuzz run {TARGET} failed ({status}); a crashing input is saved under \
             {FUZZ_DIR}/artifacts/{TARGET}/"
        ));
    }
    println!("\nfuzz: {TARGET} ran {seconds} s without a failure");
    for line in &stats {
        println!("fuzz: {line}");
    }
    Ok(())
}

/// Installs `cargo-fuzz` unless `cargo fuzz --version` already works.
fn ensure_cargo_fuzz() -> Result {
    if Cmd::new("cargo").args(["fuzz", "--version"]).read().is_ok() {
        return Ok(());
    }
    Cmd::new("cargo")
        .args(["install", "cargo-fuzz", "--locked"])
        .run()
        .map_err(|e| format!("cargo-fuzz is needed to fuzz: {e}"))
}

/// `--seconds N`, 60 by default.
fn seconds(args: &[String]) -> Result<u64> {
    match args {
        [] => Ok(60),
        [flag, value] if flag == "--seconds" => value
            .parse()
            .map_err(|_| format!("--seconds {value}: not a number of seconds")),
        _ => Err(format!(
            "`cargo xtask fuzz` takes only --seconds N, got {args:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::seconds;

    #[test]
    fn seconds_default_to_a_minute() {
        assert_eq!(seconds(&[]), Ok(60));
        assert_eq!(seconds(&["--seconds".into(), "5".into()]), Ok(5));
        assert!(seconds(&["--seconds".into()]).is_err());
        assert!(seconds(&["--seconds".into(), "x".into()]).is_err());
    }
}
