//! The cases only Windows runs: Winsock's rules as the select and poll backends must present
//! them (CPython's `SelectSelector` on win32 for select; `WSAPoll` for poll).

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::thread;
use std::time::{Duration, Instant};

use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use rustix::io::Errno;
use rustix::net::{AddressFamily, Shutdown, SocketType};

use super::support::{
    FdLock, INVALID_FD, PATIENCE, PROMPT, Unchanged, assert_elapsed, expect_ready, new_selector,
    ready, socketpair,
};
use super::{BorrowRaw, Faulty, Stream};
use crate::{Backend, Error, Events, Token};

/// Sockets in one `select`: far above Winsock's default `FD_SETSIZE` (64) and CPython's
/// (512).
const MANY_SOCKETS: usize = 2_048;

/// 2,048 sockets (loopback pairs, readers for READ and writers for WRITE) in one
/// selector: one `select` reports every writer, and once every writer has sent a byte, every
/// socket, each once.
pub fn windows_many_sockets_in_one_select<B: Backend>() {
    let mut selector = new_selector::<B, Stream, ()>();
    let mut pairs: Vec<(RawFd, RawFd)> = Vec::with_capacity(MANY_SOCKETS / 2);
    for _ in 0..MANY_SOCKETS / 2 {
        let (rd, wr) = socketpair();
        pairs.push((rd.as_raw_fd(), wr.as_raw_fd()));
        selector.register(rd, Events::READ, ()).expect("register");
        selector.register(wr, Events::WRITE, ()).expect("register");
    }
    let mut writers: Vec<(RawFd, Events)> =
        pairs.iter().map(|&(_, w)| (w, Events::WRITE)).collect();
    writers.sort_unstable();
    let reported = ready(&mut selector, Some(PATIENCE));
    assert_eq!(reported, writers, "exactly the writers, each with WRITE");
    for &(_, wr) in &pairs {
        let writer = selector.get_key(wr).expect("get_key").fileobj();
        (&mut &*writer).write_all(b"x").expect("write");
    }
    // Loopback TCP delivers each byte a little later: wait until every reader is reported.
    let deadline = Instant::now() + 2 * PATIENCE;
    let reported = loop {
        let reported = ready(&mut selector, Some(PROMPT));
        if reported.len() == MANY_SOCKETS || Instant::now() > deadline {
            break reported;
        }
    };
    assert_eq!(
        reported.len(),
        MANY_SOCKETS,
        "every reader and writer, once each"
    );
    let readers = reported.iter().filter(|&&(_, e)| e == Events::READ).count();
    assert_eq!(readers, MANY_SOCKETS / 2, "every reader with READ");
}

/// A socket whose non-blocking `connect` to a closed port on 127.0.0.1 is refused is
/// reported WRITE: through the except set on select (CPython's win32 rule: a failed connect
/// is an except condition, [`select`]), through `POLLERR` on `WSAPoll` (Windows 10 version
/// 2004 and later; earlier versions never report it). The error is then `SO_ERROR`'s.
///
/// [`select`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-select
pub fn windows_failed_connect_is_reported<B: Backend>() {
    let closed = {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        listener.local_addr().expect("local_addr")
    };
    let socket =
        rustix::net::socket(AddressFamily::INET, SocketType::STREAM, None).expect("socket");
    rustix::io::ioctl_fionbio(&socket, true).expect("FIONBIO");
    let addr = SocketAddrV4::new(Ipv4Addr::LOCALHOST, closed.port());
    match rustix::net::connect(&socket, &addr) {
        Err(Errno::WOULDBLOCK | Errno::INPROGRESS) => {}
        other => panic!("a non-blocking connect to a closed port: {other:?}"),
    }
    let fd = socket.as_raw_fd();
    let mut selector = new_selector::<B, OwnedFd, ()>();
    selector
        .register(socket, Events::WRITE, ())
        .expect("register");
    // Windows retries a refused loopback connect for about two seconds before failing it.
    let start = Instant::now();
    expect_ready(&mut selector, Some(4 * PATIENCE), &[(fd, Events::WRITE)]);
    assert!(start.elapsed() < 4 * PATIENCE);
    let socket = selector.unregister(fd).expect("unregister").into_parts().0;
    assert_eq!(
        rustix::net::sockopt::socket_error(&socket).expect("SO_ERROR"),
        Err(Errno::CONNREFUSED),
        "the connect was refused"
    );
}

