//! Making sure the toolchains, components and targets `cross` needs are installed.
//!
//! rustup is asked what is installed first, so a machine that has everything is not touched
//! (and works offline); whatever is missing is installed, and an install that fails is an
//! error naming what could not be installed.

use crate::Result;
use crate::cmd::Cmd;
use crate::targets::NIGHTLY;

/// The components the nightly rows need: std's sources for `-Zbuild-std`, and clippy.
const NIGHTLY_COMPONENTS: [&str; 2] = ["rust-src", "clippy"];

/// Adds each of `triples` missing from the toolchain running xtask (rustup's
/// `RUSTUP_TOOLCHAIN`, which the cargo proxy sets, selects it); returns those that could not
/// be added.
pub(crate) fn ensure_targets<'a>(triples: &[&'a str]) -> Result<Vec<&'a str>> {
    ensure_targets_of(None, triples)
}

/// [`ensure_targets`] for the [`NIGHTLY`] toolchain.
pub(crate) fn ensure_nightly_targets<'a>(triples: &[&'a str]) -> Result<Vec<&'a str>> {
    ensure_targets_of(Some(NIGHTLY), triples)
}

fn ensure_targets_of<'a>(toolchain: Option<&str>, triples: &[&'a str]) -> Result<Vec<&'a str>> {
    let with_toolchain = |cmd: Cmd| match toolchain {
        Some(toolchain) => cmd.args(["--toolchain", toolchain]),
        None => cmd,
    };
    let installed =
        with_toolchain(Cmd::new("rustup").args(["target", "list", "--installed"])).read()?;
    // One at a time: rustup rolls back a whole `target add` when one target fails.
    Ok(triples
        .iter()
        .copied()
        .filter(|t| !installed.lines().any(|line| line.trim() == *t))
        .filter(|t| {
            with_toolchain(Cmd::new("rustup").args(["target", "add", t]))
                .run()
                .is_err()
        })
        .collect())
}

/// Installs the [`NIGHTLY`] toolchain, or the components it lacks.
pub(crate) fn ensure_nightly() -> Result {
    let toolchains = Cmd::new("rustup").args(["toolchain", "list"]).read()?;
    let prefix = format!("{NIGHTLY}-");
    let have_nightly = toolchains.lines().any(|line| {
        let name = line.split_whitespace().next().unwrap_or("");
        name == NIGHTLY || name.starts_with(&prefix)
    });
    let unavailable =
        |e| format!("the `{NIGHTLY}` toolchain is needed for the tier-3 targets: {e}");
    if !have_nightly {
        return Cmd::new("rustup")
            .args(["toolchain", "install", NIGHTLY, "--profile", "minimal"])
            .arg("--component")
            .arg(NIGHTLY_COMPONENTS.join(","))
            .run()
            .map_err(unavailable);
    }
    let components = Cmd::new("rustup")
        .args(["component", "list", "--installed", "--toolchain", NIGHTLY])
        .read()
        .map_err(unavailable)?;
    // Installed components are listed with the host triple: `rust-src`, `clippy-x86_64-...`.
    let missing: Vec<&str> = NIGHTLY_COMPONENTS
        .into_iter()
        .filter(|c| {
            !components
                .lines()
                .any(|line| line == *c || line.starts_with(&format!("{c}-")))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Cmd::new("rustup")
        .args(["component", "add", "--toolchain", NIGHTLY])
        .args(&missing)
        .run()
        .map_err(unavailable)
}

/// The host triple of the toolchain running xtask (`rustc -vV`).
pub(crate) fn host_triple() -> Result<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = Cmd::new(rustc).arg("-vV").read()?;
    version
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(|host| host.trim().to_owned())
        .ok_or_else(|| format!("no `host:` line in `rustc -vV`:\n{version}"))
}
