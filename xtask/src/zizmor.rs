//! `cargo xtask zizmor`: audits the CI workflow with [zizmor], offline, and fails on any
//! finding at zizmor's default persona. A finding that is accepted rather than fixed carries a
//! `# zizmor: ignore[rule]` comment in the workflow, saying why.
//!
//! zizmor comes from PyPI (a prebuilt binary in a wheel) and is installed on first use with
//! `python3 -m pip install --target`, into a directory of the cargo target directory named
//! after the pinned [`VERSION`]. That needs only a python3 with pip, whichever provides it
//! (the system, pyenv): `python3 -m pip` is the pip of the `python3` that runs, where a bare
//! `pip` may belong to another Python. A `--target` install needs no PATH entry, does not
//! touch the user's site-packages, and is allowed where a system Python is marked externally
//! managed (PEP 668), which refuses `pip install --user`. The version is pinned because new
//! zizmor releases add audits: moving to one is a change to review, not a surprise in CI.
//!
//! [zizmor]: https://docs.zizmor.sh

use std::path::{Path, PathBuf};

use crate::cmd::Cmd;
use crate::{Result, cmd, relative};

/// The zizmor release the workflow is audited with.
const VERSION: &str = "1.32.0";
/// The audited workflow, relative to the workspace root.
const WORKFLOW: &str = ".github/workflows/ci.yml";

pub(crate) fn run() -> Result {
    let zizmor = ensure()?;
    // `--offline`: no network, so no GitHub token, and the same result on any machine.
    Cmd::new(&zizmor)
        .args(["--offline", "--no-progress", WORKFLOW])
        .run()
        .map_err(|e| {
            format!(
                "{e}\nexit statuses 10 to 14 are findings in {WORKFLOW}: fix them, or accept \
                 one with a `# zizmor: ignore[rule]` comment that says why"
            )
        })
}

/// A zizmor of the pinned version: one on PATH if it is that version, else the one installed
/// under the target directory, installing it first if it is not there.
fn ensure() -> Result<PathBuf> {
    let on_path = PathBuf::from("zizmor");
    if is_pinned(&on_path) {
        return Ok(on_path);
    }
    let dir = cmd::target_dir()?.join(format!("zizmor-{VERSION}"));
    if let Some(exe) = installed(&dir) {
        return Ok(exe);
    }
    println!(
        "zizmor: installing zizmor {VERSION} into {}",
        relative(&dir).display()
    );
    let python = python()?;
    // `--upgrade` replaces what a broken earlier install left in the directory.
    Cmd::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--upgrade",
            "--target",
        ])
        .arg(&dir)
        .arg(format!("zizmor=={VERSION}"))
        .run()
        .map_err(|e| format!("cannot install zizmor {VERSION}: {e}"))?;
    installed(&dir).ok_or_else(|| {
        format!(
            "pip installed zizmor {VERSION}, but no working zizmor is in {}",
            relative(&dir).display()
        )
    })
}

/// The zizmor executable under `dir` if it runs and is the pinned version.
fn installed(dir: &Path) -> Option<PathBuf> {
    candidates(dir).into_iter().find(|exe| is_pinned(exe))
}

/// Where `pip install --target dir` puts the executable: `bin/` on Unix, `Scripts/` (with
/// `.exe`) on Windows.
fn candidates(dir: &Path) -> Vec<PathBuf> {
    ["bin/zizmor", "bin/zizmor.exe", "Scripts/zizmor.exe"]
        .iter()
        .map(|path| dir.join(path))
        .filter(|exe| exe.is_file())
        .collect()
}

/// Whether `exe` runs and reports the pinned version.
fn is_pinned(exe: &Path) -> bool {
    Cmd::new(exe)
        .arg("--version")
        .read()
        .is_ok_and(|out| is_version(&out))
}

/// Whether `zizmor --version` printed the pinned version.
fn is_version(output: &str) -> bool {
    output.trim() == format!("zizmor {VERSION}")
}

/// The first of `python3` and `python` (the usual name on Windows) whose pip runs.
fn python() -> Result<&'static str> {
    ["python3", "python"]
        .into_iter()
        .find(|python| {
            Cmd::new(python)
                .args(["-m", "pip", "--version"])
                .read()
                .is_ok()
        })
        .ok_or_else(|| {
            format!(
                "zizmor {VERSION} is installed with pip, but neither `python3 -m pip` nor \
                 `python -m pip` runs; install python3 and pip"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::{VERSION, WORKFLOW, is_version};
    use crate::project_root;

    #[test]
    fn only_the_pinned_version_is_taken() {
        assert!(is_version(&format!("zizmor {VERSION}\n")));
        assert!(!is_version("zizmor 1.0.0\n"));
        assert!(!is_version(""));
    }

    /// zizmor wants a commit SHA; the tag beside it is what a reader and an update need.
    #[test]
    fn every_action_is_pinned_to_a_commit_with_its_tag() {
        let workflow = std::fs::read_to_string(project_root().join(WORKFLOW)).unwrap();
        let mut actions = 0;
        for (number, line) in workflow.lines().enumerate() {
            let Some((_, action)) = line.split_once("uses:") else {
                continue;
            };
            actions += 1;
            let (_, pin) = action
                .split_once('@')
                .unwrap_or_else(|| panic!("{WORKFLOW}:{}: no `@` in `{line}`", number + 1));
            let (sha, tag) = pin
                .split_once(" # v")
                .unwrap_or_else(|| panic!("{WORKFLOW}:{}: no `# vX.Y.Z` tag comment", number + 1));
            assert!(
                sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "{WORKFLOW}:{}: `{sha}` is not a full commit SHA",
                number + 1
            );
            assert!(!tag.trim().is_empty(), "{WORKFLOW}:{}", number + 1);
        }
        assert!(actions > 0, "no `uses:` in {WORKFLOW}");
    }
}
