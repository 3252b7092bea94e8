//! `cargo xtask bench`: the comparison benchmark of `selectors/benches/compare.rs`, which
//! runs the same workloads on every backend and on mio, polling and raw rustix; then the
//! Windows benchmark (`selectors/benches/windows.rs`) under Wine, whose tables go into
//! `docs/benchmarks.md` (section "Windows, under Wine") on a full run.

use crate::cmd::Cmd;
use crate::{FACADE, Result, project_root, windows};

/// The file the Windows tables are written into, and the markers around them.
const DOCS: &str = "docs/benchmarks.md";
const BEGIN: &str = "<!-- windows-bench -->";
const END: &str = "<!-- /windows-bench -->";

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
        .run()?;
    // `--only wN` names Linux workloads: the Windows run is W1 and W3 only.
    if args.iter().any(|a| a == "--only") {
        return Ok(());
    }
    let smallest = args.iter().any(|a| a == "--smallest");
    let passed: Vec<String> = args
        .iter()
        .filter(|a| *a == "--smallest")
        .cloned()
        .collect();
    let lines = windows::bench(&passed)?;
    if !smallest {
        write_windows_section(&lines)?;
    }
    Ok(())
}

/// Puts the Windows tables (what the benchmark printed between its markers) into
/// `docs/benchmarks.md`, replacing the previous ones.
fn write_windows_section(lines: &[String]) -> Result {
    let begin = lines.iter().position(|l| l.trim() == BEGIN);
    let end = lines.iter().position(|l| l.trim() == END);
    let (Some(begin), Some(end)) = (begin, end) else {
        return Err("the Windows benchmark printed no tables".to_owned());
    };
    let tables = lines[begin..=end].join("\n");
    let path = project_root().join(DOCS);
    let docs = std::fs::read_to_string(&path).map_err(|e| format!("{DOCS}: {e}"))?;
    let docs = match (docs.find(BEGIN), docs.find(END)) {
        (Some(a), Some(b)) => format!("{}{tables}{}", &docs[..a], &docs[b + END.len()..]),
        _ => format!(
            "{}\n\n## Windows, under Wine\n\nEvery figure in this section was measured under \
             Wine 8 on this Linux machine (Wine's Winsock over Linux sockets), not on Windows: \
             the `windows` benchmark, built for `x86_64-pc-windows-gnu` by `cargo xtask bench`. \
             Ratios are the cost ratio to the raw loop of the same call (the floor); \
             polling's and mio's are to raw select.\n\n{tables}\n",
            docs.trim_end()
        ),
    };
    std::fs::write(&path, docs).map_err(|e| format!("{DOCS}: {e}"))?;
    println!("bench: wrote the Windows tables into {DOCS}");
    Ok(())
}

/// Whether the comparison benchmark has been written.
pub(crate) fn exists() -> bool {
    project_root().join(COMPARE).is_file()
}
