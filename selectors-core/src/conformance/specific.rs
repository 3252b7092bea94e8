//! Cases where a backend legitimately differs, each called by that backend's own tests: what
//! the kernel does with a regular file, or with a registered fd closed behind the selector's
//! back, is the mechanism's own (and matches CPython's backend of the same name).

use crate::conformance::Stream;
use std::fs::File;
use std::io::Write;
use std::time::Duration;

use rustix::fd::{AsRawFd, BorrowedFd};
use rustix::io::Errno;

use super::BorrowRaw;
use super::support::{
    FdLock, expect_ready, new_selector, raise_fd_limit, regular_file, socketpair,
};
use crate::{Backend, Error, Events};

/// epoll (CPython's `test_register_file`): a regular file is refused with `EPERM`; nothing is
/// left in the map or the kernel, the file comes back usable, and the selector works on.
pub fn epoll_register_regular_file_is_eperm<B: Backend>() {
    let _fds = FdLock::shared();
    let file = regular_file();
    let file_fd = file.as_raw_fd();
    let mut selector = new_selector::<B, File, u32>();
    let err = selector.register(file, Events::READ, 1).unwrap_err();
    assert_eq!(
        err.error().raw_os_error(),
        Some(Errno::PERM.raw_os_error()),
        "got {err:?}"
    );
    let (_, mut file, data) = err.into_parts();
    assert_eq!((file.as_raw_fd(), data), (file_fd, 1));
    assert!(matches!(
        selector.get_key(file_fd),
        Err(Error::NotRegistered(_))
    ));
    assert!(selector.is_empty());
    file.write_all(b"the file is still open")
        .expect("write to the returned file");

    let mut selector = new_selector::<B, Stream, u32>();
    let (a, _b) = socketpair();
    let a_fd = a.as_raw_fd();
    selector.register(a, Events::WRITE, 2).expect("register");
    expect_ready(&mut selector, None, &[(a_fd, Events::WRITE)]);
}

/// select: a registered fd closed behind the selector's back makes every `select` fail with
/// `EBADF` (select(2) refuses closed fds; CPython's `SelectSelector` does the same) until it
/// is unregistered, which succeeds.
pub fn select_closed_fd_is_ebadf<B: Backend>(borrow: BorrowRaw) {
    let _stable = FdLock::exclusive();
    let (a, _b) = socketpair();
    let (w, _w_peer) = socketpair();
    let (a_fd, w_fd) = (a.as_raw_fd(), w.as_raw_fd());
    let mut selector = new_selector::<B, BorrowedFd<'static>, ()>();
    selector
        .register(borrow(a_fd), Events::READ, ())
        .expect("register");
    selector
        .register(borrow(w_fd), Events::WRITE, ())
        .expect("register");
    drop(a);
    for _ in 0..2 {
        let err = match selector.select(Some(Duration::ZERO)) {
            Err(err) => err,
            Ok(ready) => panic!("select with a closed fd reported {} events", ready.len()),
        };
        assert_eq!(
            err.raw_os_error(),
            Some(Errno::BADF.raw_os_error()),
            "got {err:?}"
        );
    }
    selector
        .unregister(a_fd)
        .expect("unregister of the closed fd");
    expect_ready(&mut selector, None, &[(w_fd, Events::WRITE)]);
}

/// poll: a registered fd closed behind the selector's back is reported ready (`POLLNVAL`
/// counts as READ | WRITE, masked by the key, as in CPython) until it is unregistered.
pub fn poll_closed_fd_is_reported<B: Backend>(borrow: BorrowRaw) {
    let _stable = FdLock::exclusive();
    let (a, _a_peer) = socketpair();
    let (c, _c_peer) = socketpair();
    let (a_fd, c_fd) = (a.as_raw_fd(), c.as_raw_fd());
    let mut selector = new_selector::<B, BorrowedFd<'static>, ()>();
    selector
        .register(borrow(a_fd), Events::READ, ())
        .expect("register");
    selector
        .register(borrow(c_fd), Events::READ | Events::WRITE, ())
        .expect("register");
    expect_ready(&mut selector, None, &[(c_fd, Events::WRITE)]);
    drop((a, c));
    for _ in 0..2 {
        expect_ready(
            &mut selector,
            None,
            &[(a_fd, Events::READ), (c_fd, Events::READ | Events::WRITE)],
        );
    }
    selector
        .unregister(a_fd)
        .expect("unregister of a closed fd");
    selector
        .unregister(c_fd)
        .expect("unregister of a closed fd");
    expect_ready(&mut selector, Some(Duration::ZERO), &[]);
}

/// epoll: closing the last fd of a file removes its registration in the kernel, so a closed
/// registered fd is never reported and never an error; unregister still succeeds.
pub fn epoll_closed_fd_is_forgotten<B: Backend>(borrow: BorrowRaw) {
    let _stable = FdLock::exclusive();
    let (a, _a_peer) = socketpair();
    let (w, _w_peer) = socketpair();
    let (a_fd, w_fd) = (a.as_raw_fd(), w.as_raw_fd());
    let mut selector = new_selector::<B, BorrowedFd<'static>, ()>();
    selector
        .register(borrow(a_fd), Events::WRITE, ())
        .expect("register");
    selector
        .register(borrow(w_fd), Events::WRITE, ())
        .expect("register");
    drop(a);
    for _ in 0..2 {
        expect_ready(&mut selector, None, &[(w_fd, Events::WRITE)]);
    }
    selector
        .unregister(a_fd)
        .expect("unregister of a closed fd");
    expect_ready(&mut selector, None, &[(w_fd, Events::WRITE)]);
}

/// select without `FD_SETSIZE` (Linux, the BSDs, macOS): an fd above 1024 registers and is
/// reported, where CPython's `SelectSelector` fails every `select` with `ValueError`.
pub fn select_accepts_fd_above_fd_setsize<B: Backend>() {
    const ABOVE: i32 = 1100;
    let _fds = FdLock::shared();
    let limit = raise_fd_limit();
    assert!(
        limit > ABOVE as u64 + 10,
        "the fd limit ({limit}) does not allow an fd above FD_SETSIZE"
    );
    let (a, b) = socketpair();
    let high = rustix::io::fcntl_dupfd_cloexec(&a, ABOVE).expect("F_DUPFD_CLOEXEC");
    let high = Stream::from(high);
    let high_fd = high.as_raw_fd();
    assert!(high_fd >= ABOVE);
    let mut selector = new_selector::<B, Stream, ()>();
    selector
        .register(high, Events::READ | Events::WRITE, ())
        .expect("register an fd above FD_SETSIZE");
    expect_ready(&mut selector, None, &[(high_fd, Events::WRITE)]);
    (&b).write_all(b"x").expect("write");
    expect_ready(
        &mut selector,
        None,
        &[(high_fd, Events::READ | Events::WRITE)],
    );
    drop(a);
}
