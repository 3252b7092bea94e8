//! illumos and Solaris: select over the C library's fixed-size `fd_set` refuses an fd at or
//! above `FD_SETSIZE` at `register`, and works below it.
#![cfg(fixed_fd_set)]

use std::os::unix::net::UnixStream;
use std::time::Duration;

use rustix::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use selectors_select::{EVENT_WRITE, Error, SelectSelector};

#[test]
fn an_fd_at_or_above_fd_setsize_is_refused_at_register() {
    let limit = libc::FD_SETSIZE as RawFd;
    let mut selector = SelectSelector::<BorrowedFd<'static>>::new().unwrap();
    // SAFETY: the number never reaches a system call: `register` refuses it first, which is
    // what is tested (an fd this high cannot be opened under the usual fd limits).
    let too_high = unsafe { BorrowedFd::borrow_raw(limit) };
    let err = selector.register(too_high, EVENT_WRITE, ()).unwrap_err();
    assert!(
        matches!(err.error(), Error::FdOutOfRange { fd, limit: l } if *fd == limit && *l == limit),
        "{err:?}"
    );
    assert!(selector.is_empty());
}

#[test]
fn an_fd_below_fd_setsize_is_selected() {
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut selector = SelectSelector::<UnixStream>::new().unwrap();
    selector.register(a, EVENT_WRITE, ()).unwrap();
    let ready = selector.select(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!((ready[0].0.fd(), ready[0].1), (fd, EVENT_WRITE));
    assert_eq!(ready[0].0.fileobj().as_fd().as_raw_fd(), fd);
}
