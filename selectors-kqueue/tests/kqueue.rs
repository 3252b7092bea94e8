//! kqueue's own cases, beyond the shared suite, on real sockets and files: over the emulated
//! kernel on every Unix, in FreeBSD's flavour (`emulated_freebsd::*`) and in XNU's
//! (`emulated_xnu::*`), and over the real kernel where there is one (`real::*`).
#![cfg(unix)]

#[path = "support/kernels.rs"]
mod kernels;

use std::fs::File;
use std::io::{ErrorKind, Seek, SeekFrom, Write};
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use kernels::{FailWriteAdd, Probed, RecordRoom, fill, holds};
use rustix::io::{Errno, FdFlags};
use selectors_kqueue::{
    Backend, BaseSelector, EVENT_READ, EVENT_WRITE, EVFILT_READ, EVFILT_WRITE, Error, Events,
    KqueueBackend, KqueueSys, Token,
};

/// A number no process has open (far above any descriptor limit in use).
const BAD_FD: RawFd = i32::MAX - 7;

const BOTH: Events = Events::READ.union(Events::WRITE);

/// The token these cases give each fd they add to a backend directly: the fd's number.
fn token(fd: RawFd) -> Token {
    Token(fd as u64)
}

fn register_of_a_bad_fd_is_ebadf_and_leaves_nothing<K: KqueueSys>() {
    let mut selector = BaseSelector::<KqueueBackend<K>, BorrowedFd<'static>>::new().unwrap();
    // A number below the fd limit that is not open: the kernel refuses it.
    let closed = {
        let (a, _b) = UnixStream::pair().unwrap();
        let copy = rustix::io::fcntl_dupfd_cloexec(&a, 3000).unwrap();
        copy.as_raw_fd()
    };
    // SAFETY: neither number is open; the selector refuses `BAD_FD` before any system call
    // and only names `closed` in `kevent`, which refuses it.
    let (bad, closed_fd) = unsafe {
        (
            BorrowedFd::borrow_raw(BAD_FD),
            BorrowedFd::borrow_raw(closed),
        )
    };
    let err = selector.register(closed_fd, BOTH, ()).unwrap_err();
    assert_eq!(err.error().raw_os_error(), Some(Errno::BADF.raw_os_error()));
    // A number at or above the fd limit cannot be open: refused before the kernel sees it.
    let err = selector.register(bad, BOTH, ()).unwrap_err();
    assert!(
        matches!(err.error(), Error::FdOutOfRange { fd: BAD_FD, .. }),
        "{err:?}"
    );
    for fd in [closed, BAD_FD] {
        assert!(matches!(selector.get_key(fd), Err(Error::NotRegistered(_))));
    }
    assert!(selector.is_empty());
    assert_eq!(selector.backend().filters(), 0);
}

fn empty_select_sleeps_for_its_timeout<K: KqueueSys>() {
    let mut selector = BaseSelector::<KqueueBackend<K>, UnixStream>::new().unwrap();
    let start = Instant::now();
    assert!(
        selector
            .select(Some(Duration::from_secs(1)))
            .unwrap()
            .is_empty()
    );
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1),
        "returned early: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

fn wait_room_is_the_filter_count_and_never_zero<K: KqueueSys>() {
    let (a, _b) = UnixStream::pair().unwrap();
    let mut backend = KqueueBackend::<RecordRoom<K>>::new().unwrap();
    backend.wait(Some(Duration::ZERO), |_, _| {}).unwrap();
    backend.add(a.as_fd(), token(a.as_raw_fd()), BOTH).unwrap();
    backend.wait(Some(Duration::ZERO), |_, _| {}).unwrap();
    backend
        .delete(a.as_raw_fd(), token(a.as_raw_fd()), BOTH)
        .unwrap();
    backend.wait(Some(Duration::ZERO), |_, _| {}).unwrap();
    // bpo-29255 (never 0), gh-110038 (filters, not fds).
    assert_eq!(backend.sys().rooms, [1, 2, 1]);
}

