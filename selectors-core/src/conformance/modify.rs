//! `modify`: new events reach the kernel, new data alone makes no system call, bad input is
//! refused before anything changes, and a kernel failure removes the registration from the
//! map **and** the kernel (CPython's `test_modify`, `test_modify_unregister`, and bpo-30014's
//! live kernel registration, which we do not repeat).

use crate::conformance::Stream;
use std::sync::Arc;
use std::time::Duration;

use rustix::fd::{AsFd, AsRawFd, BorrowedFd};
use rustix::io::Errno;

use super::support::{
    INVALID_FD, Unchanged, expect_ready, new_selector, peer_closed, recv, send, socketpair,
};
use super::{BorrowRaw, Faulty};
use crate::{Backend, Error, Events};

/// New events by object, by fd and by `BorrowedFd`: the key, `get_key` and the kernel all
/// follow.
pub fn modify_changes_events<B: Backend>() {
    let (a, b) = socketpair();
    let a = Arc::new(a);
    let a_fd = a.as_raw_fd();
    let mut selector = new_selector::<B, Arc<Stream>, u32>();
    selector
        .register(Arc::clone(&a), Events::READ, 1)
        .expect("register");
    expect_ready(&mut selector, Some(Duration::ZERO), &[]);

    let key = selector
        .modify(&*a, Events::WRITE, 2)
        .expect("modify by object");
    assert_eq!(
        (key.fd(), key.events(), *key.data()),
        (a_fd, Events::WRITE, 2)
    );
    let key = selector.get_key(a_fd).expect("get_key");
    assert_eq!((key.events(), *key.data()), (Events::WRITE, 2));
    expect_ready(&mut selector, None, &[(a_fd, Events::WRITE)]);

    send(&b, b"x");
    let key = selector
        .modify(a_fd, Events::READ | Events::WRITE, 3)
        .expect("modify by fd");
    assert_eq!(key.events(), Events::READ | Events::WRITE);
    expect_ready(&mut selector, None, &[(a_fd, Events::READ | Events::WRITE)]);

    selector
        .modify(a.as_fd(), Events::READ, 4)
        .expect("modify by BorrowedFd");
    expect_ready(&mut selector, None, &[(a_fd, Events::READ)]);
    assert_eq!(recv(&*a, 1), b"x");
    expect_ready(&mut selector, Some(Duration::ZERO), &[]);
}

/// Same events, new data: the data is replaced and the backend is not called; same events
/// and same data: nothing at all. `data_mut` changes data without a call too.
pub fn modify_data_only_makes_no_system_call<B: Backend>() {
    let (a, _b) = socketpair();
    let a_fd = a.as_raw_fd();
    let mut selector = new_selector::<Faulty<B>, Stream, String>();
    selector
        .register(a, Events::WRITE, "one".to_owned())
        .expect("register");
    let calls = selector.backend().calls();
    let key = selector
        .modify(a_fd, Events::WRITE, "two".to_owned())
        .expect("modify");
    assert_eq!((key.events(), key.data().as_str()), (Events::WRITE, "two"));
    assert_eq!(
        selector.backend().calls(),
        calls,
        "new data alone reached the backend"
    );
    selector
        .modify(a_fd, Events::WRITE, "two".to_owned())
        .expect("modify");
    assert_eq!(
        selector.backend().calls(),
        calls,
        "an unchanged modify reached the backend"
    );
    selector
        .data_mut(a_fd)
        .expect("data_mut")
        .push_str(" and three");
    assert_eq!(
        selector.backend().calls(),
        calls,
        "data_mut reached the backend"
    );
    assert_eq!(
        selector.get_key(a_fd).expect("get_key").data(),
        "two and three"
    );
    expect_ready(&mut selector, None, &[(a_fd, Events::WRITE)]);
}

/// An unknown or negative fd is refused (`NotRegistered`, `InvalidFd`) without a system call
/// or any change; so is `data_mut` of one.
pub fn modify_rejects_unknown_fd<B: Backend>() {
    let (a, b) = socketpair();
    let mut selector = new_selector::<Faulty<B>, Stream, u32>();
    selector.register(a, Events::READ, 1).expect("register");
    let before = Unchanged::capture(&selector);
    let err = selector.modify(999_999, Events::WRITE, 2).unwrap_err();
    assert!(
        matches!(err.error(), Error::NotRegistered(999_999)),
        "got {err:?}"
    );
    assert!(err.unregistered().is_none());
    let err = selector.modify(&b, Events::WRITE, 2).unwrap_err();
    assert!(
        matches!(err.error(), &Error::NotRegistered(fd) if fd == b.as_raw_fd()),
        "got {err:?}"
    );
    let err = selector
        .modify_events(INVALID_FD, Events::WRITE)
        .unwrap_err();
    assert!(
        matches!(err.error(), Error::InvalidFd(INVALID_FD)),
        "got {err:?}"
    );
    let err = selector.data_mut(999_999).unwrap_err();
    assert!(matches!(err, Error::NotRegistered(999_999)), "got {err:?}");
    let err = selector.data_mut(INVALID_FD).unwrap_err();
    assert!(matches!(err, Error::InvalidFd(INVALID_FD)), "got {err:?}");
    before.check(&selector, "modify of an unknown fd");
}

