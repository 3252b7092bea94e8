//! `cargo xtask msrv`: the published crates' libraries checked with the toolchain of the
//! declared `rust-version`, with every feature, against the locked dependencies (`--locked`).
//!
//! Only the libraries (`--lib`): tests, examples and benchmarks need the dev-dependencies,
//! and criterion needs a newer compiler than the libraries promise. The toolchain is
//! installed when missing (minimal profile) and builds in its own target directory
//! (`target/msrv`), so the stable steps' artifacts stay valid.

use crate::cmd::{self, Cmd};
use crate::{Result, workspace};

pub(crate) fn run() -> Result {
    let version = workspace::rust_version()?;
    ensure_toolchain(&version)?;
    let target_dir = cmd::target_dir()?.join("msrv");
    for package in workspace::published()? {
        Cmd::new("rustup")
            .args(["run", &version, "cargo", "check", "--locked", "--lib"])
            .args(["--all-features", "--package", &package.name, "--target-dir"])
            .arg(&target_dir)
            .run()?;
    }
    println!("msrv: every published library builds with Rust {version}");
    Ok(())
}

/// Installs the `version` toolchain unless rustup has it (`1.85` is listed as
/// `1.85-<host>`).
fn ensure_toolchain(version: &str) -> Result {
    let toolchains = Cmd::new("rustup").args(["toolchain", "list"]).read()?;
    let prefix = format!("{version}-");
    let installed = toolchains
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .any(|name| name == version || name.starts_with(&prefix));
    if installed {
        return Ok(());
    }
    Cmd::new("rustup")
        .args(["toolchain", "install", version, "--profile", "minimal"])
        .run()
        .map_err(|e| format!("the Rust {version} toolchain (rust-version) is needed: {e}"))
}