fn read_and_write_of_one_fd_are_one_entry<K: KqueueSys>() {
    let mut selector = BaseSelector::<KqueueBackend<K>, UnixStream, usize>::new().unwrap();
    let mut peers = Vec::new();
    for i in 0..3 {
        let (a, mut b) = UnixStream::pair().unwrap();
        b.write_all(b"ready").unwrap();
        selector.register(a, BOTH, i).unwrap();
        peers.push(b);
    }
    let ready = selector.select(Some(Duration::from_secs(1))).unwrap();
    let mut seen: Vec<usize> = ready
        .iter()
        .map(|(key, events)| {
            assert_eq!(*events, BOTH);
            *key.data()
        })
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, [0, 1, 2]);
}

fn a_partial_register_leaves_nothing_behind<K: KqueueSys>() {
    let (a, mut b) = UnixStream::pair().unwrap();
    b.write_all(b"x").unwrap();
    let fd = a.as_raw_fd();
    let mut backend = KqueueBackend::<FailWriteAdd<K>>::new().unwrap();
    let err = backend
        .add(a.as_fd(), token(a.as_raw_fd()), BOTH)
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(Errno::NOMEM.raw_os_error()));
    assert_eq!(backend.filters(), 0);
    assert!(
        !holds(&backend.sys().kernel, fd, EVFILT_READ),
        "READ left behind"
    );
    assert!(!holds(&backend.sys().kernel, fd, EVFILT_WRITE));
    let mut reported = Vec::new();
    backend
        .wait(Some(Duration::ZERO), |fd, events| {
            reported.push((fd, events))
        })
        .unwrap();
    assert!(reported.is_empty(), "{reported:?}");

    // Through the selector: nothing in the map either.
    let mut selector = BaseSelector::<KqueueBackend<FailWriteAdd<K>>, UnixStream>::new().unwrap();
    let err = selector.register(a, BOTH, ()).unwrap_err();
    assert_eq!(
        err.error().raw_os_error(),
        Some(Errno::NOMEM.raw_os_error())
    );
    assert!(selector.is_empty());
    assert_eq!(selector.backend().filters(), 0);
}

fn a_failed_modify_leaves_nothing_behind<K: KqueueSys>() {
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut backend = KqueueBackend::<FailWriteAdd<K>>::new().unwrap();
    backend
        .add(a.as_fd(), token(a.as_raw_fd()), EVENT_READ)
        .unwrap();
    assert!(holds(&backend.sys().kernel, fd, EVFILT_READ));
    let err = backend
        .modify(a.as_raw_fd(), token(a.as_raw_fd()), EVENT_READ, BOTH)
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(Errno::NOMEM.raw_os_error()));
    assert_eq!(backend.filters(), 0);
    assert!(
        !holds(&backend.sys().kernel, fd, EVFILT_READ),
        "READ left behind"
    );
    assert!(!holds(&backend.sys().kernel, fd, EVFILT_WRITE));
    // The selector then deletes the fd: the backend holds nothing of it any more.
    let err = backend
        .delete(a.as_raw_fd(), token(a.as_raw_fd()), EVENT_READ)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(backend.filters(), 0);
}

fn modify_changes_only_the_filters_that_change<K: KqueueSys>() {
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut backend = KqueueBackend::<Probed<K>>::new().unwrap();
    backend
        .add(a.as_fd(), token(a.as_raw_fd()), EVENT_READ)
        .unwrap();
    backend
        .modify(a.as_raw_fd(), token(a.as_raw_fd()), EVENT_READ, EVENT_WRITE)
        .unwrap();
    assert!(!holds(&backend.sys().kernel, fd, EVFILT_READ));
    assert!(holds(&backend.sys().kernel, fd, EVFILT_WRITE));
    backend
        .modify(a.as_raw_fd(), token(a.as_raw_fd()), EVENT_WRITE, BOTH)
        .unwrap();
    assert!(holds(&backend.sys().kernel, fd, EVFILT_READ));
    assert_eq!(backend.filters(), 2);
    backend
        .delete(a.as_raw_fd(), token(a.as_raw_fd()), BOTH)
        .unwrap();
    assert_eq!(backend.filters(), 0);
    assert!(!holds(&backend.sys().kernel, fd, EVFILT_READ));
    assert!(!holds(&backend.sys().kernel, fd, EVFILT_WRITE));
}

