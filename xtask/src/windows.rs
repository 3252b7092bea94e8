//! `cargo xtask windows`: the workspace's tests built for Windows (`x86_64-pc-windows-gnu`)
//! and run under Wine, on a Linux machine.
//!
//! It installs what is missing (the rustup target, Debian's `wine64` and the mingw-w64
//! compiler), prepares a Wine prefix under the target directory ([`wine`]), builds every test
//! program in one `cargo test --no-run` and runs each under Wine ([`exec`]), then the doc
//! tests ([`doc`]: cargo runs each under Wine), printing one line
//! per program, the tests run per package (so per backend: `selectors-select` is Winsock
//! `select`, `selectors-poll` is `WSAPoll`, the facade's `DefaultSelector` is select) and the
//! totals. Any failure fails the command. `--example NAME` builds and runs an example instead.
//!
//! The packages of [`NOT_YET`] would be left out until their tests compile for Windows (none
//! is now). The `ci` step also runs the facade's echo example with its own clients.

mod bench;
mod doc;
mod exec;
mod json;
mod wine;

pub(crate) use bench::bench;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::cmd::Cmd;
use crate::{Result, cmd, relative, rustup};
use exec::Tally;
use wine::Wine;

/// The Windows target: the GNU one, because it links with the mingw-w64 toolchain that Linux
/// distributions package (the MSVC target needs Microsoft's linker and SDK).
const TRIPLE: &str = "x86_64-pc-windows-gnu";

/// The packages whose tests do not compile for Windows yet, and why; each goes from this list
/// when its package's tests build there.
const NOT_YET: &[(&str, &str)] = &[];

/// The package whose echo example `ci` runs once it builds for Windows.
const FACADE: &str = "selectors-io";
/// The echo example's run in `ci`: its own clients against its server, on any free port.
const ECHO_ARGS: [&str; 6] = ["--port", "0", "--clients", "50", "--messages", "200"];

/// A test of this module that proves loopback TCP works under Wine; the run fails unless
/// xtask's own test program, built for Windows, ran it and it passed.
const SMOKE_TEST: &str = "windows::tests::loopback_tcp_round_trip";

/// How long one program may run before it is killed and counted as failed.
const TIME_LIMIT: Duration = Duration::from_secs(600);

const USAGE: &str = "usage: cargo xtask windows [-- TEST_ARGS]
       cargo xtask windows --example NAME [-- ARGS]";

/// `cargo xtask windows [-- TEST_ARGS]` passes TEST_ARGS to every test program (a filter,
/// `--nocapture`, ...); `--example NAME [-- ARGS]` runs that example with ARGS.
pub(crate) fn run(args: &[String]) -> Result {
    let after_dashes = |rest: &[String]| match rest {
        [] => Ok(Vec::new()),
        [dashes, rest @ ..] if dashes == "--" => Ok(rest.to_vec()),
        _ => Err(format!("unexpected arguments {rest:?}\n{USAGE}")),
    };
    match args {
        [flag, name, rest @ ..] if flag == "--example" => {
            let args = after_dashes(rest)?;
            let wine = setup()?;
            example(&wine, name, &args)
        }
        _ => tests(&after_dashes(args)?, false),
    }
}

/// The `windows` step of `cargo xtask ci`.
pub(crate) fn ci() -> Result {
    tests(&[], true)
}

/// Builds and runs every test program, then, with `echo` and once the facade builds, its
/// echo example.
fn tests(test_args: &[String], echo: bool) -> Result {
    let started = Instant::now();
    let wine = setup()?;
    let setup_time = started.elapsed();
    for (package, why) in NOT_YET {
        println!("windows: leaving out {package}: {why}");
    }
    let built = Instant::now();
    let mut cargo = vec!["test", "--workspace", "--no-run"];
    for (package, _) in NOT_YET {
        cargo.extend(["--exclude", package]);
    }
    let mut programs: Vec<Artifact> = build(&cargo)?.into_iter().filter(|a| a.test).collect();
    // Cargo lists them as they finish building; the table reads better in a fixed order.
    programs.sort_by(|a, b| a.label.cmp(&b.label));
    let build_time = built.elapsed();

    let ran = Instant::now();
    wine.start_server()?;
    let mut rows = Vec::new();
    for program in &programs {
        println!("\n--> {} under {}", program.label, wine.version);
        let outcome = exec::run(
            &wine,
            &program.executable,
            test_args,
            &program.dir,
            TIME_LIMIT,
        )?;
        rows.push((program, outcome));
    }
    let (doc_tests, doc_ok) = doc::run(&wine)?;
    let run_time = ran.elapsed();

    let mut failures = report(&rows, run_time, &wine.version);
    println!(
        "  {:<44} {:>6} {:>6} {:>7}",
        "doc tests (cargo test --doc --workspace)",
        doc_tests.passed,
        doc_tests.failed,
        doc_tests.ignored
    );
    if !doc_ok || doc_tests.failed > 0 || doc_tests.results == 0 {
        failures.push("the doc tests failed under Wine (output above)".to_owned());
    }
    per_package(&rows);
    let smoke = rows.iter().any(|(program, outcome)| {
        program.package == "xtask"
            && outcome
                .lines
                .iter()
                .any(|l| *l == format!("test {SMOKE_TEST} ... ok"))
    });
    if !smoke && test_args.is_empty() {
        failures.push(format!(
            "the loopback TCP check `{SMOKE_TEST}` did not pass under Wine"
        ));
    }
    println!(
        "windows: setup {:.1}s, build {:.1}s, run {:.1}s",
        setup_time.as_secs_f64(),
        build_time.as_secs_f64(),
        run_time.as_secs_f64()
    );
    if !failures.is_empty() {
        return Err(format!(
            "windows: {} failed under Wine:\n  {}",
            failures.len(),
            failures.join("\n  ")
        ));
    }
    if echo && !NOT_YET.iter().any(|(package, _)| *package == FACADE) {
        let args = ECHO_ARGS.map(str::to_owned);
        example(&wine, "echo", &args)?;
    }
    Ok(())
}

