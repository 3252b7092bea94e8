//! `DefaultSelector`'s choice of backend: the run-time probe, the `SELECTORS_BACKEND`
//! override, and the errors for names that are unknown or not in this build.
//!
//! The environment is process-wide, so no test here changes it: the tests that need a given
//! environment run this test binary again, as a child process, with the variable set, and
//! read what the child reports.

use std::env;
use std::io::{self, Write};
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::time::Duration;

use selectors::{BACKEND_ENV, DefaultBackend, DefaultSelector, EVENT_READ, available_backends};

/// The probe's expected choice when the kernel refuses nothing: epoll on Linux (CPython's
/// `DefaultSelector` there), else the first backend of this build.
fn expected_probe() -> &'static str {
    if cfg!(all(target_os = "linux", feature = "epoll")) {
        "epoll"
    } else {
        available_backends()[0]
    }
}

/// Checks that a selector really works: a socketpair's readable end is reported.
fn assert_works(mut selector: DefaultSelector<UnixStream, &'static str>) {
    let name = selector.backend_name();
    let (mut writer, reader) = UnixStream::pair().unwrap();
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
    let result = DefaultSelector::<UnixStream, &str>::new();
    match requested {
        Some(name) if !available_backends().contains(&name.as_str()) => {
            let err = result.expect_err("an unknown or unavailable name must be refused");
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            let message = err.to_string();
            assert!(message.contains(&format!("{name:?}")), "{message}");
            assert!(message.contains(BACKEND_ENV), "{message}");
            for valid in available_backends() {
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
    for name in available_backends() {
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
        .filter(|name| !available_backends().contains(name));
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
fn from_name_creates_each_backend() {
    for &name in available_backends() {
        let backend = DefaultBackend::from_name(name).unwrap();
        let selector = DefaultSelector::with_backend(backend);
        assert_eq!(selector.backend_name(), name);
        assert_works(selector);
    }
}

#[test]
fn from_name_refuses_unknown_and_missing_names() {
    let err = DefaultBackend::from_name("bogus").unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let message = err.to_string();
    assert!(
        message.contains("\"bogus\" is not a selectors backend"),
        "{message}"
    );
    for valid in available_backends() {
        assert!(message.contains(valid), "{message}");
    }
    if cfg!(target_os = "linux") {
        let err = DefaultBackend::from_name("kqueue").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(
            err.to_string().contains("not available in this build"),
            "{err}"
        );
    }
}

#[test]
fn available_backends_follow_cpython_order() {
    let order = ["kqueue", "epoll", "devpoll", "poll", "select"];
    let positions: Vec<_> = available_backends()
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
        assert_eq!(available_backends(), expected);
    }
}

/// The probe falls through to the next backend when the kernel refuses one: with every fd
/// in use, epoll (or kqueue, /dev/poll) cannot be created, and poll or select, which need no
/// fd of their own, is chosen. Run in a child process whose fd limit `sh`'s `ulimit` lowers.
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
    let result = DefaultSelector::<UnixStream, &str>::new();
    // The fd-free backends, in probe order; without one, the probe must report the OS error.
    let fallback = available_backends()
        .iter()
        .find(|name| ["poll", "select"].contains(name));
    files.clear();
    match fallback {
        Some(&expected) => {
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