fn unregister_after_close_succeeds<K: KqueueSys>() {
    let mut selector = BaseSelector::<KqueueBackend<K>, BorrowedFd<'static>>::new().unwrap();
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    // SAFETY: the selector only names the fd in `kevent` calls, also after `a` closes it
    // (Python's `test_unregister_after_fd_close`); the kernel answers those with an error.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    selector.register(borrowed, BOTH, ()).unwrap();
    drop(a);
    let key = selector.unregister(fd).unwrap();
    assert_eq!((key.fd(), key.events()), (fd, BOTH));
    assert_eq!(selector.backend().filters(), 0);
    assert!(selector.select(Some(Duration::ZERO)).unwrap().is_empty());
}

fn a_hang_up_wakes_either_direction<K: KqueueSys>() {
    let mut selector = BaseSelector::<KqueueBackend<K>, UnixStream, &str>::new().unwrap();
    let (mut full, peer) = UnixStream::pair().unwrap();
    fill(&mut full);
    selector.register(full, BOTH, "full").unwrap();
    let ready = selector.select(Some(Duration::ZERO)).unwrap();
    assert!(ready.is_empty(), "nothing to read, no room to write");
    // The peer is gone: reading gives EOF and writing fails, so both directions wake, as
    // poll's POLLHUP does.
    drop(peer);
    let ready = selector.select(Some(Duration::from_secs(1))).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!((*ready[0].0.data(), ready[0].1), ("full", BOTH));
}

// Run over the real kernel, and over the emulation where poll(2) tells a half-close apart.
#[cfg_attr(
    not(any(target_os = "linux", target_os = "android")),
    allow(
        dead_code,
        reason = "instantiated only where a half-close is observable"
    )
)]
fn a_half_close_wakes_only_reading<K: KqueueSys>() {
    let mut selector = BaseSelector::<KqueueBackend<K>, UnixStream, &str>::new().unwrap();
    let (mut full, peer) = UnixStream::pair().unwrap();
    fill(&mut full);
    selector.register(full, BOTH, "full").unwrap();
    // The peer stops sending but still reads: EOF to read, yet still no room to write.
    peer.shutdown(Shutdown::Write).unwrap();
    let ready = selector.select(Some(Duration::from_secs(1))).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!((*ready[0].0.data(), ready[0].1), ("full", EVENT_READ));
}

fn fileno_is_open_and_close_on_exec<K: KqueueSys>() {
    let selector = BaseSelector::<KqueueBackend<K>, UnixStream>::new().unwrap();
    let fd = selector.fileno().expect("kqueue has a file descriptor");
    assert!(fd >= 0);
    // SAFETY: the selector owns `fd` and outlives this borrow.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    assert!(
        rustix::io::fcntl_getfd(borrowed)
            .unwrap()
            .contains(FdFlags::CLOEXEC)
    );
    assert_eq!(selector.backend_name(), "kqueue");
}

