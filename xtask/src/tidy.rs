//! `cargo xtask tidy`: the repository's rules, as code.
//!
//! - every `.rs` file starts with a `//!` doc comment saying what it is;
//! - under `selectors*/src`, `unsafe` appears only in a `sys.rs` file or a `sys/` directory,
//!   and the crates without such a module (core, facade, xtask) `#![forbid(unsafe_code)]`;
//! - every `unsafe` block or impl, anywhere, has a `// SAFETY:` comment right above it;
//! - every crate's `Cargo.toml` has `[lints] workspace = true`;
//! - no `todo!(`, `unimplemented!(` or `#[ignore` in any code;
//! - no `mod name;` inside a macro call or `macro_rules!` body: rustfmt does not look inside
//!   macros, so it would never format that file (gate the declaration with `#[cfg]` instead);
//! - files stay small: a warning over [`WARN_LINES`], an error over [`MAX_LINES`];
//! - every backend crate, and the facade for `DefaultSelector`, runs the conformance suite:
//!   `tests/conformance.rs` calls `conformance_suite!`;
//! - each backend's list of operating systems is the same in its `build.rs`, its `cfg_*!`
//!   macro, and the facade's `build.rs` and `Cargo.toml` ([`os_lists`]);
//! - every published crate has a `description`, a `README.md` of its own, and copies of the
//!   top-level licence files ([`packages`]).
//!
//! The rules look at code only: comments and string contents are blanked first
//! ([`code::code_lines`]), so prose may say "unsafe" freely.

mod code;
mod os_lists;
mod packages;

pub(crate) use packages::{is_published, package_value};

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::{Result, project_root, relative};

/// Files longer than this get a warning.
const WARN_LINES: usize = 400;
/// Files longer than this fail.
const MAX_LINES: usize = 600;
/// How many lines of code may sit between a `// SAFETY:` comment and its `unsafe` block, for
/// a block inside a statement that rustfmt spread over several lines.
const SAFETY_REACH: usize = 3;
/// The crate roots that must forbid `unsafe` outright.
const FORBID_UNSAFE: [&str; 3] = [
    "selectors-core/src/lib.rs",
    "selectors/src/lib.rs",
    "xtask/src/main.rs",
];

pub(crate) fn run() -> Result {
    let root = project_root();
    let mut report = Report::default();
    let mut files = Vec::new();
    rust_files(root, &mut files)?;
    for path in &files {
        let source = read(path)?;
        check_source(&relative(path), &source, &mut report);
    }
    let members = workspace_members(&read(&root.join("Cargo.toml"))?)?;
    for member in &members {
        let manifest = Path::new(member).join("Cargo.toml");
        if !has_workspace_lints(&read(&root.join(&manifest))?) {
            report.error(&manifest, 0, "no `[lints] workspace = true`");
        }
    }
    for member in members.iter().filter(|m| runs_conformance(m)) {
        let suite = Path::new(member).join("tests/conformance.rs");
        match fs::read_to_string(root.join(&suite)) {
            Ok(source) if calls_suite(&source) => {}
            Ok(_) => report.error(&suite, 0, "does not call `conformance_suite!`"),
            Err(_) => report.error(
                &suite,
                0,
                "missing: every backend runs the conformance suite",
            ),
        }
    }
    os_lists::check(root, &members, &mut report)?;
    packages::check(root, &members, &mut report)?;
    for path in FORBID_UNSAFE {
        let source = read(&root.join(path))?;
        if !code::code_lines(&source)
            .iter()
            .any(|line| line.trim() == "#![forbid(unsafe_code)]")
        {
            report.error(Path::new(path), 0, "no `#![forbid(unsafe_code)]`");
        }
    }
    println!("tidy: {} Rust files, {} crates", files.len(), members.len());
    report.finish()
}

#[derive(Debug, Default)]
struct Report {
    errors: Vec<String>,
    warnings: Vec<String>,
}

impl Report {
    fn error(&mut self, path: &Path, line: usize, message: &str) {
        self.errors.push(located(path, line, message));
    }

    fn warn(&mut self, path: &Path, line: usize, message: &str) {
        self.warnings.push(located(path, line, message));
    }

    fn finish(self) -> Result {
        for warning in &self.warnings {
            println!("tidy warning: {warning}");
        }
        for error in &self.errors {
            println!("tidy error: {error}");
        }
        match self.errors.len() {
            0 => Ok(()),
            n => Err(format!("tidy: {n} rule violations (listed above)")),
        }
    }
}

fn located(path: &Path, line: usize, message: &str) -> String {
    match line {
        0 => format!("{}: {message}", path.display()),
        _ => format!("{}:{line}: {message}", path.display()),
    }
}

pub(crate) fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Every `.rs` file below `dir`, skipping hidden directories and build output.
fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    paths.sort();
    for path in paths {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" && !path.join("CACHEDIR.TAG").exists() {
                rust_files(&path, files)?;
            }
        } else if name.ends_with(".rs") {
            files.push(path);
        }
    }
    Ok(())
}

