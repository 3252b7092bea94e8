//! `unregister`: the key comes back, unknown fds are refused without changes, and a closed or
//! reused fd never makes it fail (CPython's `test_unregister`,
//! `test_unregister_after_fd_close`, `test_unregister_after_fd_close_and_reuse`).

use crate::conformance::Stream;
use std::sync::Arc;
use std::time::Duration;

#[cfg(unix)]
use rustix::fd::OwnedFd;
use rustix::fd::{AsRawFd, BorrowedFd};
use rustix::io::Errno;

use super::support::{Unchanged, expect_ready, new_selector, recv, send, socketpair};
use super::{BorrowRaw, Faulty};
use crate::{Backend, Error, Events};

/// `unregister` by object or by fd returns the key with the file object and data; the fd is
/// then unknown.
pub fn unregister_returns_key<B: Backend>() {
    let (rd, wr) = socketpair();
    let (rd, wr) = (Arc::new(rd), Arc::new(wr));
    let (rd_fd, wr_fd) = (rd.as_raw_fd(), wr.as_raw_fd());
    let mut selector = new_selector::<B, Arc<Stream>, &str>();
    selector
        .register(Arc::clone(&rd), Events::READ, "r")
        .expect("register");
    selector
        .register(Arc::clone(&wr), Events::WRITE, "w")
        .expect("register");
    let key = selector.unregister(&*rd).expect("unregister by object");
    assert!(
        Arc::ptr_eq(key.fileobj(), &rd),
        "the file object comes back"
    );
    assert_eq!(
        (key.fd(), key.events(), *key.data()),
        (rd_fd, Events::READ, "r")
    );
    assert_eq!(selector.len(), 1);
    assert!(matches!(selector.get_key(rd_fd), Err(Error::NotRegistered(fd)) if fd == rd_fd));
    let key = selector.unregister(wr_fd).expect("unregister by fd");
    assert_eq!((key.fd(), *key.data()), (wr_fd, "w"));
    let (fileobj, data) = key.into_parts();
    assert_eq!(data, "w");
    // The file object handed back is open.
    send(&*fileobj, b"ok");
    assert_eq!(recv(&*rd, 2), b"ok");
    assert!(selector.is_empty());
}

/// An unknown fd, a negative fd and a second `unregister` are refused (`NotRegistered`,
/// `InvalidFd`) without a system call or any change.
pub fn unregister_rejects_unknown_fd<B: Backend>() {
    let (a, b) = socketpair();
    let a_fd = a.as_raw_fd();
    let mut selector = new_selector::<Faulty<B>, Stream, u32>();
    selector.register(a, Events::READ, 1).expect("register");
    let before = Unchanged::capture(&selector);
    let err = selector.unregister(999_999).unwrap_err();
    assert!(matches!(err, Error::NotRegistered(999_999)), "got {err:?}");
    before.check(&selector, "unregister of an unknown fd");
    let err = selector.unregister(&b).unwrap_err();
    assert!(
        matches!(err, Error::NotRegistered(fd) if fd == b.as_raw_fd()),
        "got {err:?}"
    );
    before.check(&selector, "unregister of an open, unregistered fd");
    #[cfg(unix)]
    let invalid = [-1, -10];
    #[cfg(windows)]
    let invalid = [super::INVALID_FD];
    for fd in invalid {
        let err = selector.unregister(fd).unwrap_err();
        assert!(
            matches!(err, Error::InvalidFd(got) if got == fd),
            "got {err:?}"
        );
        before.check(&selector, "unregister of a negative fd");
    }
    selector.unregister(a_fd).expect("unregister");
    let before = Unchanged::capture(&selector);
    let err = selector.unregister(a_fd).unwrap_err();
    assert!(
        matches!(err, Error::NotRegistered(fd) if fd == a_fd),
        "got {err:?}"
    );
    before.check(&selector, "a second unregister");
}

/// Raw fds registered, then closed: `unregister` still succeeds and returns the keys, and the
/// selector works on afterwards.
pub fn unregister_after_fd_close<B: Backend>(borrow: BorrowRaw) {
    let (rd, wr) = socketpair();
    let (rd_fd, wr_fd) = (rd.as_raw_fd(), wr.as_raw_fd());
    let mut selector = new_selector::<B, BorrowedFd<'static>, u32>();
    selector
        .register(borrow(rd_fd), Events::READ, 1)
        .expect("register");
    selector
        .register(borrow(wr_fd), Events::WRITE, 2)
        .expect("register");
    drop((rd, wr));
    let key = selector
        .unregister(rd_fd)
        .expect("unregister of a closed fd");
    assert_eq!(
        (key.fd(), key.events(), *key.data()),
        (rd_fd, Events::READ, 1)
    );
    let key = selector
        .unregister(wr_fd)
        .expect("unregister of a closed fd");
    assert_eq!((key.fd(), *key.data()), (wr_fd, 2));
    assert!(selector.is_empty());
    // Nothing of the closed fds is left to trouble the next wait.
    let (a, _b) = socketpair();
    selector
        .register(borrow(a.as_raw_fd()), Events::WRITE, 3)
        .expect("register");
    expect_ready(&mut selector, None, &[(a.as_raw_fd(), Events::WRITE)]);
}

