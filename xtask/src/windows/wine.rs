//! The Wine side of `cargo xtask windows`: the Debian packages it needs, a Wine prefix of its
//! own under the target directory, and the `bcryptprimitives.dll` shim without which no Rust
//! program starts under Wine 8.
//!
//! Everything Wine touches is kept in that prefix (`WINEPREFIX`), so a run neither reads nor
//! changes `~/.wine`, and `cargo clean` starts it afresh.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::cmd::Cmd;
use crate::{Result, project_root, relative};

/// The mingw-w64 C compiler: it builds the shim, and rustc links `*-windows-gnu` programs
/// with it.
const MINGW_GCC: &str = "x86_64-w64-mingw32-gcc";

/// Where Debian and Ubuntu put the 64-bit loader and server, which are not on `PATH` unless
/// the `wine` wrapper package is installed too (a recommendation, which the install skips).
const WINE_LOADERS: [&str; 2] = ["wine64", "/usr/lib/wine/wine64"];
const WINE_SERVERS: [&str; 3] = [
    "wineserver",
    "/usr/lib/wine/wineserver64",
    "/usr/lib/wine/wineserver",
];

/// The shim's sources, under the workspace root.
const SHIM_SOURCES: [&str; 2] = [
    "xtask/wine/bcryptprimitives.c",
    "xtask/wine/bcryptprimitives.def",
];
const SHIM_DLL: &str = "bcryptprimitives.dll";

/// How long the Wine server stays up after its last program exits. Every program started
/// while it runs skips the server's start-up (about a second under Wine 8); it still ends by
/// itself if xtask is killed before it can stop it.
const SERVER_LINGER_SECONDS: u32 = 30;