/// Prints one line per test program and the totals; returns the failures.
fn report(rows: &[(&Artifact, exec::Outcome)], run_time: Duration, version: &str) -> Vec<String> {
    println!("\nwindows: {} test programs under {}", rows.len(), version);
    println!(
        "  {:<44} {:>6} {:>6} {:>7} {:>7}  status",
        "program", "passed", "failed", "ignored", "time"
    );
    let mut total = Tally::default();
    let mut failures = Vec::new();
    for (program, outcome) in rows {
        let tally = outcome.tally();
        total += tally;
        let status = status(outcome, tally);
        println!(
            "  {:<44} {:>6} {:>6} {:>7} {:>6.1}s  {status}",
            program.label,
            tally.passed,
            tally.failed,
            tally.ignored,
            outcome.elapsed.as_secs_f64()
        );
        if status != "ok" {
            failures.push(format!("{}: {status}", program.label));
        }
    }
    println!(
        "  {:<44} {:>6} {:>6} {:>7} {:>6.1}s",
        "total",
        total.passed,
        total.failed,
        total.ignored,
        run_time.as_secs_f64()
    );
    failures
}

/// Prints the tests that passed per package: per backend, for the backend crates.
fn per_package(rows: &[(&Artifact, exec::Outcome)]) {
    let mut packages: Vec<(&str, u64)> = Vec::new();
    for (program, outcome) in rows {
        let passed = outcome.tally().passed;
        match packages
            .iter_mut()
            .find(|(name, _)| *name == program.package)
        {
            Some((_, count)) => *count += passed,
            None => packages.push((&program.package, passed)),
        }
    }
    println!("\nwindows: tests passed per package under Wine");
    for (package, passed) in packages {
        let what = match package {
            "selectors-select" => " (SelectSelector: Winsock select)",
            "selectors-poll" => " (PollSelector: WSAPoll)",
            "selectors-io" => " (the facade: DefaultSelector is select)",
            _ => "",
        };
        println!("  {package:<20} {passed:>6}{what}");
    }
}

/// The verdict on a test program's run: `ok`, or why it failed.
fn status(outcome: &exec::Outcome, tally: Tally) -> String {
    match outcome.status {
        None => format!("FAILED: killed after {}s", TIME_LIMIT.as_secs()),
        // What Wine exits with when a program's imports cannot be loaded (STATUS_DLL_NOT_FOUND).
        Some(status) if status.code() == Some(53) && outcome.lines.is_empty() => {
            "FAILED: a DLL it imports is missing (see the err:module lines above)".to_owned()
        }
        Some(status) if !status.success() => format!("FAILED: {status}"),
        Some(_) if tally.results == 0 => "FAILED: no `test result:` line".to_owned(),
        Some(_) if tally.failed > 0 => format!("FAILED: {} tests failed", tally.failed),
        Some(_) => "ok".to_owned(),
    }
}

/// Builds the example `name` and runs it under Wine with `args`.
fn example(wine: &Wine, name: &str, args: &[String]) -> Result {
    let built = build(&["build", "--workspace", "--example", name])?;
    let example = built
        .into_iter()
        .find(|a| a.kind == "example" && a.name == name)
        .ok_or_else(|| format!("cargo built no example `{name}`"))?;
    wine.start_server()?;
    println!(
        "\n--> example {name} {} under {}",
        args.join(" "),
        wine.version
    );
    let outcome = exec::run(wine, &example.executable, args, &example.dir, TIME_LIMIT)?;
    let took = outcome.elapsed.as_secs_f64();
    match outcome.status {
        Some(status) if status.success() => {
            println!("windows: example {name} passed in {took:.1}s");
            Ok(())
        }
        Some(status) => Err(format!("example {name} failed under Wine ({status})")),
        None => Err(format!("example {name} was killed after {took:.0}s")),
    }
}

