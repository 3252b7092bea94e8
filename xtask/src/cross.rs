//! `cargo xtask cross`: every target of [`TARGETS`] checked and linted, and which backends
//! really compile there.
//!
//! For each target: `cargo check` and `cargo clippy -D warnings` of the whole workspace with
//! all targets (tests, examples, benches), then the facade built with each backend's feature
//! alone. That build succeeds exactly when the backend exists on the target, because the
//! facade refuses to compile without a usable backend, so it tells what compiled without
//! trusting any cfg list. The result is one line per target, compared with the table's row.
//!
//! The host row only runs the per-backend builds, with `--all-targets` and without `--target`
//! so they share the artifacts of `ci`'s own steps: `ci` has linted the host already.

use std::path::PathBuf;
use std::time::Instant;

use crate::cmd::{self, Cmd};
use crate::rustup;
use crate::targets::{self, Backend, NIGHTLY, TARGETS, Target, Toolchain};
use crate::{FACADE, Result};

/// Runs the rows named in `args`, or all of them.
pub(crate) fn run(args: &[String]) -> Result {
    let rows = selected(args)?;
    let start = Instant::now();
    let host = rustup::host_triple()?;
    let stable: Vec<&str> = rows
        .iter()
        .filter(|t| t.toolchain == Toolchain::Stable && t.triple != host)
        .map(|t| t.triple)
        .collect();
    let uninstallable = rustup::ensure_targets(&stable)?;
    let nightly = match rows.iter().any(|t| t.toolchain == Toolchain::Nightly) {
        true => rustup::ensure_nightly(),
        false => Ok(()),
    };
    let nightly_dir = cmd::target_dir()?.join(NIGHTLY);

    let mut lines = Vec::new();
    let mut failures = Vec::new();
    for target in &rows {
        let unavailable = match target.toolchain {
            Toolchain::Stable if uninstallable.contains(&target.triple) => {
                Some("`rustup target add` failed (see above)".to_owned())
            }
            Toolchain::Nightly => nightly.as_ref().err().cloned(),
            Toolchain::Stable => None,
        };
        if let Some(reason) = unavailable {
            let line = format!("{:<26} FAILED: cannot be checked: {reason}", target.triple);
            println!("{line}");
            failures.push(line.clone());
            lines.push(line);
            continue;
        }
        let checker = Checker {
            target,
            host: target.triple == host,
            nightly_dir: &nightly_dir,
        };
        println!("\n--> cross: {}", target.triple);
        let started = Instant::now();
        let (line, errors) = checker.check();
        let line = format!("{line}  [{:.0?}]", started.elapsed());
        println!("{line}");
        failures.extend(errors.iter().map(|e| format!("{}: {e}", target.triple)));
        lines.push(line);
    }
    if !rows.iter().any(|t| t.triple == host) && args.is_empty() {
        lines.push(format!(
            "{host:<26} (host) not in xtask/src/targets.rs: its backends are not compared"
        ));
    }

    println!("\ncross: {} targets in {:.0?}", rows.len(), start.elapsed());
    for line in &lines {
        println!("  {line}");
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "cross: {} of {} targets failed:\n  {}",
            lines.iter().filter(|line| line.contains("FAILED")).count(),
            rows.len(),
            failures.join("\n  ")
        ))
    }
}

fn selected(args: &[String]) -> Result<Vec<&'static Target>> {
    if args.is_empty() {
        return Ok(TARGETS.iter().collect());
    }
    args.iter()
        .map(|name| {
            TARGETS.iter().find(|t| t.triple == name).ok_or_else(|| {
                let known: Vec<_> = TARGETS.iter().map(|t| t.triple).collect();
                format!(
                    "`{name}` is not in xtask/src/targets.rs; known: {}",
                    known.join(" ")
                )
            })
        })
        .collect()
}

struct Checker<'a> {
    target: &'a Target,
    host: bool,
    nightly_dir: &'a PathBuf,
}

