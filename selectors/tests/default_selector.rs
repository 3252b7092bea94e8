//! `DefaultSelector`'s choice of backend: the run-time probe, the `SELECTORS_BACKEND`
//! override, and the errors for names that are unknown or not in this build.
//!
//! The environment is process-wide, so no test here changes it: the tests that need a given
//! environment run this test binary again, as a child process, with the variable set, and
//! read what the child reports.

use selectors_core::conformance::{Stream, socketpair};
use std::env;
use std::io::{self, Write};
use std::process::Command;
use std::time::Duration;

use selectors::{
    BACKEND_ENV, BackendKind, DefaultBackend, DefaultSelector, EVENT_READ, available_backends,
};

/// The probe's expected choice when the kernel refuses nothing: epoll on Linux (CPython's
/// `DefaultSelector` there), else the first backend of this build.
fn expected_probe() -> &'static str {
    if cfg!(all(target_os = "linux", feature = "epoll")) {
        "epoll"
    } else {
        available_backends()[0].name()
    }
}

/// Checks that a selector really works: a socketpair's readable end is reported.
fn assert_works(mut selector: DefaultSelector<Stream, &'static str>) {
    let name = selector.backend_name();
    let (mut writer, reader) = socketpair();
    selector.register(reader, EVENT_READ, "reader").unwrap();
    assert!(
        selector.select(Some(Duration::ZERO)).unwrap().is_empty(),
        "over {name}"
    );
    writer.write_all(b"x").unwrap();
    let ready = selector.select(Some(Duration::from_secs(5))).unwrap();
    let ready: Vec<_> = ready
        .iter()
        .map(|(key, events)| (*key.data(), *events))
        .collect();
    assert_eq!(ready, [("reader", EVENT_READ)], "over {name}");
}

/// Runs in every process, with whatever `SELECTORS_BACKEND` the process has: run plainly it
/// checks the environment the tests were started in; the other tests run it in child
/// processes with the variable set, and read the line it prints.
#[test]
fn follows_the_environment() {
    let requested = env::var(BACKEND_ENV).ok().filter(|name| !name.is_empty());
    let result = DefaultSelector::<Stream, &str>::new();
    match requested {
        Some(name) if !names().contains(&name.as_str()) => {
            let err = result.expect_err("an unknown or unavailable name must be refused");
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            let message = err.to_string();
            assert!(message.contains(&format!("{name:?}")), "{message}");
            assert!(message.contains(BACKEND_ENV), "{message}");
            for valid in names() {
                assert!(message.contains(valid), "{message}");
            }
            println!("DefaultSelector refused {name:?}: {message}");
        }
        requested => {
            let selector = result.unwrap();
            let chosen = selector.backend_name();
            assert_eq!(chosen, requested.as_deref().unwrap_or(expected_probe()));
            assert_works(selector);
            println!("DefaultSelector chose {chosen}");
        }
    }
}

/// The names of the backends this build has.
fn names() -> Vec<&'static str> {
    available_backends()
        .iter()
        .map(|kind| kind.name())
        .collect()
}

/// Runs `test` of this binary in a child process with `SELECTORS_BACKEND` set to `backend`
/// (removed if `None`), checks that it ran and passed, and returns its output.
fn run_child(test: &str, backend: Option<&str>) -> String {
    let mut command = Command::new(env::current_exe().unwrap());
    command.args([test, "--exact", "--nocapture", "--test-threads=1"]);
    match backend {
        Some(name) => command.env(BACKEND_ENV, name),
        None => command.env_remove(BACKEND_ENV),
    };
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{test} with {BACKEND_ENV}={backend:?}: {}\n{stdout}\n{stderr}",
        output.status,
    );
    stdout
}

#[test]
fn probe_picks_the_best_backend() {
    let expected = format!("DefaultSelector chose {}\n", expected_probe());
    let stdout = run_child("follows_the_environment", None);
    assert!(stdout.contains(&expected), "{stdout}");
}