/// Winsock refuses a wait with no socket at all (`WSAEINVAL`): a selector with nothing
/// registered — never, or no longer — sleeps for the timeout instead, rounded up, and
/// `Some(ZERO)` returns at once (CPython's win32 selector raises instead: bpo-29256).
pub fn windows_empty_selector_sleeps_for_the_timeout<B: Backend>() {
    let mut selector = new_selector::<B, Stream, ()>();
    for timeout in [Duration::from_nanos(1), Duration::from_millis(30)] {
        let start = Instant::now();
        expect_ready(&mut selector, Some(timeout), &[]);
        assert_elapsed("an empty select", start, timeout, timeout + PATIENCE);
    }
    let start = Instant::now();
    expect_ready(&mut selector, Some(Duration::ZERO), &[]);
    assert_elapsed("a poll of nothing", start, Duration::ZERO, PROMPT);
    let (a, _b) = socketpair();
    let a_fd = a.as_raw_fd();
    selector.register(a, Events::WRITE, ()).expect("register");
    expect_ready(&mut selector, Some(PATIENCE), &[(a_fd, Events::WRITE)]);
    selector.unregister(a_fd).expect("unregister");
    let timeout = Duration::from_millis(30);
    let start = Instant::now();
    expect_ready(&mut selector, Some(timeout), &[]);
    assert_elapsed("a select emptied again", start, timeout, timeout + PATIENCE);
}

/// `INVALID_SOCKET`, an open socket never registered and a registered one registered again
/// get their typed errors, change nothing and reach no backend call.
pub fn windows_bad_input_changes_nothing<B: Backend>() {
    let (a, b) = socketpair();
    let (a_fd, b_fd) = (a.as_raw_fd(), b.as_raw_fd());
    let mut selector = new_selector::<Faulty<B>, BorrowedFd<'_>, u32>();
    selector
        .register(a.as_fd(), Events::READ, 1)
        .expect("register");
    let before = Unchanged::capture(&selector);
    assert!(matches!(
        selector.unregister(INVALID_FD),
        Err(Error::InvalidFd(INVALID_FD))
    ));
    assert!(matches!(
        selector.get_key(INVALID_FD),
        Err(Error::InvalidFd(INVALID_FD))
    ));
    let err = selector.modify(INVALID_FD, Events::WRITE, 2).unwrap_err();
    assert!(
        matches!(err.error(), Error::InvalidFd(INVALID_FD)),
        "{err:?}"
    );
    assert!(!selector.get_map().contains(INVALID_FD));
    assert!(matches!(selector.unregister(b_fd), Err(Error::NotRegistered(fd)) if fd == b_fd));
    let err = selector.modify(b_fd, Events::WRITE, 2).unwrap_err();
    assert!(
        matches!(err.error(), Error::NotRegistered(fd) if *fd == b_fd),
        "{err:?}"
    );
    let err = selector.register(a.as_fd(), Events::WRITE, 3).unwrap_err();
    assert!(
        matches!(err.error(), Error::AlreadyRegistered(fd) if *fd == a_fd),
        "{err:?}"
    );
    before.check(&selector, "bad input");
    (&b).write_all(b"x").expect("write");
    expect_ready(&mut selector, Some(PATIENCE), &[(a_fd, Events::READ)]);
}

