//! `select`: what is ready and only that, one entry per fd with its events masked by the key,
//! level-triggered, in all three forms (CPython's `test_select`, `test_select_read_write`,
//! `test_selector`).

use crate::conformance::Stream;
use std::net::TcpStream;
use std::time::Duration;

use rustix::fd::{AsRawFd, RawFd};

use super::support::{
    PATIENCE, Rng, expect_ready, new_selector, ready, recv, send, socketpair, tcp_pair,
};
use crate::{Backend, Events};

/// A reader with nothing to read and a writer: exactly the writer is reported, with WRITE.
pub fn select_reports_only_ready_fds<B: Backend>() {
    let (rd, wr) = socketpair();
    let wr_fd = wr.as_raw_fd();
    let mut selector = new_selector::<B, Stream, &str>();
    selector.register(rd, Events::READ, "rd").expect("register");
    selector
        .register(wr, Events::WRITE, "wr")
        .expect("register");
    let result = selector.select(None).expect("select");
    assert_eq!(result.len(), 1, "one ready key");
    let (key, events) = result[0];
    assert_eq!(
        (key.fd(), *key.data(), events),
        (wr_fd, "wr", Events::WRITE)
    );
    expect_ready(&mut selector, None, &[(wr_fd, Events::WRITE)]);
}

/// An fd readable and writable, registered for both: one entry with both events (gh-110038:
/// never two selects, never a repeated event).
pub fn select_read_and_write_in_one_entry<B: Backend>() {
    let (a, b) = socketpair();
    let a_fd = a.as_raw_fd();
    send(&b, b"x");
    let mut selector = new_selector::<B, Stream, ()>();
    selector
        .register(a, Events::READ | Events::WRITE, ())
        .expect("register");
    let result = selector.select(None).expect("select");
    assert_eq!(result.len(), 1, "one entry for one fd");
    assert_eq!(
        (result[0].0.fd(), result[0].1),
        (a_fd, Events::READ | Events::WRITE)
    );
}

/// Level-triggered: unread data is reported again by every select, and no longer once read.
pub fn select_is_level_triggered<B: Backend>() {
    let (a, b) = socketpair();
    let a_fd = a.as_raw_fd();
    let mut selector = new_selector::<B, Stream, ()>();
    selector.register(a, Events::READ, ()).expect("register");
    expect_ready(&mut selector, Some(Duration::ZERO), &[]);
    send(&b, b"abc");
    for _ in 0..3 {
        expect_ready(&mut selector, None, &[(a_fd, Events::READ)]);
    }
    let a = selector.get_key(a_fd).expect("get_key").fileobj();
    assert_eq!(recv(a, 3), b"abc");
    expect_ready(&mut selector, Some(Duration::ZERO), &[]);
}

/// A hung-up peer: the kernel's hang-up flag counts as READ and WRITE (Python's rule), and
/// the key's events mask it, so each key gets exactly what it asked for (gh-106686).
pub fn select_hangup_is_masked_by_key<B: Backend>() {
    let mut selector = new_selector::<B, Stream, ()>();
    let mut expected = Vec::new();
    for events in [Events::READ, Events::WRITE, Events::READ | Events::WRITE] {
        let (a, peer) = socketpair();
        drop(peer);
        expected.push((a.as_raw_fd(), events));
        selector.register(a, events, ()).expect("register");
    }
    expect_ready(&mut selector, None, &expected);
}

/// TCP over loopback: a connection is writable, data makes the peer readable, and an orderly
/// close makes it readable (end of file).
pub fn select_tcp_loopback<B: Backend>() {
    let (client, server) = tcp_pair();
    let (client_fd, server_fd) = (client.as_raw_fd(), server.as_raw_fd());
    let mut selector = new_selector::<B, TcpStream, ()>();
    selector
        .register(server, Events::READ, ())
        .expect("register");
    selector
        .register(client, Events::WRITE, ())
        .expect("register");
    expect_ready(&mut selector, None, &[(client_fd, Events::WRITE)]);
    let client = selector
        .unregister(client_fd)
        .expect("unregister")
        .into_fileobj();
    send(&client, b"hello");
    expect_ready(&mut selector, Some(PATIENCE), &[(server_fd, Events::READ)]);
    let server = selector.get_key(server_fd).expect("get_key").fileobj();
    assert_eq!(recv(server, 5), b"hello");
    drop(client);
    expect_ready(&mut selector, Some(PATIENCE), &[(server_fd, Events::READ)]);
}