/// CPython's `DefaultSelector` on Windows is `SelectSelector`: so is ours, with no kernel
/// object.
#[test]
#[cfg(all(windows, feature = "select"))]
fn probe_picks_select_on_windows() {
    let chosen = DefaultBackend::probe().unwrap();
    assert_eq!(selectors::Backend::name(&chosen), "select");
    assert_eq!(selectors::Backend::fileno(&chosen), None);
}

#[test]
#[cfg(all(target_os = "linux", feature = "epoll"))]
fn probe_picks_epoll_on_linux() {
    let chosen = DefaultBackend::probe().unwrap();
    assert_eq!(selectors::Backend::name(&chosen), "epoll");
    assert!(selectors::Backend::fileno(&chosen).is_some());
}

#[test]
fn an_empty_override_means_no_override() {
    let expected = format!("DefaultSelector chose {}\n", expected_probe());
    let stdout = run_child("follows_the_environment", Some(""));
    assert!(stdout.contains(&expected), "{stdout}");
}

#[test]
fn the_override_picks_each_backend() {
    assert!(!available_backends().is_empty());
    for name in names() {
        let stdout = run_child("follows_the_environment", Some(name));
        assert!(
            stdout.contains(&format!("DefaultSelector chose {name}\n")),
            "{stdout}"
        );
    }
}

#[test]
fn the_override_refuses_an_unknown_name() {
    for name in ["bogus", "EPOLL", "epoll "] {
        let stdout = run_child("follows_the_environment", Some(name));
        assert!(
            stdout.contains(&format!("DefaultSelector refused {name:?}")),
            "{stdout}"
        );
    }
}

#[test]
fn the_override_refuses_a_backend_this_target_lacks() {
    let missing = ["kqueue", "epoll", "devpoll", "poll", "select"]
        .into_iter()
        .filter(|name| !names().contains(name));
    for name in missing {
        let stdout = run_child("follows_the_environment", Some(name));
        assert!(
            stdout.contains(&format!("DefaultSelector refused {name:?}")),
            "{stdout}"
        );
        assert!(stdout.contains("not available in this build"), "{stdout}");
    }
}

#[test]
fn from_kind_creates_each_backend() {
    for &kind in available_backends() {
        let backend = DefaultBackend::from_kind(kind).unwrap();
        assert_eq!(backend.kind(), kind);
        let selector = DefaultSelector::with_backend(backend);
        assert_eq!(selector.backend_name(), kind.name());
        assert_works(selector);
    }
}

#[test]
fn kinds_parse_from_their_names_and_refuse_others() {
    for kind in BackendKind::ALL {
        assert_eq!(kind.name().parse::<BackendKind>(), Ok(kind));
        assert_eq!(kind.to_string(), kind.name());
    }
    let err = "bogus".parse::<BackendKind>().unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("\"bogus\" is not a selectors backend"),
        "{message}"
    );
    for kind in BackendKind::ALL {
        assert!(message.contains(kind.name()), "{message}");
    }
    if cfg!(target_os = "linux") {
        let err = DefaultBackend::from_kind(BackendKind::Kqueue).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(
            err.to_string().contains("not available in this build"),
            "{err}"
        );
    }
}

#[test]
fn available_backends_follow_cpython_order() {
    // On Windows CPython's `DefaultSelector` is `SelectSelector`; poll (`WSAPoll`) follows.
    let order = if cfg!(windows) {
        ["select", "poll", "kqueue", "epoll", "devpoll"]
    } else {
        ["kqueue", "epoll", "devpoll", "poll", "select"]
    };
    let positions: Vec<_> = names()
        .iter()
        .map(|name| order.iter().position(|o| o == name).unwrap())
        .collect();
    assert!(positions.is_sorted(), "{:?}", available_backends());
    if cfg!(target_os = "linux") {
        let expected: Vec<_> = [
            (cfg!(feature = "epoll"), "epoll"),
            (cfg!(feature = "poll"), "poll"),
            (cfg!(feature = "select"), "select"),
        ]
        .into_iter()
        .filter_map(|(enabled, name)| enabled.then_some(name))
        .collect();
        assert_eq!(names(), expected);
    }
    if cfg!(all(windows, feature = "select", feature = "poll")) {
        assert_eq!(names(), ["select", "poll"]);
    }
}

