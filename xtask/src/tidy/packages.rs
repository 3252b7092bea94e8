//! What every published crate ships: a `README.md` of its own named by its manifest's
//! `readme`, a `description`, and copies of the workspace's licence files. `cargo package`
//! takes only files inside the crate's directory, so each crate keeps its own copies; they
//! must stay identical to the ones at the top.

use std::path::Path;

use super::{Report, read};
use crate::Result;

/// The licence files of `license = "MIT OR Apache-2.0"`.
pub(super) const LICENSES: [&str; 2] = ["LICENSE-MIT", "LICENSE-APACHE"];

/// Checks every member whose manifest does not say `publish = false`.
pub(super) fn check(root: &Path, members: &[String], report: &mut Report) -> Result {
    for member in members {
        let manifest_path = Path::new(member).join("Cargo.toml");
        let manifest = read(&root.join(&manifest_path))?;
        if !is_published(&manifest) {
            continue;
        }
        for key in ["description", "readme"] {
            if package_value(&manifest, key).is_none() {
                report.error(&manifest_path, 0, &format!("no `{key}`"));
            }
        }
        if let Some(readme) = package_value(&manifest, "readme") {
            if !root.join(member).join(&readme).is_file() {
                report.error(
                    &manifest_path,
                    0,
                    &format!("`readme` {readme:?} does not exist"),
                );
            }
        }
        for license in LICENSES {
            let copy = Path::new(member).join(license);
            match std::fs::read(root.join(&copy)) {
                Ok(bytes) if bytes == std::fs::read(root.join(license)).unwrap_or_default() => {}
                Ok(_) => report.error(&copy, 0, &format!("differs from the top-level {license}")),
                Err(_) => report.error(&copy, 0, &format!("missing: a copy of {license}")),
            }
        }
    }
    Ok(())
}

/// Whether the manifest lets the crate be published (no `publish = false`).
pub(crate) fn is_published(manifest: &str) -> bool {
    package_value(manifest, "publish").as_deref() != Some("false")
}

/// The value of `key` in the `[package]` table, unquoted.
pub(crate) fn package_value(manifest: &str, key: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        let Some((k, value)) = line.split_once('=') else {
            continue;
        };
        if in_package && k.trim() == key {
            return Some(value.trim().trim_matches('"').to_owned());
        }
    }
    None
}
