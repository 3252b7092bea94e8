//! `cargo xtask bench`: the comparison benchmark of `selectors/benches/compare.rs`, which
//! runs the same workloads on every backend and on mio, polling and raw rustix.

use crate::cmd::Cmd;
use crate::{FACADE, Result, project_root};

/// The bench target, relative to the workspace root.
pub(crate) const COMPARE: &str = "selectors/benches/compare.rs";

/// `cargo bench -p selectors-io --bench compare -- ARGS`.
pub(crate) fn run(args: &[String]) -> Result {
    if !exists() {
        return Err(format!("{COMPARE} does not exist"));
    }
    Cmd::cargo()
        .args(["bench", "--package", FACADE, "--bench", "compare", "--"])
        .args(args)
        .run()
}

/// Whether the comparison benchmark has been written.
pub(crate) fn exists() -> bool {
    project_root().join(COMPARE).is_file()
}