/// A regular file with content, its offset at the start, unlinked.
fn file_with_content() -> File {
    let path = std::env::temp_dir().join(format!(
        "selectors-kqueue-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let mut file = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    file.write_all(b"kqueue\n").unwrap();
    file.seek(SeekFrom::Start(0)).unwrap();
    file
}

/// The vnode filters, unlike poll(2): `EVFILT_READ` only while the offset is before the end
/// of the file (kqueue(2): "Vnodes: returns when the file pointer is not at the end of
/// file"; FreeBSD's `filt_vfsread`, XNU's `filt_vnode_common`), `EVFILT_WRITE` always.
fn a_regular_file_is_readable_only_before_its_end<K: KqueueSys>() {
    let mut selector = BaseSelector::<KqueueBackend<K>, File>::new().unwrap();
    let ready = |selector: &mut BaseSelector<_, _>| -> Vec<(RawFd, Events)> {
        let ready = selector.select(Some(Duration::ZERO)).unwrap();
        ready
            .iter()
            .map(|(key, events)| (key.fd(), *events))
            .collect()
    };
    let file = file_with_content();
    let fd = file.as_raw_fd();
    selector.register(file, BOTH, ()).unwrap();
    assert_eq!(ready(&mut selector), [(fd, BOTH)]);
    // At the end: the filter, asked at the next wait, finds nothing left to read.
    let mut at_end = selector.get_key(fd).unwrap().fileobj();
    at_end.seek(SeekFrom::End(0)).unwrap();
    assert_eq!(ready(&mut selector), [(fd, EVENT_WRITE)]);
    // Registered again at the end: writable only from the start.
    let file = selector.unregister(fd).unwrap().into_fileobj();
    selector.register(file, BOTH, ()).unwrap();
    assert_eq!(ready(&mut selector), [(fd, EVENT_WRITE)]);
}

macro_rules! kqueue_cases {
    ($module:ident, $sys:ty) => {
        mod $module {
            type Sys = $sys;

            #[test]
            fn register_of_a_bad_fd_is_ebadf_and_leaves_nothing() {
                super::register_of_a_bad_fd_is_ebadf_and_leaves_nothing::<Sys>();
            }
            #[test]
            fn empty_select_sleeps_for_its_timeout() {
                super::empty_select_sleeps_for_its_timeout::<Sys>();
            }
            #[test]
            fn wait_room_is_the_filter_count_and_never_zero() {
                super::wait_room_is_the_filter_count_and_never_zero::<Sys>();
            }
            #[test]
            fn read_and_write_of_one_fd_are_one_entry() {
                super::read_and_write_of_one_fd_are_one_entry::<Sys>();
            }
            #[test]
            fn a_partial_register_leaves_nothing_behind() {
                super::a_partial_register_leaves_nothing_behind::<Sys>();
            }
            #[test]
            fn a_failed_modify_leaves_nothing_behind() {
                super::a_failed_modify_leaves_nothing_behind::<Sys>();
            }
            #[test]
            fn modify_changes_only_the_filters_that_change() {
                super::modify_changes_only_the_filters_that_change::<Sys>();
            }
            #[test]
            fn unregister_after_close_succeeds() {
                super::unregister_after_close_succeeds::<Sys>();
            }
            #[test]
            fn a_hang_up_wakes_either_direction() {
                super::a_hang_up_wakes_either_direction::<Sys>();
            }
            #[test]
            fn a_regular_file_is_readable_only_before_its_end() {
                super::a_regular_file_is_readable_only_before_its_end::<Sys>();
            }
            #[test]
            fn fileno_is_open_and_close_on_exec() {
                super::fileno_is_open_and_close_on_exec::<Sys>();
            }
        }
    };
}

kqueue_cases!(
    emulated_freebsd,
    selectors_kqueue::EmulatedKqueue<selectors_kqueue::FreeBsd>
);
kqueue_cases!(
    emulated_xnu,
    selectors_kqueue::EmulatedKqueue<selectors_kqueue::Xnu>
);

selectors_kqueue::cfg_kqueue! {
    kqueue_cases!(real, selectors_kqueue::RealKqueue);

    #[test]
    fn real_a_half_close_wakes_only_reading() {
        a_half_close_wakes_only_reading::<selectors_kqueue::RealKqueue>();
    }
}

/// The emulation tells a half-close from a hang-up only where poll(2) does (`POLLRDHUP`
/// apart from `POLLHUP`): on Linux. macOS's poll reports a half-close as `POLLHUP`.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn emulated_freebsd_a_half_close_wakes_only_reading() {
    a_half_close_wakes_only_reading::<selectors_kqueue::EmulatedKqueue<selectors_kqueue::FreeBsd>>(
    );
}

/// As `emulated_freebsd_a_half_close_wakes_only_reading`, in XNU's flavour.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn emulated_xnu_a_half_close_wakes_only_reading() {
    a_half_close_wakes_only_reading::<selectors_kqueue::EmulatedKqueue<selectors_kqueue::Xnu>>();
}
