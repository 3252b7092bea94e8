//! `cargo xtask docs [TARGET...]`: every published crate's documentation built as docs.rs
//! builds it, for each target its `[package.metadata.docs.rs]` lists, with warnings denied.
//!
//! What docs.rs does, and this repeats: the nightly toolchain; `cargo doc` of the library
//! alone (`--no-deps --lib`), one crate at a time, with the features the metadata asks for;
//! the metadata's `rustdoc-args` (and `--cfg docsrs`, which docs.rs passes to rustdoc of
//! every crate anyway) for rustdoc only, not for rustc: the dependencies are compiled
//! without `docsrs`, so a `cfg_attr(docsrs, ...)` in a backend crate is active only when that
//! crate itself is documented, and the facade's badges for re-exported items come from the
//! `cfg_*!` macros expanded in the facade; and `DOCS_RS=1` for build scripts. Added here:
//! `-D warnings`.
//!
//! Where the nightly toolchain has no prebuilt standard library for a target (a nightly's
//! download can lack one), std is built from source (`-Zbuild-std`, the `rust-src`
//! component); the documentation is the same. The builds share the nightly target directory
//! of `cross`.

use std::time::Instant;

use crate::cmd::{self, Cmd};
use crate::targets::NIGHTLY;
use crate::{Result, rustup, workspace};

/// What a crate's `[package.metadata.docs.rs]` asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct DocsRs {
    pub(crate) targets: Vec<String>,
    pub(crate) all_features: bool,
    pub(crate) no_default_features: bool,
    pub(crate) features: Vec<String>,
    pub(crate) rustdoc_args: Vec<String>,
}

/// Builds the documentation of every published crate for each of its docs.rs targets (or
/// only those named in `args`).
pub(crate) fn run(args: &[String]) -> Result {
    let start = Instant::now();
    let crates = published()?;
    let mut targets: Vec<&str> = Vec::new();
    for (_, docs) in &crates {
        for target in &docs.targets {
            if !targets.contains(&target.as_str()) {
                targets.push(target);
            }
        }
    }
    if let Some(unknown) = args.iter().find(|a| !targets.contains(&a.as_str())) {
        return Err(format!(
            "`{unknown}` is no crate's docs.rs target; they are: {}",
            targets.join(" ")
        ));
    }
    targets.retain(|t| args.is_empty() || args.iter().any(|a| a == t));
    rustup::ensure_nightly()?;
    let build_std = rustup::ensure_nightly_targets(&targets)?;
    let target_dir = cmd::target_dir()?.join(NIGHTLY);
    let mut failures = Vec::new();
    for target in &targets {
        let from_source = build_std.contains(target);
        if from_source {
            println!("docs: no prebuilt std for {target} on {NIGHTLY}; building it (-Zbuild-std)");
        }
        for (name, docs) in crates
            .iter()
            .filter(|(_, d)| d.targets.iter().any(|t| t == target))
        {
            let mut cmd = Cmd::new("rustup")
                .args([
                    "run",
                    NIGHTLY,
                    "cargo",
                    "doc",
                    "--no-deps",
                    "--lib",
                    "--package",
                ])
                .arg(name)
                .args(["--target", target, "--target-dir"])
                .arg(&target_dir);
            if from_source {
                cmd = cmd.arg("-Zbuild-std");
            }
            if docs.all_features {
                cmd = cmd.arg("--all-features");
            }
            if docs.no_default_features {
                cmd = cmd.arg("--no-default-features");
            }
            if !docs.features.is_empty() {
                cmd = cmd.args(["--features", &docs.features.join(",")]);
            }
            let mut flags = docs.rustdoc_args.clone();
            if !contains_cfg_docsrs(&flags) {
                flags.extend(["--cfg".to_owned(), "docsrs".to_owned()]);
            }
            flags.extend(["-D".to_owned(), "warnings".to_owned()]);
            let cmd = cmd.env("RUSTDOCFLAGS", flags.join(" ")).env("DOCS_RS", "1");
            if let Err(e) = cmd.run() {
                failures.push(format!("{name} for {target}: {e}"));
            }
        }
    }
    println!(
        "docs: {} crates for {} targets in {:.0?}",
        crates.len(),
        targets.len(),
        start.elapsed()
    );
    match failures.as_slice() {
        [] => Ok(()),
        _ => Err(format!("docs failed:\n  {}", failures.join("\n  "))),
    }
}

fn contains_cfg_docsrs(flags: &[String]) -> bool {
    flags
        .windows(2)
        .any(|w| w[0] == "--cfg" && w[1] == "docsrs")
}

/// The published crates, by package name, with their docs.rs metadata; a published crate
/// without any is an error.
fn published() -> Result<Vec<(String, DocsRs)>> {
    workspace::published()?
        .into_iter()
        .map(|package| {
            let docs = docs_rs(&package.manifest)
                .filter(|d| !d.targets.is_empty())
                .ok_or_else(|| format!("{}: no docs.rs `targets` in its manifest", package.name))?;
            Ok((package.name, docs))
        })
        .collect()
}

/// The `[package.metadata.docs.rs]` table: `key = value` entries whose values are booleans,
/// strings or arrays of strings (an array may span lines).
pub(crate) fn docs_rs(manifest: &str) -> Option<DocsRs> {
    let start = manifest.find("[package.metadata.docs.rs]")?;
    // The table ends at the next table header.
    let body = manifest[start..]
        .lines()
        .skip(1)
        .take_while(|line| !line.starts_with('['));
    let mut docs = DocsRs::default();
    let mut entry = String::new();
    for line in body {
        let line = line.split(" #").next().unwrap_or("").trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        entry.push_str(line);
        if entry.matches('[').count() > entry.matches(']').count() {
            continue;
        }
        let text = std::mem::take(&mut entry);
        let Some((key, value)) = text.split_once('=') else {
            continue;
        };
        let strings = || -> Vec<String> {
            value
                .split('"')
                .skip(1)
                .step_by(2)
                .map(str::to_owned)
                .collect()
        };
        match key.trim() {
            "targets" => docs.targets = strings(),
            "features" => docs.features = strings(),
            "rustdoc-args" => docs.rustdoc_args = strings(),
            "all-features" => docs.all_features = value.trim() == "true",
            "no-default-features" => docs.no_default_features = value.trim() == "true",
            _ => {}
        }
    }
    Some(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_docs_rs_table() {
        let manifest = r#"[package]
name = "a"

[package.metadata.docs.rs]
# The first target is the default page.
targets = [
    "x86_64-unknown-linux-gnu",
    "x86_64-apple-darwin",
]
all-features = true
rustdoc-args = ["--cfg", "docsrs"]

[lints]
workspace = true
"#;
        let docs = docs_rs(manifest).unwrap();
        assert_eq!(
            docs,
            DocsRs {
                targets: vec![
                    "x86_64-unknown-linux-gnu".into(),
                    "x86_64-apple-darwin".into()
                ],
                all_features: true,
                rustdoc_args: vec!["--cfg".into(), "docsrs".into()],
                ..DocsRs::default()
            }
        );
        assert!(contains_cfg_docsrs(&docs.rustdoc_args));
        assert_eq!(docs_rs("[package]\nname = \"b\"\n"), None);
    }
}