/// Invalid events are refused before anything else (even before the fd is looked up), and
/// the registration keeps working with its old events. CPython's poll-like selectors store
/// such masks and later report `(key, 0)`; its select and kqueue selectors lose the key.
pub fn modify_validates_events_first<B: Backend>() {
    let (a, b) = socketpair();
    let a_fd = a.as_raw_fd();
    let mut selector = new_selector::<Faulty<B>, Stream, u32>();
    selector.register(a, Events::READ, 1).expect("register");
    let before = Unchanged::capture(&selector);
    for bits in [0, 4, 7, 0x80, 0xff] {
        let events = Events::from_bits_retain(bits);
        for fd in [a_fd, 999_999, INVALID_FD] {
            let err = selector.modify(fd, events, 2).unwrap_err();
            assert!(
                matches!(err.error(), &Error::InvalidEvents(got) if got == bits),
                "modify({fd}, {bits:#x}): got {err:?}"
            );
            before.check(&selector, "modify with invalid events");
        }
    }
    send(&b, b"x");
    expect_ready(&mut selector, None, &[(a_fd, Events::READ)]);
}

/// The kernel refuses a change (before or after applying it): `Os` with the errno, the key
/// is gone from the map, the backend was told to delete it, and the kernel no longer reports
/// the fd, although it is open and ready both ways. The fd can be registered again (no stale
/// kernel registration). A dropped key drops its file object.
pub fn modify_failure_removes_key_from_map_and_kernel<B: Backend>(borrow: BorrowRaw) {
    let errno = Errno::BADF.raw_os_error();
    for apply_first in [false, true] {
        let (a, b) = socketpair();
        let (w, _w_peer) = socketpair();
        let (a_fd, w_fd) = (a.as_raw_fd(), w.as_raw_fd());
        let mut selector = new_selector::<Faulty<B>, BorrowedFd<'static>, u32>();
        selector
            .register(borrow(a_fd), Events::READ, 1)
            .expect("register");
        selector
            .register(borrow(w_fd), Events::WRITE, 2)
            .expect("register");
        send(&b, b"x");
        let deletes = selector.backend().calls().delete;
        selector.backend().fail_next_modify(errno, apply_first);
        let err = selector.modify(a_fd, Events::WRITE, 3).unwrap_err();
        assert_eq!(
            err.raw_os_error(),
            Some(errno),
            "apply_first={apply_first}: {err:?}"
        );
        let key = err.unregistered().expect("the removed key comes back");
        assert_eq!(
            (key.fd(), key.events(), *key.data()),
            (a_fd, Events::READ, 1),
            "apply_first={apply_first}: the key as it was"
        );
        assert!(
            matches!(selector.get_key(a_fd), Err(Error::NotRegistered(_))),
            "apply_first={apply_first}: the key is still in the map"
        );
        assert_eq!(selector.backend().calls().delete, deletes + 1);
        expect_ready(&mut selector, None, &[(w_fd, Events::WRITE)]);
        let reported = selector.backend().last_reported();
        assert!(
            reported.iter().all(|&(fd, _)| fd != a_fd),
            "apply_first={apply_first}: the kernel still reports the fd: {reported:?}"
        );
        selector
            .register(borrow(a_fd), Events::READ | Events::WRITE, 4)
            .expect("register again");
        expect_ready(
            &mut selector,
            None,
            &[(a_fd, Events::READ | Events::WRITE), (w_fd, Events::WRITE)],
        );
        drop(selector);
        drop((a, w));
    }
    let (a, b) = socketpair();
    let a_fd = a.as_raw_fd();
    let mut selector = new_selector::<Faulty<B>, Stream, u32>();
    selector.register(a, Events::READ, 1).expect("register");
    selector.backend().fail_next_modify(errno, false);
    selector.modify(a_fd, Events::WRITE, 2).unwrap_err();
    assert!(selector.is_empty());
    assert!(
        peer_closed(&b),
        "the dropped key's file object was not closed"
    );
}