/// Raw fds registered, then closed and their numbers reused by new sockets (`dup2`):
/// `unregister` succeeds (the kernel's `ENOENT` is ignored), and the new socket under the old
/// number registers afresh and is reported.
#[cfg(unix)]
pub fn unregister_after_fd_close_and_reuse<B: Backend>(borrow: BorrowRaw) {
    let (rd, wr) = socketpair();
    let (mut rd, mut wr) = (OwnedFd::from(rd), OwnedFd::from(wr));
    let (rd_fd, wr_fd) = (rd.as_raw_fd(), wr.as_raw_fd());
    let mut selector = new_selector::<B, BorrowedFd<'static>, u32>();
    selector
        .register(borrow(rd_fd), Events::READ, 1)
        .expect("register");
    selector
        .register(borrow(wr_fd), Events::WRITE, 2)
        .expect("register");
    // dup2 closes the old file and puts the new one under the same number, atomically, so no
    // other thread can take the number in between.
    let (rd2, wr2) = socketpair();
    rustix::io::dup2(&rd2, &mut rd).expect("dup2");
    rustix::io::dup2(&wr2, &mut wr).expect("dup2");
    assert_eq!(selector.unregister(rd_fd).expect("unregister").fd(), rd_fd);
    assert_eq!(selector.unregister(wr_fd).expect("unregister").fd(), wr_fd);
    assert!(selector.is_empty());
    selector
        .register(borrow(rd_fd), Events::READ, 3)
        .expect("register the new socket under the old number");
    send(&wr2, b"new");
    expect_ready(&mut selector, None, &[(rd_fd, Events::READ)]);
    assert_eq!(recv(&rd2, 3), b"new");
    drop((rd, wr));
}

/// A backend error on removal (a closed fd) is ignored: the key comes back and is gone.
pub fn unregister_ignores_backend_errors<B: Backend>() {
    let (a, _b) = socketpair();
    let a_fd = a.as_raw_fd();
    let mut selector = new_selector::<Faulty<B>, Stream, u32>();
    selector.register(a, Events::WRITE, 7).expect("register");
    selector
        .backend()
        .fail_next_delete(Errno::BADF.raw_os_error());
    let key = selector
        .unregister(a_fd)
        .expect("unregister ignores the error");
    assert_eq!((key.fd(), *key.data()), (a_fd, 7));
    assert_eq!(selector.backend().calls().delete, 1);
    assert!(selector.is_empty());
    // It can be registered again at once: nothing stale remains.
    selector
        .register(key.into_fileobj(), Events::WRITE, 8)
        .expect("register again");
    expect_ready(&mut selector, None, &[(a_fd, Events::WRITE)]);
}

/// After `unregister` the kernel no longer reports the fd, even though it is still open and
/// ready.
pub fn unregister_stops_reporting<B: Backend>() {
    let (a, _a_peer) = socketpair();
    let (c, _c_peer) = socketpair();
    let (a_fd, c_fd) = (a.as_raw_fd(), c.as_raw_fd());
    let mut selector = new_selector::<Faulty<B>, Stream, u32>();
    selector.register(a, Events::WRITE, 1).expect("register");
    selector.register(c, Events::WRITE, 2).expect("register");
    expect_ready(
        &mut selector,
        None,
        &[(a_fd, Events::WRITE), (c_fd, Events::WRITE)],
    );
    let a = selector
        .unregister(a_fd)
        .expect("unregister")
        .into_fileobj();
    expect_ready(&mut selector, None, &[(c_fd, Events::WRITE)]);
    let reported = selector.backend().last_reported();
    assert!(
        reported.iter().all(|&(fd, _)| fd != a_fd),
        "the kernel still reports an unregistered fd: {reported:?}"
    );
    selector
        .register(a, Events::WRITE, 3)
        .expect("register again");
    expect_ready(
        &mut selector,
        Some(Duration::ZERO),
        &[(a_fd, Events::WRITE), (c_fd, Events::WRITE)],
    );
}