/// Installs what is missing and prepares the Wine prefix.
fn setup() -> Result<Wine> {
    if !rustup::ensure_targets(&[TRIPLE])?.is_empty() {
        return Err(format!("`rustup target add {TRIPLE}` failed (see above)"));
    }
    wine::ensure_packages()?;
    Wine::prepare(&cmd::target_dir()?.join("wine"))
}

/// A program cargo built.
#[derive(Debug)]
struct Artifact {
    package: String,
    /// The target's kind: `lib`, `bin`, `test`, `example`, ...
    kind: String,
    name: String,
    /// Whether it is a test program (libtest's harness), not the program itself.
    test: bool,
    /// The package and the target's source, as cargo names test programs.
    label: String,
    executable: PathBuf,
    /// The package's directory.
    dir: PathBuf,
}

/// Runs `cargo ARGS` for Windows and returns the programs it built, in cargo's order.
fn build(args: &[&str]) -> Result<Vec<Artifact>> {
    let json = Cmd::cargo()
        .args(args)
        .args([
            "--target",
            TRIPLE,
            "--message-format=json-render-diagnostics",
        ])
        .stdout()?;
    let mut artifacts = Vec::new();
    for line in json.lines().filter(|l| l.starts_with('{')) {
        let message = json::parse(line).map_err(|e| format!("cargo's JSON: {e}: {line}"))?;
        if let Some(artifact) = artifact(&message) {
            artifacts.push(artifact);
        }
    }
    Ok(artifacts)
}

/// The program of a `compiler-artifact` message, if it has one.
fn artifact(message: &json::Value) -> Option<Artifact> {
    if message.get("reason")?.as_str()? != "compiler-artifact" {
        return None;
    }
    let executable = PathBuf::from(message.get("executable")?.as_str()?);
    let target = message.get("target")?;
    let dir = PathBuf::from(message.get("manifest_path")?.as_str()?)
        .parent()?
        .to_path_buf();
    let source = PathBuf::from(target.get("src_path")?.as_str()?);
    let package = package_name(message.get("package_id")?.as_str()?).to_owned();
    let label = format!(
        "{package} {}",
        source
            .strip_prefix(&dir)
            .unwrap_or(&relative(&source))
            .display()
    );
    Some(Artifact {
        package,
        kind: target.get("kind")?.items().first()?.as_str()?.to_owned(),
        name: target.get("name")?.as_str()?.to_owned(),
        test: message.get("profile")?.get("test")?.as_bool()?,
        label,
        executable,
        dir,
    })
}

/// The name in a cargo package id: `path+file:///w/selectors-poll#0.1.0` or
/// `registry+https://...#mio@1.2.5`.
fn package_name(id: &str) -> &str {
    let (url, fragment) = id.rsplit_once('#').unwrap_or((id, ""));
    match fragment.split_once('@') {
        Some((name, _)) => name,
        None => url.rsplit('/').next().unwrap_or(url),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{ErrorKind, Read, Write};
    use std::net::{TcpListener, TcpStream};

    use super::*;

    /// Runs on the host with the other xtask tests, and under Wine in the Windows build of
    /// them, where it is the proof that Winsock works.
    #[test]
    fn loopback_tcp_round_trip() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        client.write_all(b"ping").unwrap();
        let mut buf = [0; 4];
        server.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"ping");
        server.write_all(b"pong").unwrap();
        client.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"pong");
        client.set_nonblocking(true).unwrap();
        let empty = client.read(&mut buf).unwrap_err();
        assert_eq!(empty.kind(), ErrorKind::WouldBlock);
        client.set_nonblocking(false).unwrap();
        drop(server);
        assert_eq!(
            client.read(&mut buf).unwrap(),
            0,
            "end of stream after the peer closed"
        );
    }

    #[test]
    fn reads_cargo_artifacts() {
        let line = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/selectors-poll#0.1.0","manifest_path":"/w/selectors-poll/Cargo.toml","target":{"kind":["test"],"crate_types":["bin"],"name":"conformance","src_path":"/w/selectors-poll/tests/conformance.rs","test":true},"profile":{"opt_level":"0","test":true},"features":[],"filenames":["/t/c.exe"],"executable":"/t/c.exe","fresh":true}"#;
        let a = artifact(&json::parse(line).unwrap()).unwrap();
        assert_eq!(a.package, "selectors-poll");
        assert_eq!(
            (a.kind.as_str(), a.name.as_str(), a.test),
            ("test", "conformance", true)
        );
        assert_eq!(a.label, "selectors-poll tests/conformance.rs");
        assert_eq!(a.executable, PathBuf::from("/t/c.exe"));
        assert_eq!(a.dir, PathBuf::from("/w/selectors-poll"));
        let library = line.replace(r#""executable":"/t/c.exe""#, r#""executable":null"#);
        assert!(artifact(&json::parse(&library).unwrap()).is_none());
        assert_eq!(package_name("registry+https://x/index#mio@1.2.5"), "mio");
        assert_eq!(package_name("path+file:///w/xtask#0.1.0"), "xtask");
    }
}
