//! `cargo xtask stress [--seconds N] [--seed S]`: a long model-checked random run over every
//! backend, in parallel (the `stress` example of the facade), which prints the sequences and
//! operations each backend ran; a disagreement with the model prints its seed and fails.

use crate::cmd::Cmd;
use crate::{FACADE, Result};

/// Runs `cargo run -p selectors-io --example stress -- ARGS` (debug build: overflow checks and
/// debug assertions stay on, and the build is the one `cargo test` already made).
pub(crate) fn run(args: &[String]) -> Result {
    check_args(args)?;
    Cmd::cargo()
        .args(["run", "--package", FACADE, "--example", "stress", "--"])
        .args(args)
        .run()
}

/// Only `--seconds N` and `--seed S`, each with a value.
fn check_args(args: &[String]) -> Result {
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        if !matches!(flag.as_str(), "--seconds" | "--seed") {
            return Err(format!(
                "`cargo xtask stress` takes --seconds N and --seed S, got {flag:?}"
            ));
        }
        let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = value.strip_prefix("0x").map_or_else(
            || value.parse::<u64>().ok(),
            |hex| u64::from_str_radix(hex, 16).ok(),
        );
        if number.is_none() {
            return Err(format!("{flag} {value}: not a number"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_args;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn accepts_seconds_and_seed() {
        assert!(check_args(&args(&[])).is_ok());
        assert!(check_args(&args(&["--seconds", "60"])).is_ok());
        assert!(check_args(&args(&["--seconds", "5", "--seed", "0x2a"])).is_ok());
    }

    #[test]
    fn refuses_anything_else() {
        assert!(check_args(&args(&["--seconds"])).is_err());
        assert!(check_args(&args(&["--seconds", "ten"])).is_err());
        assert!(check_args(&args(&["--minutes", "1"])).is_err());
    }
}
