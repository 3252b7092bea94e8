//! Project automation for the `selectors` workspace: `cargo xtask <command>`.
//!
//! This follows the [cargo-xtask] convention: a std-only binary crate run through the
//! `.cargo/config.toml` alias, so the automation is Rust, versioned with the code, and needs
//! nothing but cargo. If `cargo xtask ci` passes locally, CI passes too: `.ci/run` runs exactly
//! that command.
//!
//! One module per command; adding a command is a module plus a match arm in [`main`] and a
//! line in [`HELP`].
//!
//! [cargo-xtask]: https://github.com/matklad/cargo-xtask
#![forbid(unsafe_code)]

mod bench;
mod ci;
mod cmd;
mod cross;
mod docs;
mod fuzz;
mod msrv;
mod rustup;
mod stress;
mod targets;
mod tidy;
mod windows;
mod workspace;
mod zizmor;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What `cargo xtask help` prints; keep it in step with the match in [`main`].
const HELP: &str = "\
Project automation for the selectors workspace.

Usage: cargo xtask <COMMAND> [ARGS]

Commands:
  ci [--keep-going]
                  Everything CI checks, stopping at the first failure (or not, with
                  --keep-going): fmt, tidy, zizmor, clippy, test, windows, doc, msrv,
                  package (cargo package, verified), docs.rs, cross, and a benchmark smoke
                  run; prints a timing summary
  cross [TARGET]  For every target of xtask/src/targets.rs (or only those named): install
                  it if missing, cargo check + clippy, and which backends compile there
  docs [TARGET]   Every published crate's documentation as docs.rs builds it (nightly,
                  --cfg docsrs), for each target of its [package.metadata.docs.rs], with
                  warnings denied
  msrv            The published libraries checked with the rust-version toolchain
                  (installed if missing), against Cargo.lock
  tidy            The repository rules: //! docs, where unsafe may appear and its SAFETY
                  comments, [lints] workspace = true, no todo!/unimplemented!/#[ignore],
                  no `mod x;` inside macros, file sizes, one conformance suite per
                  backend, one OS list per backend, what each published crate ships
  zizmor          Audit .github/workflows/ci.yml with zizmor, offline; fails on any
                  finding. Installs the pinned zizmor with python3 -m pip if missing
  bench [ARGS]    cargo bench -p selectors-io --bench compare -- ARGS
  stress [--seconds N] [--seed S]
                  Model-checked random operation sequences on every backend, in parallel,
                  for N seconds (10 by default); prints the sequences each ran
  fuzz [--seconds N]
                  The `model` fuzz target (selectors/fuzz) for N seconds (60 by default),
                  installing the nightly toolchain and cargo-fuzz if missing
  windows [-- TEST_ARGS] | windows --example NAME [-- ARGS]
                  The tests built for x86_64-pc-windows-gnu and run under Wine, installing
                  the target, wine64 and mingw-w64 if missing (prefix: target/wine); or
                  one example run under Wine with ARGS
  help            This text
";

/// The facade's package name (its directory is `selectors/`, its library `selectors`): the
/// crates.io name `selectors` belongs to another crate.
const FACADE: &str = "selectors-io";

/// The result of a command; the error is the message shown to the user.
type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next();
    let rest: Vec<String> = args.collect();
    let result = match command.as_deref() {
        Some("ci") => ci::run(&rest),
        Some("cross") => cross::run(&rest),
        Some("docs") => docs::run(&rest),
        Some("msrv") => no_arguments("msrv", &rest).and_then(|()| msrv::run()),
        Some("tidy") => no_arguments("tidy", &rest).and_then(|()| tidy::run()),
        Some("zizmor") => no_arguments("zizmor", &rest).and_then(|()| zizmor::run()),
        Some("bench") => bench::run(&rest),
        Some("stress") => stress::run(&rest),
        Some("fuzz") => fuzz::run(&rest),
        Some("windows") => windows::run(&rest),
        None | Some("help" | "-h" | "--help") => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nerror: {message}");
            ExitCode::FAILURE
        }
    }
}

fn no_arguments(command: &str, rest: &[String]) -> Result {
    match rest {
        [] => Ok(()),
        _ => Err(format!(
            "`cargo xtask {command}` takes no arguments, got {rest:?}\n\n{HELP}"
        )),
    }
}

/// The workspace root: the parent of this crate's manifest directory, wherever xtask runs from.
fn project_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ has a parent directory")
}

/// A path relative to the workspace root, for messages.
fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(project_root())
        .unwrap_or(path)
        .to_path_buf()
}