/// The probe falls through to the next backend when the kernel refuses one: with every fd
/// in use, epoll (or kqueue, /dev/poll) cannot be created, and poll or select, which need no
/// fd of their own, is chosen. Run in a child process whose fd limit `sh`'s `ulimit` lowers.
/// Unix only: Windows has no fd limit, and select and poll, its backends, need no kernel
/// object of their own.
#[cfg(unix)]
#[test]
fn the_probe_falls_through_when_the_kernel_refuses() {
    const MARKER: &str = "SELECTORS_TEST_EXHAUST_FDS";
    if env::var_os(MARKER).is_none() {
        let test = "the_probe_falls_through_when_the_kernel_refuses";
        let output = Command::new("sh")
            .args(["-c", r#"ulimit -n 32 && exec "$0" "$@""#])
            .arg(env::current_exe().unwrap())
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env(MARKER, "1")
            .env_remove(BACKEND_ENV)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "{}\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("with no fd left, "), "{stdout}");
        return;
    }

    // In the child: use up every fd, then create a selector.
    let mut files = Vec::new();
    let exhausted = loop {
        match std::fs::File::open("/dev/null") {
            Ok(file) => files.push(file),
            Err(err) => break err,
        }
    };
    assert!(files.len() < 32, "the fd limit was not lowered");
    let result = DefaultSelector::<Stream, &str>::new();
    // The fd-free backends, in probe order; without one, the probe must report the OS error.
    let fallback = names()
        .into_iter()
        .find(|name| ["poll", "select"].contains(name));
    files.clear();
    match fallback {
        Some(expected) => {
            let selector = result.unwrap();
            assert_eq!(selector.backend_name(), expected);
            assert_works(selector);
            println!("with no fd left, the probe chose {expected}");
        }
        None => {
            let err = result.unwrap_err();
            assert_eq!(err.raw_os_error(), exhausted.raw_os_error(), "{err}");
            println!("with no fd left, the probe failed: {err}");
        }
    }
}

/// A backend forced by `SELECTORS_BACKEND` that the kernel refuses: the error names the
/// backend and the variable, keeps the OS error's kind, and its source keeps the errno. Run
/// in a child process with every fd in use, so epoll (or kqueue, /dev/poll) cannot be made.
#[test]
fn a_forced_backend_the_kernel_refuses_is_named_in_the_error() {
    const MARKER: &str = "SELECTORS_TEST_FORCED_EXHAUSTED";
    let Some(kind) = available_backends()
        .iter()
        .copied()
        .find(|kind| !matches!(kind, BackendKind::Poll | BackendKind::Select))
    else {
        return;
    };
    if env::var_os(MARKER).is_none() {
        let test = "a_forced_backend_the_kernel_refuses_is_named_in_the_error";
        let output = Command::new("sh")
            .args(["-c", r#"ulimit -n 32 && exec "$0" "$@""#])
            .arg(env::current_exe().unwrap())
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env(MARKER, "1")
            .env(BACKEND_ENV, kind.name())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "{}\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("refused: cannot create the"), "{stdout}");
        return;
    }
    let mut files = Vec::new();
    let exhausted = loop {
        match std::fs::File::open("/dev/null") {
            Ok(file) => files.push(file),
            Err(err) => break err,
        }
    };
    let err = DefaultSelector::<Stream, ()>::new().unwrap_err();
    files.clear();
    let message = err.to_string();
    assert!(
        message.contains(&format!(
            "cannot create the {kind} backend ({BACKEND_ENV}={kind})"
        )),
        "{message}"
    );
    let io_err = io::Error::from(err);
    assert_eq!(io_err.kind(), exhausted.kind());
    let source = std::error::Error::source(io_err.get_ref().expect("a wrapped error"))
        .and_then(|source| source.downcast_ref::<io::Error>())
        .expect("the OS error as the source");
    assert_eq!(source.raw_os_error(), exhausted.raw_os_error());
    println!("refused: {message}");
}