/// A registered raw socket closed behind the selector's back: select fails with
/// `WSAENOTSOCK` until it is unregistered (as select(2) fails with `EBADF` on Unix); poll
/// does not fail, and reports the closed socket (`POLLNVAL`, READ | WRITE before masking, as
/// `WSAPoll` documents), with or without the other ready one (Wine 8 returns at once with the
/// invalid entry alone). `unregister` succeeds, and the other registration works on.
pub fn windows_socket_closed_behind_the_selectors_back<B: Backend>(borrow: BorrowRaw) {
    // Windows reuses a closed socket's value quickly: no other case may open one meanwhile.
    let _only_case = FdLock::exclusive();
    let (a, _a_peer) = socketpair();
    let (b, _b_peer) = socketpair();
    let (a_fd, b_fd) = (a.as_raw_fd(), b.as_raw_fd());
    let mut selector = new_selector::<B, BorrowedFd<'static>, ()>();
    selector
        .register(borrow(a_fd), Events::WRITE, ())
        .expect("register");
    selector
        .register(borrow(b_fd), Events::WRITE, ())
        .expect("register");
    expect_ready(
        &mut selector,
        Some(PATIENCE),
        &[(a_fd, Events::WRITE), (b_fd, Events::WRITE)],
    );
    drop(a);
    match selector.backend_name() {
        "select" => {
            let err = selector.select(Some(PROMPT)).unwrap_err();
            assert_eq!(
                err.raw_os_error(),
                Some(Errno::NOTSOCK.raw_os_error()),
                "select with a closed socket: {err:?}"
            );
        }
        _ => {
            let reported = ready(&mut selector, Some(PATIENCE));
            assert!(
                reported.contains(&(a_fd, Events::WRITE))
                    && reported
                        .iter()
                        .all(|&(fd, e)| fd == a_fd || (fd, e) == (b_fd, Events::WRITE)),
                "poll with a closed socket reported {reported:?}"
            );
        }
    }
    assert_eq!(selector.unregister(a_fd).expect("unregister").fd(), a_fd);
    expect_ready(&mut selector, Some(PATIENCE), &[(b_fd, Events::WRITE)]);
}

/// The waker's socket pair broken under it (its read socket shut down, as a connection reset
/// would leave it): the next woken wait returns, the pair is replaced (the old socket deleted from
/// the backend, the new one added under `Token::WAKER`), waits sleep again instead of
/// returning at once forever, and wakes still work.
pub fn windows_a_broken_waker_pair_is_replaced<B: Backend>(borrow: BorrowRaw) {
    let mut selector = new_selector::<Faulty<B>, Stream, ()>();
    let waker = selector.waker().expect("waker");
    let old = selector
        .backend()
        .fd_of(Token::WAKER)
        .expect("the waker is a socket");
    waker.wake().expect("wake");
    expect_ready(&mut selector, Some(PATIENCE), &[]);
    let calls = selector.backend().calls();
    // The waker keeps the socket open (until its next replacement): the borrow is of an open
    // socket, whose connection only is ended.
    rustix::net::shutdown(borrow(old), Shutdown::Both).expect("shutdown");
    // The next wake reaches a socket that reads end of file (Wine) or an error (Windows,
    // `WSAESHUTDOWN`): the pair is replaced at the reset, and no key is reported.
    waker.wake().expect("wake");
    expect_ready(&mut selector, Some(PATIENCE), &[]);
    let new = selector
        .backend()
        .fd_of(Token::WAKER)
        .expect("a new waker socket");
    assert_ne!(new, old, "the pair was replaced");
    let after = selector.backend().calls();
    assert_eq!((after.delete, after.add), (calls.delete + 1, calls.add + 1));
    let timeout = Duration::from_millis(200);
    let start = Instant::now();
    expect_ready(&mut selector, Some(timeout), &[]);
    assert_elapsed(
        "a wait after the replacement",
        start,
        timeout,
        timeout + PATIENCE,
    );
    let start = Instant::now();
    let wake = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        waker.wake().expect("wake");
    });
    expect_ready(&mut selector, None, &[]);
    assert_elapsed("a woken wait", start, Duration::from_millis(50), PATIENCE);
    wake.join().expect("the waking thread");
}
