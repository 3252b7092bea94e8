//! The Windows benchmark (`selectors/benches/windows.rs`) built for Windows and run under
//! Wine, for `cargo xtask bench`.

use super::{FACADE, TIME_LIMIT, build, exec, setup};
use crate::Result;

/// Builds the facade's Windows benchmark (`benches/windows.rs`, optimised) and runs it under
/// Wine with `args`; returns what it printed.
pub(crate) fn bench(args: &[String]) -> Result<Vec<String>> {
    let wine = setup()?;
    let built = build(&[
        "bench",
        "--package",
        FACADE,
        "--bench",
        "windows",
        "--no-run",
    ])?;
    let program = built
        .into_iter()
        .find(|a| a.kind == "bench" && a.name == "windows")
        .ok_or("cargo built no `windows` benchmark")?;
    wine.start_server()?;
    println!("\n--> the Windows benchmark under {}", wine.version);
    let mut args = args.to_vec();
    args.push("--bench".to_owned());
    let outcome = exec::run(&wine, &program.executable, &args, &program.dir, TIME_LIMIT)?;
    match outcome.status {
        Some(status) if status.success() => Ok(outcome.lines),
        Some(status) => Err(format!(
            "the Windows benchmark failed under Wine ({status})"
        )),
        None => Err("the Windows benchmark was killed".to_owned()),
    }
}
