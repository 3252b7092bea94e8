//! `close`, `Drop` and `fileno` (CPython's `test_close`, `test_context_manager`,
//! `test_fileno`). `close(self)` consumes the selector, so CPython's use-after-close cases
//! (gh-91433) are compile errors here; what remains to test is what closing releases.

use crate::conformance::Stream;

use rustix::fd::{AsRawFd, BorrowedFd};

use super::BorrowRaw;
use super::support::{expect_ready, new_selector, peer_closed, recv, send, socketpair};
use crate::{Backend, Events};

/// `close` succeeds and drops every registered file object (their peers see end-of-file);
/// file objects that only borrow their fd leave it open.
pub fn close_releases_file_objects<B: Backend>(borrow: BorrowRaw) {
    let (a, a_peer) = socketpair();
    let (c, c_peer) = socketpair();
    let mut selector = new_selector::<B, Stream, ()>();
    selector.register(a, Events::READ, ()).expect("register");
    selector
        .register(c, Events::READ | Events::WRITE, ())
        .expect("register");
    selector.close().expect("close");
    assert!(peer_closed(&a_peer), "close did not close a file object");
    assert!(peer_closed(&c_peer), "close did not close a file object");

    let (x, y) = socketpair();
    let mut selector = new_selector::<B, BorrowedFd<'static>, ()>();
    selector
        .register(borrow(x.as_raw_fd()), Events::WRITE, ())
        .expect("register");
    selector.close().expect("close");
    send(&x, b"still open");
    assert_eq!(recv(&y, 10), b"still open");
}

/// Dropping a selector (Python's `with` block ending) releases its file objects too.
pub fn drop_releases_file_objects<B: Backend>() {
    let (a, a_peer) = socketpair();
    {
        let mut selector = new_selector::<B, Stream, ()>();
        selector.register(a, Events::READ, ()).expect("register");
        let _ = selector.select(Some(std::time::Duration::ZERO));
    }
    assert!(peer_closed(&a_peer), "drop did not close a file object");
}

/// `fileno`: `None` for select and poll (Python has none), `Some` for epoll; where there is
/// one it is a non-negative, open, close-on-exec fd of its own, distinct per selector and
/// from the registered fds.
pub fn fileno_is_the_kernel_object<B: Backend>(borrow: BorrowRaw) {
    let (a, _b) = socketpair();
    let a_fd = a.as_raw_fd();
    let mut first = new_selector::<B, Stream, ()>();
    first.register(a, Events::READ, ()).expect("register");
    let second = new_selector::<B, Stream, ()>();
    let name = first.backend_name();
    assert!(!name.is_empty(), "a backend has a name");
    match name {
        "select" | "poll" => assert_eq!(first.fileno(), None, "{name} has no kernel object"),
        "epoll" => assert!(first.fileno().is_some(), "epoll has a kernel object"),
        _ => {}
    }
    let Some(fd) = first.fileno() else {
        assert_eq!(second.fileno(), None);
        return;
    };
    assert!(!crate::is_invalid_fd(fd), "fileno() = {fd}");
    assert_ne!(fd, a_fd);
    assert_ne!(
        Some(fd),
        second.fileno(),
        "two selectors, two kernel objects"
    );
    // Windows backends (select, poll) have no kernel object, so returned above.
    #[cfg(windows)]
    let _ = borrow;
    #[cfg(unix)]
    {
        let flags = rustix::io::fcntl_getfd(borrow(fd)).expect("fileno() is an open fd");
        assert!(
            flags.contains(rustix::io::FdFlags::CLOEXEC),
            "{name}'s fd is not close-on-exec"
        );
    }
    assert_eq!(first.fileno(), Some(fd), "fileno() is stable");
}

/// A selector built on one thread works on another, and back: `Send` is checked at compile
/// time by the bound, and the move at run time.
pub fn works_after_moving_to_another_thread<B: Backend + Send + 'static>() {
    let (a, a_peer) = socketpair();
    let (w, _w_peer) = socketpair();
    let (a_fd, w_fd) = (a.as_raw_fd(), w.as_raw_fd());
    let mut selector = new_selector::<B, Stream, u32>();
    selector.register(a, Events::READ, 1).expect("register");
    send(&a_peer, b"x");
    let mut selector = std::thread::spawn(move || {
        expect_ready(&mut selector, None, &[(a_fd, Events::READ)]);
        selector.register(w, Events::WRITE, 2).expect("register");
        expect_ready(
            &mut selector,
            None,
            &[(a_fd, Events::READ), (w_fd, Events::WRITE)],
        );
        selector
    })
    .join()
    .expect("the other thread panicked");
    expect_ready(
        &mut selector,
        None,
        &[(a_fd, Events::READ), (w_fd, Events::WRITE)],
    );
    assert_eq!(*selector.unregister(w_fd).expect("unregister").data(), 2);
    selector.close().expect("close");
}
