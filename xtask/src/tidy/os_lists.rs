//! Each backend's list of operating systems, wherever it is written, must be the same list:
//!
//! - the backend crate's `build.rs`, which sets `cfg(have_<name>)` for the crate's own code;
//! - the backend's exported `cfg_<name>!` macro, which other crates use (the cfg of a build
//!   script reaches its own crate only, so the macro spells the list out);
//! - the facade's `build.rs`, which sets the same cfg so the facade knows which backend crates
//!   it has, and the facade's `Cargo.toml`, whose `[target.'cfg(...)']` tables make each
//!   backend crate a dependency only there.
//!
//! A backend whose macro has no list (poll: `cfg(unix)`) has nothing to compare.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Report, read};
use crate::Result;

/// The facade's directory.
const FACADE_DIR: &str = "selectors";

/// Compares the lists of every backend crate among `members` with the facade's.
pub(super) fn check(root: &Path, members: &[String], report: &mut Report) -> Result {
    let facade_build = build_aliases(&read(&root.join(FACADE_DIR).join("build.rs"))?);
    let facade_manifest = Path::new(FACADE_DIR).join("Cargo.toml");
    let facade_manifest_source = read(&root.join(&facade_manifest))?;
    let facade_tables = target_tables(&facade_manifest_source);
    for member in members {
        let Some(name) = member.strip_prefix("selectors-") else {
            continue;
        };
        let lib = Path::new(member).join("src/lib.rs");
        let Some(macro_list) = macro_list(&read(&root.join(&lib))?, &format!("cfg_{name}")) else {
            continue;
        };
        let build = Path::new(member).join("build.rs");
        let alias = format!("have_{name}");
        let own = std::fs::read_to_string(root.join(&build))
            .ok()
            .and_then(|source| build_aliases(&source).remove(&alias));
        let Some(own) = own else {
            report.error(&build, 0, &format!("does not set `{alias}`"));
            continue;
        };
        let mut compare = |path: &Path, what: &str, list: Option<&Vec<String>>| match list {
            Some(list) if sorted(list) == sorted(&own) => {}
            Some(list) => report.error(
                path,
                0,
                &format!("{what} lists {list:?}, {} lists {own:?}", build.display()),
            ),
            None => report.error(path, 0, &format!("no {what}")),
        };
        compare(&lib, &format!("`cfg_{name}!`"), Some(&macro_list));
        let facade_build_path = Path::new(FACADE_DIR).join("build.rs");
        compare(
            &facade_build_path,
            &format!("`{alias}`"),
            facade_build.get(&alias),
        );
        let table = format!("target table for `{member}`");
        compare(&facade_manifest, &table, facade_tables.get(member.as_str()));
    }
    Ok(())
}

fn sorted(list: &[String]) -> Vec<&str> {
    let mut list: Vec<&str> = list.iter().map(String::as_str).collect();
    list.sort_unstable();
    list
}

/// The string literals of `source` (no escapes are expected in these files), each with the
/// character before it, whitespace skipped.
fn literals(source: &str) -> Vec<(Option<char>, &str)> {
    let mut found = Vec::new();
    let mut rest = source;
    let mut consumed = 0;
    while let Some(open) = rest.find('"') {
        let Some(len) = rest[open + 1..].find('"') else {
            break;
        };
        let before = source[..consumed + open].trim_end().chars().next_back();
        found.push((before, &rest[open + 1..open + 1 + len]));
        consumed += open + len + 2;
        rest = &rest[open + len + 2..];
    }
    found
}

/// The `ALIASES` of a `build.rs`: `("cfg", &["os", ...])`, cfg → systems.
pub(super) fn build_aliases(source: &str) -> BTreeMap<String, Vec<String>> {
    let mut aliases = BTreeMap::new();
    let Some(start) = source.find("const ALIASES") else {
        return aliases;
    };
    let end = source[start..]
        .find("\n];")
        .map_or(source.len(), |i| start + i);
    let mut current = None;
    for (before, literal) in literals(&source[start..end]) {
        if before == Some('(') {
            aliases.insert(literal.to_owned(), Vec::new());
            current = Some(literal);
        } else if let Some(list) = current.and_then(|cfg| aliases.get_mut(cfg)) {
            list.push(literal.to_owned());
        }
    }
    aliases
}

/// The systems of `macro_rules! name`: the literals of its `@os [...]` lists.
pub(super) fn macro_list(source: &str, name: &str) -> Option<Vec<String>> {
    let start = source.find(&format!("macro_rules! {name} {{"))?;
    let end = source[start..]
        .find("\n}\n")
        .map_or(source.len(), |i| start + i);
    let body = &source[start..end];
    let mut list = Vec::new();
    for (i, _) in body.match_indices("@os [") {
        let inner = &body[i + "@os [".len()..];
        let inner = &inner[..inner.find(']').unwrap_or(inner.len())];
        list.extend(literals(inner).into_iter().map(|(_, os)| os.to_owned()));
    }
    (!list.is_empty()).then_some(list)
}

/// The `[target.'cfg(...)'.dependencies]` tables of a manifest that name `target_os`
/// values: dependency → systems.
pub(super) fn target_tables(manifest: &str) -> BTreeMap<&str, Vec<String>> {
    let mut tables = BTreeMap::new();
    let mut systems: Option<Vec<String>> = None;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            systems = line
                .strip_prefix("[target.'cfg(")
                .and_then(|rest| rest.strip_suffix(")'.dependencies]"))
                .map(|cfg| {
                    cfg.split("target_os")
                        .skip(1)
                        .filter_map(|part| literals(part).first().map(|(_, os)| (*os).to_owned()))
                        .collect::<Vec<_>>()
                })
                .filter(|list| !list.is_empty());
            continue;
        }
        let key = line.split('=').next().unwrap_or("").trim();
        if let Some(list) = &systems {
            if !key.is_empty() && !key.starts_with('#') {
                tables.insert(key, list.clone());
            }
        }
    }
    tables
}
