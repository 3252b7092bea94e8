//! Processes and threads: creating a selector with no fd left (`EMFILE`, in a child process
//! whose fd limit is lowered), a selector moved to another thread, and the kernel object
//! closed across `exec`.

use crate::conformance::Stream;
use std::process::Command;

use rustix::fd::AsRawFd;
use rustix::io::Errno;

use super::faults::Behaviour;
use super::support::{expect_ready, new_selector, socketpair};
use crate::{Backend, BaseSelector, Events};

/// The variable that tells a re-run test binary it is the child of a case, and which.
const CHILD: &str = "SELECTORS_RELIABILITY_CHILD";

/// Runs the test `test` (its full name in the test binary) of this binary in a child process
/// with [`CHILD`] set to `role`, checks that it passed, and returns its output.
fn run_child(test: &str, role: &str) -> String {
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = Command::new(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, role)
        .output()
        .expect("run the test binary again");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "the child running {test} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// With every fd in use (a child process with a soft `RLIMIT_NOFILE` of 64, its fds used up
/// with `/dev/null`), creating a selector fails with `EMFILE` when the backend needs a kernel
/// object, and succeeds when it needs none (select, poll) or falls back to one that does not
/// (`DefaultSelector`), as declared. `test` is this case's test name, for the child.
pub fn selector_creation_under_emfile<B: Backend>(test: &str, b: Behaviour) {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    if std::env::var(CHILD).as_deref() != Ok("emfile") {
        let stdout = run_child(test, "emfile");
        let said = stdout
            .lines()
            .find_map(|line| line.find("under EMFILE").map(|at| &line[at..]))
            .unwrap_or_else(|| panic!("the child said nothing:\n{stdout}"));
        println!("{said}");
        return;
    }
    let limit = getrlimit(Resource::Nofile);
    let lowered = Rlimit {
        current: Some(64),
        maximum: limit.maximum,
    };
    setrlimit(Resource::Nofile, lowered).expect("setrlimit");
    let mut files = Vec::new();
    let exhausted = loop {
        match std::fs::File::open("/dev/null") {
            Ok(file) => files.push(file),
            Err(err) => break err,
        }
    };
    assert_eq!(exhausted.raw_os_error(), Some(Errno::MFILE.raw_os_error()));
    let created = B::new();
    files.clear();
    let name = std::any::type_name::<B>();
    match (created, b.creation_fails_on_emfile) {
        (Err(err), true) => {
            assert_eq!(
                err.raw_os_error(),
                Some(Errno::MFILE.raw_os_error()),
                "{name}: {err}"
            );
            println!("under EMFILE, creating {name} fails: {err}");
        }
        (Ok(backend), false) => {
            assert_eq!(backend.fileno(), None, "{name} made a kernel object");
            let mut selector = BaseSelector::<B, Stream, ()>::with_backend(backend);
            let (a, _b) = socketpair();
            let a_fd = a.as_raw_fd();
            selector.register(a, Events::WRITE, ()).expect("register");
            expect_ready(&mut selector, None, &[(a_fd, Events::WRITE)]);
            println!(
                "under EMFILE, creating {name} succeeds ({}, no fd needed)",
                selector.backend_name()
            );
        }
        (Err(err), false) => panic!("{name}: creation failed under EMFILE: {err}"),
        (Ok(backend), true) => panic!("{name}: {} was created with no fd left", backend.name()),
    }
}

/// The kernel object is close-on-exec: a shell started with `exec` does not have the
/// selector's fileno open, while an fd without `FD_CLOEXEC` (a control, made with `dup`) is
/// open in it. Backends without a kernel object have no fileno. Linux (`/proc/$$/fd`).
pub fn kernel_object_close_on_exec<B: Backend>(b: Behaviour) {
    let selector = new_selector::<B, Stream, ()>();
    let fd = match (selector.fileno(), b.kernel_object) {
        (Some(fd), true) => fd,
        (None, false) => return,
        (fileno, _) => panic!(
            "{}: fileno {fileno:?}, but a kernel object is declared {}",
            selector.backend_name(),
            if b.kernel_object { "present" } else { "absent" }
        ),
    };
    let (x, _y) = socketpair();
    let inherited = rustix::io::dup(&x).expect("dup");
    let control = inherited.as_raw_fd();
    let script = format!(
        "for fd in {fd} {control}; do \
         if [ -e /proc/$$/fd/$fd ]; then echo \"$fd open\"; else echo \"$fd closed\"; fi; done"
    );
    let output = Command::new("/bin/sh")
        .args(["-c", &script])
        .output()
        .expect("run /bin/sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout,
        format!("{fd} closed\n{control} open\n"),
        "{}: in the exec'd shell",
        selector.backend_name()
    );
    drop(inherited);
}