/// `select`, `select_into` and `select_with` report the same thing; `select_into` clears
/// the caller's buffer first and leaves the selector free to change while the results are
/// handled.
pub fn select_forms_agree<B: Backend>() {
    let mut selector = new_selector::<B, Stream, usize>();
    let mut peers = Vec::new();
    for (i, events) in [Events::READ, Events::WRITE, Events::all(), Events::READ]
        .into_iter()
        .enumerate()
    {
        let (a, b) = socketpair();
        if i % 2 == 0 {
            send(&b, b"x");
        }
        selector.register(a, events, i).expect("register");
        peers.push(b);
    }
    let from_select = ready(&mut selector, None);
    assert_eq!(from_select.len(), 3, "{from_select:?}");

    let mut buffer = vec![(super::INVALID_FD, Events::empty()); 9];
    let count = selector
        .select_into(None, &mut buffer)
        .expect("select_into");
    assert_eq!(
        count,
        buffer.len(),
        "select_into returns the number of entries"
    );
    buffer.sort_unstable_by_key(|&(fd, _)| fd);
    assert_eq!(buffer, from_select, "select_into");

    let mut from_with = Vec::new();
    let count = selector
        .select_with(None, |key, events| from_with.push((key.fd(), events)))
        .expect("select_with");
    assert_eq!(count, from_with.len());
    from_with.sort_unstable_by_key(|&(fd, _)| fd);
    assert_eq!(from_with, from_select, "select_with");

    // Handle the results by unregistering each ready fd: the buffer is the caller's.
    for &(fd, _) in &buffer {
        selector.unregister(fd).expect("unregister while handling");
    }
    assert_eq!(selector.len(), 1);
}

/// CPython's `test_selector`: 12 socket pairs, readers for READ and writers for WRITE; a
/// random ready writer sends a message, then exactly its reader must be ready with it, and
/// both are unregistered. Run for several seeds.
pub fn select_random_exchange<B: Backend>() {
    const PAIRS: usize = 12;
    for seed in [1, 2, 3] {
        let mut rng = Rng::new(seed);
        let mut selector = new_selector::<B, Stream, (usize, Events)>();
        let mut fds: Vec<(RawFd, RawFd)> = Vec::new();
        for i in 0..PAIRS {
            let (rd, wr) = socketpair();
            fds.push((rd.as_raw_fd(), wr.as_raw_fd()));
            selector
                .register(rd, Events::READ, (i, Events::READ))
                .expect("register");
            selector
                .register(wr, Events::WRITE, (i, Events::WRITE))
                .expect("register");
        }
        for round in 0..PAIRS {
            let writers: Vec<RawFd> = ready(&mut selector, None)
                .into_iter()
                .filter(|&(_, events)| events == Events::WRITE)
                .map(|(fd, _)| fd)
                .collect();
            assert_eq!(
                writers.len(),
                PAIRS - round,
                "seed {seed}: every writer is ready"
            );
            let wr_fd = writers[rng.below(writers.len())];
            let (i, _) = *selector.get_key(wr_fd).expect("get_key").data();
            let message = format!("message {i:04} !!");
            send(
                selector.get_key(wr_fd).expect("get_key").fileobj(),
                message.as_bytes(),
            );
            let readers: Vec<(RawFd, Events)> = ready(&mut selector, Some(PATIENCE))
                .into_iter()
                .filter(|&(fd, _)| selector.get_key(fd).expect("get_key").data().1 == Events::READ)
                .collect();
            let rd_fd = fds[i].0;
            assert_eq!(
                readers,
                [(rd_fd, Events::READ)],
                "seed {seed}: only the matching reader"
            );
            let rd = selector.get_key(rd_fd).expect("get_key").fileobj();
            assert_eq!(recv(rd, message.len()), message.as_bytes(), "seed {seed}");
            selector.unregister(rd_fd).expect("unregister");
            selector.unregister(wr_fd).expect("unregister");
        }
        assert!(selector.is_empty());
    }
}
