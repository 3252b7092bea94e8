//! A small command runner: echoes each command line, runs it from the workspace root, and
//! turns a non-zero exit into an error message that names the command.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use crate::{Result, project_root};

/// A command line to run from the workspace root.
#[derive(Debug, Clone)]
pub(crate) struct Cmd {
    program: OsString,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
}

impl Cmd {
    pub(crate) fn new(program: impl AsRef<OsStr>) -> Self {
        Cmd {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            envs: Vec::new(),
        }
    }

    /// The cargo that runs this xtask (the `CARGO` variable cargo sets), so every step uses
    /// the same toolchain; plain `cargo` when xtask was started some other way.
    pub(crate) fn cargo() -> Self {
        Cmd::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
    }

    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub(crate) fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .current_dir(project_root());
        command
    }

    /// Runs with inherited stdio after echoing the command line; a non-zero exit is an error.
    pub(crate) fn run(&self) -> Result {
        println!("$ {self}");
        let status = self
            .command()
            .status()
            .map_err(|e| format!("cannot start `{self}`: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{self}` failed ({status})"))
        }
    }

    /// Runs after echoing the command line, with stderr shown as it comes, and returns stdout
    /// (cargo's `--message-format=json` output, say); a non-zero exit is an error.
    pub(crate) fn stdout(&self) -> Result<String> {
        println!("$ {self}");
        let output = self
            .command()
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot start `{self}`: {e}"))?;
        if output.status.success() {
            String::from_utf8(output.stdout).map_err(|e| format!("`{self}` printed non-UTF-8: {e}"))
        } else {
            Err(format!("`{self}` failed ({})", output.status))
        }
    }

    /// Runs silently, capturing stdout and stderr; the exit status is the caller's to judge.
    pub(crate) fn output(&self) -> Result<Output> {
        self.command()
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot start `{self}`: {e}"))
    }

    /// Runs silently and returns stdout; a non-zero exit is an error that includes stderr.
    pub(crate) fn read(&self) -> Result<String> {
        let output = self.output()?;
        if output.status.success() {
            String::from_utf8(output.stdout).map_err(|e| format!("`{self}` printed non-UTF-8: {e}"))
        } else {
            Err(format!(
                "`{self}` failed ({}):\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim_end()
            ))
        }
    }
}

/// The workspace's target directory, as cargo resolves it (`CARGO_TARGET_DIR`, config, or
/// `target/`). Other toolchains build in subdirectories of it (`nightly/`, `msrv/`): a
/// different compiler would otherwise invalidate the stable steps' shared build-script and
/// proc-macro artifacts.
pub(crate) fn target_dir() -> Result<PathBuf> {
    let metadata = Cmd::cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .read()?;
    let key = "\"target_directory\":\"";
    let start = metadata
        .find(key)
        .map(|i| i + key.len())
        .ok_or("no target_directory in `cargo metadata`")?;
    let mut dir = String::new();
    let mut chars = metadata[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Ok(PathBuf::from(dir)),
            '\\' => dir.extend(chars.next()),
            c => dir.push(c),
        }
    }
    Err("unterminated target_directory in `cargo metadata`".to_owned())
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (key, value) in &self.envs {
            write!(f, "{}={} ", key.to_string_lossy(), value.to_string_lossy())?;
        }
        // Show `cargo`, not the toolchain path that `CARGO` holds.
        let program = std::path::Path::new(&self.program);
        let name = program.file_name().unwrap_or(program.as_os_str());
        write!(f, "{}", name.to_string_lossy())?;
        for arg in &self.args {
            write!(f, " {}", arg.to_string_lossy())?;
        }
        Ok(())
    }
}
