//! The workspace's members as the publishing steps see them: the crates that are published
//! (no `publish = false`), with their package names and manifests.

use crate::{Result, project_root, tidy};

/// A published crate.
#[derive(Debug)]
pub(crate) struct Package {
    /// The package name (`selectors-io` for the facade in `selectors/`).
    pub(crate) name: String,
    /// The text of its `Cargo.toml`.
    pub(crate) manifest: String,
}

/// The published members, in the order of the workspace's `members`.
pub(crate) fn published() -> Result<Vec<Package>> {
    let root = project_root();
    let mut packages = Vec::new();
    for member in tidy::workspace_members(&tidy::read(&root.join("Cargo.toml"))?)? {
        let manifest = tidy::read(&root.join(&member).join("Cargo.toml"))?;
        if !tidy::is_published(&manifest) {
            continue;
        }
        let name = tidy::package_value(&manifest, "name")
            .ok_or_else(|| format!("{member}/Cargo.toml has no package name"))?;
        packages.push(Package { name, manifest });
    }
    Ok(packages)
}

/// The workspace's `rust-version` (`[workspace.package]`), which every crate inherits.
pub(crate) fn rust_version() -> Result<String> {
    let manifest = tidy::read(&project_root().join("Cargo.toml"))?;
    manifest
        .lines()
        .find_map(|line| {
            let (key, value) = line.split_once('=')?;
            (key.trim() == "rust-version").then(|| value.trim().trim_matches('"').to_owned())
        })
        .ok_or_else(|| "no `rust-version` in Cargo.toml".to_owned())
}