/// Installs the Debian packages providing Wine and the mingw-w64 compiler when either is
/// missing, and says how long that took.
pub(crate) fn ensure_packages() -> Result {
    let mut missing = Vec::new();
    if find(&WINE_LOADERS).is_none() || find(&WINE_SERVERS).is_none() {
        missing.push("wine64");
    }
    if find(&[MINGW_GCC]).is_none() {
        missing.push("gcc-mingw-w64-x86-64");
    }
    if missing.is_empty() {
        return Ok(());
    }
    if find(&["apt-get"]).is_none() {
        return Err(format!(
            "running the Windows tests needs Wine (wine64) and {MINGW_GCC}; without apt-get, \
             install them by hand (Debian and Ubuntu packages: {})",
            missing.join(" ")
        ));
    }
    let started = Instant::now();
    println!("windows: installing {}", missing.join(" "));
    // Not root: sudo, which CI machines such as GitHub's runners allow without a password.
    let root = Cmd::new("id").arg("-u").read()?.trim() == "0";
    let apt = |args: &[&str]| match root {
        true => Cmd::new("apt-get").args(args),
        false => Cmd::new("sudo").arg("apt-get").args(args),
    };
    apt(&["update", "-qq"]).run()?;
    // Wine's recommendations are its desktop side (sound, video, fonts, GPU drivers), some
    // hundred packages that console test programs never use.
    apt(&["install", "-y", "-q", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .run()?;
    println!(
        "windows: installed {} in {:.1?}",
        missing.join(" "),
        started.elapsed()
    );
    Ok(())
}

/// A ready Wine prefix; its server, once started, runs until this is dropped.
#[derive(Debug)]
pub(crate) struct Wine {
    loader: PathBuf,
    server: PathBuf,
    prefix: PathBuf,
    /// `wine64 --version`, for the report.
    pub(crate) version: String,
}

impl Wine {
    /// Finds Wine, initializes the prefix `dir/prefix` if it was not, and installs the shim
    /// built in `dir/shim`; prints what it did and how long it took.
    pub(crate) fn prepare(dir: &Path) -> Result<Wine> {
        let missing = |what: &str, names: &[&str]| {
            format!("{what} not found (looked for {})", names.join(", "))
        };
        let loader = find(&WINE_LOADERS).ok_or_else(|| missing("wine64", &WINE_LOADERS))?;
        let server = find(&WINE_SERVERS).ok_or_else(|| missing("wineserver", &WINE_SERVERS))?;
        let version = Cmd::new(&loader).arg("--version").read()?;
        let wine = Wine {
            loader,
            server,
            prefix: dir.join("prefix"),
            version: version.trim().to_owned(),
        };
        wine.init_prefix()?;
        wine.install_shim(&dir.join("shim"))?;
        Ok(wine)
    }

    /// Starts the prefix's server for the programs to come, which then skip its start-up;
    /// it stops when this is dropped.
    pub(crate) fn start_server(&self) -> Result {
        // The server forks and outlives this command: no pipes, which it would hold open.
        let mut server = self.command(&self.server);
        server
            .arg(format!("--persistent={SERVER_LINGER_SECONDS}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match server.status() {
            Ok(status) if status.success() => Ok(()),
            // It exits with 2 when a server already serves the prefix, which does as well.
            Ok(status) if status.code() == Some(2) => Ok(()),
            Ok(status) => Err(format!("the Wine server did not start ({status})")),
            Err(e) => Err(format!("cannot start {}: {e}", self.server.display())),
        }
    }

    /// The environment that makes cargo run Windows programs of `triple` in this prefix
    /// (its doc tests, say): the loader as the target's runner, and the prefix's variables.
    pub(crate) fn cargo_env(&self, triple: &str) -> Vec<(String, std::ffi::OsString)> {
        let runner = format!(
            "CARGO_TARGET_{}_RUNNER",
            triple.to_uppercase().replace('-', "_")
        );
        vec![
            (runner, self.loader.clone().into_os_string()),
            (
                "WINEPREFIX".to_owned(),
                self.prefix.clone().into_os_string(),
            ),
            ("WINEARCH".to_owned(), "win64".into()),
            ("WINEDEBUG".to_owned(), "-all,err+module".into()),
            (
                "WINEDLLOVERRIDES".to_owned(),
                "mscoree,mshtml=;winemenubuilder.exe=d".into(),
            ),
        ]
    }

    /// A command running `program` in the prefix: a Windows program goes through the loader,
    /// a Wine tool (`wineserver`) directly.
    pub(crate) fn command(&self, program: &Path) -> Command {
        let mut command = match program == self.server {
            true => Command::new(program),
            false => {
                let mut command = Command::new(&self.loader);
                command.arg(program);
                command
            }
        };
        command
            .env("WINEPREFIX", &self.prefix)
            .env("WINEARCH", "win64")
            // Only the loader's errors, which name a DLL a program cannot start without: with
            // `-all` such a program dies silently with exit code 53.
            .env("WINEDEBUG", "-all,err+module")
            // No Mono, no Gecko (wineboot would offer to download them), and no menu entries
            // written to the user's desktop.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=;winemenubuilder.exe=d")
            // Headless: without a display Wine uses no graphics driver and shows no window.
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        command
    }

    /// `wineboot --init` once per prefix; the marker file is written only once the server has
    /// saved the registry, so an interrupted initialization starts over.
    fn init_prefix(&self) -> Result {
        let marker = self.prefix.join(".xtask-initialized");
        if marker.exists() {
            println!(
                "windows: Wine prefix {} (reused)",
                relative(&self.prefix).display()
            );
            return Ok(());
        }
        if self.prefix.exists() {
            fs::remove_dir_all(&self.prefix)
                .map_err(|e| format!("cannot remove {}: {e}", self.prefix.display()))?;
        }
        create_dir(&self.prefix)?;
        let started = Instant::now();
        println!(
            "windows: initializing the Wine prefix {}",
            relative(&self.prefix).display()
        );
        let mut boot = self.command(Path::new("wineboot"));
        boot.arg("--init");
        quiet(&mut boot, "wineboot --init")?;
        // Wait for the server to exit: it writes the registry files then.
        let mut wait = self.command(&self.server);
        wait.arg("--wait");
        quiet(&mut wait, "wineserver --wait")?;
        if !self.prefix.join("system.reg").exists() {
            return Err(format!(
                "wineboot left no registry in {}",
                self.prefix.display()
            ));
        }
        write(&marker, &self.version)?;
        println!(
            "windows: Wine prefix initialized in {:.1?}",
            started.elapsed()
        );
        Ok(())
    }

    /// Builds the shim into `dir` unless the copy there was built from the current sources,
    /// and copies it into the prefix's system32 unless it is there already.
    fn install_shim(&self, dir: &Path) -> Result {
        let dll = dir.join(SHIM_DLL);
        // The sources the DLL was built from, kept beside it: a rebuild happens exactly when
        // they change, whatever the files' times say.
        let stamp = dir.join("sources");
        let mut sources = String::new();
        for path in SHIM_SOURCES {
            let text = fs::read_to_string(project_root().join(path))
                .map_err(|e| format!("cannot read {path}: {e}"))?;
            sources.push_str(&text);
        }
        if !dll.exists() || fs::read_to_string(&stamp).ok().as_ref() != Some(&sources) {
            create_dir(dir)?;
            let started = Instant::now();
            Cmd::new(MINGW_GCC)
                .args(["-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-s", "-o"])
                .arg(&dll)
                .args(SHIM_SOURCES)
                .arg("-ladvapi32")
                .run()?;
            write(&stamp, &sources)?;
            println!("windows: built {} in {:.1?}", SHIM_DLL, started.elapsed());
        }
        let installed = self.prefix.join("drive_c/windows/system32").join(SHIM_DLL);
        let built = fs::read(&dll).map_err(|e| format!("cannot read {}: {e}", dll.display()))?;
        if fs::read(&installed).ok() != Some(built) {
            fs::copy(&dll, &installed)
                .map_err(|e| format!("cannot copy {SHIM_DLL} to {}: {e}", installed.display()))?;
            println!("windows: installed {SHIM_DLL} into the prefix's system32");
        }
        Ok(())
    }
}

impl Drop for Wine {
    /// Stops the prefix's server, and with it any program a test left running. Without a
    /// running server this fails, harmlessly.
    fn drop(&mut self) {
        let _ = self
            .command(&self.server)
            .arg("--kill")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The first of `names` that exists: a path as it is, a bare name searched on `PATH`.
fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        if name.contains('/') {
            Some(PathBuf::from(name)).filter(|p| p.is_file())
        } else {
            std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        }
    })
}

/// Runs `command`, showing its output only if it fails.
fn quiet(command: &mut Command, what: &str) -> Result {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).trim_end().to_owned();
    Err(format!(
        "{what} failed ({}):\n{}\n{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    ))
}

fn create_dir(dir: &Path) -> Result {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

fn write(path: &Path, text: &str) -> Result {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
