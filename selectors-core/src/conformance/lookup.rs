//! `get_key` and `get_map`: lookups by object, fd or `BorrowedFd`, a view keyed by fd that
//! follows every change (CPython's `test_get_key`, `test_get_map`).

use crate::conformance::Stream;
use std::sync::Arc;

use rustix::fd::{AsFd, AsRawFd, RawFd};

use super::Faulty;
use super::support::{INVALID_FD, Unchanged, new_selector, socketpair};
use crate::{Backend, Error, Events};

/// `get_key` finds a key by object, fd and `BorrowedFd`; an unknown fd is `NotRegistered`, a
/// negative one `InvalidFd`, and neither changes anything.
pub fn get_key_finds_registered_key<B: Backend>() {
    let (a, b) = socketpair();
    let a = Arc::new(a);
    let a_fd = a.as_raw_fd();
    let mut selector = new_selector::<Faulty<B>, Arc<Stream>, u32>();
    selector
        .register(Arc::clone(&a), Events::READ, 7)
        .expect("register");
    let by_object = selector.get_key(&*a).expect("get_key by object");
    let by_fd = selector.get_key(a_fd).expect("get_key by fd");
    let by_borrowed = selector.get_key(a.as_fd()).expect("get_key by BorrowedFd");
    assert!(std::ptr::eq(by_object, by_fd) && std::ptr::eq(by_fd, by_borrowed));
    assert_eq!(
        (by_fd.fd(), by_fd.events(), *by_fd.data()),
        (a_fd, Events::READ, 7)
    );
    assert!(Arc::ptr_eq(by_fd.fileobj(), &a));

    let before = Unchanged::capture(&selector);
    let err = selector.get_key(999_999).unwrap_err();
    assert!(matches!(err, Error::NotRegistered(999_999)), "got {err:?}");
    let err = selector.get_key(&b).unwrap_err();
    assert!(
        matches!(err, Error::NotRegistered(fd) if fd == b.as_raw_fd()),
        "got {err:?}"
    );
    let err = selector.get_key(INVALID_FD).unwrap_err();
    assert!(matches!(err, Error::InvalidFd(INVALID_FD)), "got {err:?}");
    before.check(&selector, "get_key of an unknown fd");

    selector.unregister(a_fd).expect("unregister");
    let err = selector.get_key(&*a).unwrap_err();
    assert!(
        matches!(err, Error::NotRegistered(fd) if fd == a_fd),
        "got {err:?}"
    );
}

/// `get_map` is keyed by fd: `len`, `is_empty`, `contains` and `get` by object, fd or
/// `BorrowedFd`, `iter` as `(fd, key)`, `keys` as fds, `values` as keys; each call shows the
/// selector as it is now.
pub fn get_map_is_a_view_keyed_by_fd<B: Backend>() {
    let (a, b) = socketpair();
    let (a, b) = (Arc::new(a), Arc::new(b));
    let (a_fd, b_fd) = (a.as_raw_fd(), b.as_raw_fd());
    let mut selector = new_selector::<B, Arc<Stream>, u32>();

    let map = selector.get_map();
    assert_eq!((map.len(), map.is_empty()), (0, true));
    assert_eq!(
        map.iter().count() + map.keys().count() + map.values().count(),
        0
    );
    assert!(map.get(&*a).is_none() && !map.contains(a_fd));
    assert!(map.get(INVALID_FD).is_none() && !map.contains(INVALID_FD));

    selector
        .register(Arc::clone(&a), Events::READ, 1)
        .expect("register");
    selector
        .register(Arc::clone(&b), Events::WRITE, 2)
        .expect("register");
    let map = selector.get_map();
    assert_eq!((map.len(), map.is_empty()), (2, false));
    assert!(map.contains(&*a) && map.contains(a_fd) && map.contains(a.as_fd()));
    assert_eq!(map.get(&*a).map(|key| *key.data()), Some(1));
    assert_eq!(map.get(b_fd).map(|key| *key.data()), Some(2));
    assert_eq!(
        map.get(b.as_fd()).map(|key| key.events()),
        Some(Events::WRITE)
    );
    assert!(map.get(999_999).is_none() && !map.contains(999_999));
    let mut keys: Vec<RawFd> = map.keys().collect();
    keys.sort_unstable();
    let mut expected = vec![a_fd, b_fd];
    expected.sort_unstable();
    assert_eq!(keys, expected, "the map's keys are the fds");
    for (fd, key) in map.iter() {
        assert_eq!(fd, key.fd());
        assert!(std::ptr::eq(key, map.get(fd).expect("get")));
    }
    let mut data: Vec<u32> = map.values().map(|key| *key.data()).collect();
    data.sort_unstable();
    assert_eq!(data, [1, 2]);

    selector
        .modify(b_fd, Events::READ | Events::WRITE, 3)
        .expect("modify");
    selector.unregister(a_fd).expect("unregister");
    let map = selector.get_map();
    assert_eq!(map.len(), 1);
    assert!(!map.contains(a_fd));
    let key = map.get(b_fd).expect("get");
    assert_eq!(
        (key.events(), *key.data()),
        (Events::READ | Events::WRITE, 3)
    );
    assert_eq!(map.keys().collect::<Vec<_>>(), [b_fd]);
    assert_eq!(selector.len(), 1);
}