/// The per-file rules; `path` is relative to the workspace root.
fn check_source(path: &Path, source: &str, report: &mut Report) {
    if !source.trim_start().starts_with("//!") {
        report.error(
            path,
            1,
            "does not start with a `//!` comment saying what it is",
        );
    }
    let lines = source.lines().count();
    if lines > MAX_LINES {
        report.error(
            path,
            0,
            &format!("{lines} lines, over the {MAX_LINES}-line limit: split it"),
        );
    } else if lines > WARN_LINES {
        report.warn(
            path,
            0,
            &format!("{lines} lines, over the {WARN_LINES}-line budget"),
        );
    }
    let raw: Vec<&str> = source.lines().collect();
    let masked = code::code_lines(source);
    let unsafe_allowed = !is_crate_src(path) || is_sys(path);
    for line in code::mods_in_macros(&masked) {
        report.error(
            path,
            line,
            "`mod` declaration inside a macro: rustfmt never formats the file it names",
        );
    }
    for (i, line) in masked.iter().enumerate() {
        for banned in ["todo!(", "unimplemented!(", "#[ignore"] {
            if line.contains(banned) {
                report.error(path, i + 1, &format!("`{banned}` in code"));
            }
        }
        if find_word(line, "unsafe").is_none() {
            continue;
        }
        if !unsafe_allowed {
            report.error(
                path,
                i + 1,
                "`unsafe` outside a `sys.rs` file or `sys/` directory",
            );
        }
        if is_unsafe_block(line) && !has_safety_comment(&raw, &masked, i) {
            report.error(
                path,
                i + 1,
                "`unsafe` without a `// SAFETY:` comment right above",
            );
        }
    }
}

/// Under `selectors*/src/`.
fn is_crate_src(path: &Path) -> bool {
    let mut parts = path.components().map(Component::as_os_str);
    let krate = parts.next().map(|c| c.to_string_lossy());
    krate.is_some_and(|k| k.starts_with("selectors")) && parts.next() == Some("src".as_ref())
}

fn is_sys(path: &Path) -> bool {
    path.file_name() == Some("sys.rs".as_ref()) || path.components().any(|c| c.as_os_str() == "sys")
}

/// The byte offset of `word` in `line` as a whole identifier.
fn find_word(line: &str, word: &str) -> Option<usize> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(word).map(|(i, _)| i).find(|&i| {
        let before = line[..i].chars().next_back();
        let after = line[i + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// An `unsafe { … }` block or an `unsafe impl` (`unsafe fn` declarations document their
/// contract with `# Safety` instead, which clippy checks).
fn is_unsafe_block(line: &str) -> bool {
    let mut rest = line;
    while let Some(i) = find_word(rest, "unsafe") {
        let after = rest[i + "unsafe".len()..].trim_start();
        if after.starts_with('{') || find_word(after, "impl") == Some(0) {
            return true;
        }
        rest = &rest[i + "unsafe".len()..];
    }
    false
}

/// Walks up from line `at`: comment lines and attributes are passed, up to [`SAFETY_REACH`]
/// lines of the same statement too; a blank line or another `unsafe` block ends the search.
fn has_safety_comment(raw: &[&str], masked: &[String], at: usize) -> bool {
    let mut code_lines = 0;
    for j in (0..at).rev() {
        let line = raw[j].trim();
        if line.starts_with("// SAFETY:") {
            return true;
        }
        if line.is_empty() || is_unsafe_block(&masked[j]) {
            return false;
        }
        if line.starts_with("//") || line.starts_with("#[") {
            continue;
        }
        code_lines += 1;
        if code_lines > SAFETY_REACH {
            return false;
        }
    }
    false
}

/// The `members = [...]` of the root manifest (plain paths; globs are not used here).
pub(crate) fn workspace_members(manifest: &str) -> Result<Vec<String>> {
    let start = manifest
        .find("members")
        .and_then(|i| manifest[i..].find('[').map(|j| i + j + 1))
        .ok_or("no `members = [` in Cargo.toml")?;
    let end = manifest[start..]
        .find(']')
        .ok_or("unterminated `members` in Cargo.toml")?;
    let members: Vec<String> = manifest[start..start + end]
        .split(',')
        .map(|m| m.trim().trim_matches('"').to_owned())
        .filter(|m| !m.is_empty())
        .collect();
    match members.iter().find(|m| m.contains('*')) {
        Some(glob) => Err(format!("tidy does not expand the member glob `{glob}`")),
        None => Ok(members),
    }
}

/// `[lints]` followed by `workspace = true` in that table, or `lints.workspace = true`.
fn has_workspace_lints(manifest: &str) -> bool {
    let mut in_lints = false;
    for line in manifest
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
    {
        if line.starts_with('[') {
            in_lints = line == "[lints]";
            continue;
        }
        let setting: String = line.chars().filter(|c| !c.is_whitespace()).collect();
        if (in_lints && setting == "workspace=true") || setting == "lints.workspace=true" {
            return true;
        }
    }
    false
}

/// The backend crates and the facade: every crate with a selector type.
fn runs_conformance(member: &str) -> bool {
    member.starts_with("selectors") && member != "selectors-core"
}

fn calls_suite(source: &str) -> bool {
    code::code_lines(source)
        .iter()
        .any(|line| line.contains("conformance_suite!"))
}

#[cfg(test)]
mod tests;