impl Checker<'_> {
    /// Checks one target; returns its line, and what failed.
    fn check(&self) -> (String, Vec<String>) {
        let mut errors = Vec::new();
        if let Err(e) = self.run_lints() {
            errors.push(e);
        }
        let compiled = self.probe(&mut errors);
        if compiled != self.target.backends {
            errors.push(format!(
                "backends {{{}}} compiled, the table expects {{{}}}",
                targets::names(&compiled),
                targets::names(self.target.backends)
            ));
        }
        let toolchain = match self.target.toolchain {
            Toolchain::Stable => "stable",
            Toolchain::Nightly => "nightly -Zbuild-std",
        };
        let default = targets::default_selector(self.target.triple, &compiled)
            .map_or("none", Backend::selector);
        let status = match (errors.is_empty(), self.host) {
            (false, _) => "FAILED",
            (true, true) => "ok (host: linted by the clippy step)",
            (true, false) => "ok (check + clippy)",
        };
        let line = format!(
            "{:<26} {toolchain:<19} backends: {:<20} DefaultSelector: {default:<16} {status}",
            self.target.triple,
            targets::names(&compiled)
        );
        (line, errors)
    }

    /// `cargo check` and `cargo clippy -D warnings` of everything, except on the host.
    fn run_lints(&self) -> Result {
        if self.host {
            return Ok(());
        }
        self.cargo("check")
            .args(["--workspace", "--all-targets"])
            .run()?;
        self.cargo("clippy")
            .args(["--workspace", "--all-targets", "--", "-D", "warnings"])
            .run()
    }

    /// Builds the facade with each backend alone and returns those that compiled. A build
    /// that failed for another reason than the backend being absent is an error; its output
    /// is shown.
    ///
    /// On the host the builds include the facade's tests, examples and benchmarks
    /// (`--all-targets`), so one that needs a backend the build lacks and does not say so
    /// (`required-features`) fails here. That does not depend on the target, and the other
    /// targets' lint step builds all targets with every feature, so they build the library
    /// alone, which keeps the nightly rows short.
    fn probe(&self, errors: &mut Vec<String>) -> Vec<Backend> {
        let mut compiled = Vec::new();
        for backend in Backend::probe_order(self.target.triple) {
            let mut cmd = self.cargo("check").args([
                "--quiet",
                "--package",
                FACADE,
                "--no-default-features",
                "--features",
                backend.feature(),
            ]);
            if self.host {
                cmd = cmd.arg("--all-targets");
            }
            let output = match cmd.output() {
                Ok(output) => output,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let stderr = String::from_utf8_lossy(&output.stderr);
            if output.status.success() {
                compiled.push(backend);
            } else if !is_absent_backend(&stderr) || self.target.backends.contains(&backend) {
                println!("$ {cmd}\n{}", stderr.trim_end());
                errors.push(format!("`{cmd}` failed ({}), output above", output.status));
            }
        }
        compiled
    }

    /// `cargo <sub>` for this target: the stable cargo running xtask, or the nightly one
    /// building std from source into its own target directory.
    fn cargo(&self, sub: &str) -> Cmd {
        let cmd = match self.target.toolchain {
            Toolchain::Stable => Cmd::cargo().arg(sub),
            Toolchain::Nightly => Cmd::new("rustup")
                .args(["run", NIGHTLY, "cargo", sub, "-Zbuild-std", "--target-dir"])
                .arg(self.nightly_dir),
        };
        if self.host {
            cmd
        } else {
            cmd.args(["--target", self.target.triple])
        }
    }
}

/// Whether a failed facade build failed only because no enabled backend exists on the
/// target: the facade's own error, and no other crate failing (the facade's library may fail
/// twice, as itself and as its unit-test target).
fn is_absent_backend(stderr: &str) -> bool {
    let failed: Vec<&str> = stderr
        .lines()
        .filter_map(|line| line.split_once("could not compile `"))
        .filter_map(|(_, rest)| rest.split_once('`'))
        .map(|(krate, _)| krate)
        .collect();
    !failed.is_empty()
        && failed.iter().all(|&krate| krate == FACADE)
        && stderr.contains(NO_BACKEND_ERROR)
}

/// The facade's compile error when a build has no backend usable on its target.
const NO_BACKEND_ERROR: &str = "none of the enabled backend features is available on this target";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absent_backend_is_the_facade_failing_alone_with_its_error() {
        let facade = format!(
            "error: {NO_BACKEND_ERROR} ...\nerror: could not compile `{FACADE}` (lib) due to 1 previous error\n"
        );
        assert!(is_absent_backend(&facade));
        let with_unit_tests = format!(
            "{facade}error: could not compile `{FACADE}` (lib test) due to 1 previous error\n"
        );
        assert!(is_absent_backend(&with_unit_tests));
        let backend_broken = format!(
            "{facade}error: could not compile `selectors-kqueue` (lib) due to 2 previous errors\n"
        );
        assert!(!is_absent_backend(&backend_broken));
        let other_facade_error =
            format!("error[E0433]: failed to resolve\nerror: could not compile `{FACADE}` (lib)\n");
        assert!(!is_absent_backend(&other_facade_error));
    }
}
