//! Faults and bad input, each ending with the map and the kernel in agreement: a registered fd
//! closed behind the selector's back and its number reused, a regular file, a hung-up peer,
//! and more ready fds than any event buffer held before. Where backends legitimately differ,
//! the backend's tests declare what it does ([`Behaviour`]) and the case holds it to that.

use crate::conformance::Stream;
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::time::Duration;

use rustix::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use rustix::io::Errno;

use super::BorrowRaw;
use super::support::{FdLock, expect_ready, new_selector, ready, regular_file, send, socketpair};
use super::view::{InterestList, assert_agree, assert_interest};
use crate::{Backend, Events};

/// What `select` does with a registered fd closed behind the selector's back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosedFd {
    /// Every `select` fails with `EBADF` until it is unregistered (select(2)).
    Ebadf,
    /// It is reported ready, READ | WRITE masked by the key (`POLLNVAL`: poll, /dev/poll).
    Reported,
    /// The kernel dropped its registration at close: never reported (epoll, kqueue).
    Forgotten,
}

/// What happens when the closed fd's number is taken by a new file before `unregister`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReusedFd {
    /// The new file is watched under the old key (the interest list holds fd numbers).
    UnderOldKey,
    /// The new file is not watched (the registration went with the old file).
    Ignored,
}

/// What `register` of a regular file does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegularFile {
    /// Refused with this errno (epoll: `EPERM`), rolled back.
    Refused(i32),
    /// Accepted, and always ready for reading and writing, at the end of the file too
    /// (poll(2) and select(2): "Regular files shall always poll TRUE for reading and
    /// writing"; `/dev/poll`, through illumos's `fs_poll`).
    Ready,
    /// Accepted; always ready for writing, ready for reading only while the file offset is
    /// not at the end (kqueue(2): "Vnodes: returns when the file pointer is not at the end of
    /// file"; FreeBSD's `filt_vfsread`, XNU's `filt_vnode_common`).
    ReadableBeforeEof,
}

/// How a backend meets the faults where backends differ; each backend's tests declare theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Behaviour {
    /// A registered fd closed behind the selector's back.
    pub closed_fd: ClosedFd,
    /// Its number reused before `unregister`.
    pub reused_fd: ReusedFd,
    /// A regular file.
    pub regular_file: RegularFile,
    /// Whether the backend has a kernel object (`fileno()` is `Some`, close-on-exec).
    pub kernel_object: bool,
    /// Whether creating a selector fails with `EMFILE` when no fd is left (it does when it
    /// needs a kernel object and has no fallback).
    pub creation_fails_on_emfile: bool,
}

/// A registered fd closed behind the selector's back (through a raw `BorrowedFd`): `select`
/// does what the backend declares; the number then taken by a new socket before `unregister`
/// is watched under the old key or not, as declared; `unregister` succeeds; afterwards the new
/// socket is not reported until registered, and the interest list holds exactly the map.
pub fn closed_then_reused_fd<B: Backend>(borrow: BorrowRaw, view: InterestList<B>, b: Behaviour) {
    let _stable = FdLock::exclusive();
    let (a, _a_peer) = socketpair();
    let (w, _w_peer) = socketpair();
    let (a_fd, w_fd) = (a.as_raw_fd(), w.as_raw_fd());
    let mut selector = new_selector::<B, BorrowedFd<'static>, ()>();
    selector
        .register(borrow(a_fd), Events::READ | Events::WRITE, ())
        .expect("register");
    selector
        .register(borrow(w_fd), Events::WRITE, ())
        .expect("register");
    assert_agree(&selector, view, "after register");
    let only_w = [(w_fd, Events::WRITE)];

    drop(a);
    match b.closed_fd {
        ClosedFd::Ebadf => {
            let err = selector.select(Some(Duration::ZERO)).map(|r| r.len());
            let errno = err.as_ref().err().and_then(crate::Error::raw_os_error);
            assert_eq!(errno, Some(Errno::BADF.raw_os_error()), "got {err:?}");
            assert_agree(&selector, view, "after EBADF");
        }
        ClosedFd::Reported => {
            let both = [(a_fd, Events::READ | Events::WRITE), only_w[0]];
            expect_ready(&mut selector, Some(Duration::ZERO), &both);
            assert_agree(&selector, view, "after POLLNVAL");
        }
        ClosedFd::Forgotten => {
            expect_ready(&mut selector, Some(Duration::ZERO), &only_w);
            // The kernel dropped the registration; the map keeps the key until unregister.
            assert_interest(selector.backend(), view, &only_w, "after close");
        }
    }

    // A new socket takes the number, readable and writable: the kernel hands out the lowest
    // free number, and should something else have taken a lower one, a dup at or above it
    // (under the exclusive lock no other case opens fds).
    let (n, n_peer) = socketpair();
    let reused: Option<OwnedFd> = (n.as_raw_fd() != a_fd)
        .then(|| rustix::io::fcntl_dupfd_cloexec(&n, a_fd).expect("F_DUPFD"));
    let number = reused.as_ref().map_or(n.as_raw_fd(), AsRawFd::as_raw_fd);
    assert_eq!(number, a_fd, "the closed fd's number was taken");
    send(&n_peer, b"new");
    match b.reused_fd {
        ReusedFd::UnderOldKey => {
            let both = [(a_fd, Events::READ | Events::WRITE), only_w[0]];
            expect_ready(&mut selector, Some(Duration::ZERO), &both);
        }
        ReusedFd::Ignored => expect_ready(&mut selector, Some(Duration::ZERO), &only_w),
    }

    let key = selector
        .unregister(a_fd)
        .expect("unregister of the closed fd");
    assert_eq!(key.fd(), a_fd);
    assert_agree(&selector, view, "after unregister");
    assert_interest(selector.backend(), view, &only_w, "after unregister");
    expect_ready(&mut selector, Some(Duration::ZERO), &only_w);

    selector
        .register(borrow(a_fd), Events::READ, ())
        .expect("register the new socket under the old number");
    let both = [(a_fd, Events::READ), only_w[0]];
    expect_ready(&mut selector, Some(Duration::ZERO), &both);
    assert_agree(&selector, view, "after registering the new socket");
    selector.unregister(a_fd).expect("unregister");
    selector.unregister(w_fd).expect("unregister");
    assert_interest(selector.backend(), view, &[], "at the end");
    drop((reused, n, n_peer, w));
}

/// `register` of a regular file: refused with the declared errno and rolled back (the file
/// comes back, nothing is in the map or the kernel), or accepted. A file with content and
/// its offset at the start is ready for reading and writing on every backend that accepts
/// it; once the offset is at the end, it stays readable as declared.
pub fn regular_file_registration<B: Backend>(view: InterestList<B>, b: Behaviour) {
    let mut file = regular_file();
    file.write_all(b"regular file\n")
        .expect("write to the file");
    file.seek(SeekFrom::Start(0)).expect("seek to the start");
    let fd = file.as_raw_fd();
    let mut selector = new_selector::<B, File, ()>();
    if let RegularFile::Refused(errno) = b.regular_file {
        let err = selector
            .register(file, Events::READ | Events::WRITE, ())
            .unwrap_err();
        assert_eq!(err.error().raw_os_error(), Some(errno), "got {err:?}");
        assert_eq!(err.fileobj().as_raw_fd(), fd, "the file comes back");
        assert!(selector.is_empty());
        assert_interest(selector.backend(), view, &[], "at the end");
        return;
    }
    selector
        .register(file, Events::READ | Events::WRITE, ())
        .expect("register a regular file");
    assert_agree(&selector, view, "after register");
    let both = [(fd, Events::READ | Events::WRITE)];
    expect_ready(&mut selector, Some(Duration::ZERO), &both);
    // Moving the offset changes no file: poll(2) and select(2) still say readable, and the
    // kqueue filter, asked at this wait, finds nothing left to read.
    let mut at_end = selector.get_key(fd).expect("registered").fileobj();
    at_end.seek(SeekFrom::End(0)).expect("seek to the end");
    let expected = match b.regular_file {
        RegularFile::ReadableBeforeEof => [(fd, Events::WRITE)],
        _ => both,
    };
    expect_ready(&mut selector, Some(Duration::ZERO), &expected);
    assert_agree(&selector, view, "at the end of the file");
    selector.unregister(fd).expect("unregister");
    assert_interest(selector.backend(), view, &[], "at the end");
}

/// Peers hung up: each key gets READ | WRITE masked by its events, on every `select`; after
/// unregister nothing is left in the map or the kernel, and nothing is reported.
pub fn peer_hang_up_leaves_nothing<B: Backend>(view: InterestList<B>) {
    let mut selector = new_selector::<B, Stream, ()>();
    let mut expected = Vec::new();
    for events in [Events::READ, Events::WRITE, Events::READ | Events::WRITE] {
        let (a, peer) = socketpair();
        drop(peer);
        expected.push((a.as_raw_fd(), events));
        selector.register(a, events, ()).expect("register");
    }
    for _ in 0..3 {
        expect_ready(&mut selector, None, &expected);
    }
    assert_agree(&selector, view, "after the hang-ups");
    for &(fd, _) in &expected {
        selector.unregister(fd).expect("unregister");
    }
    assert_interest(selector.backend(), view, &[], "after unregister");
    expect_ready(&mut selector, Some(Duration::ZERO), &[]);
}

/// How many socket pairs [`every_ready_fd_once_however_many`] registers.
const MANY: usize = 150;

/// Many more ready fds than the selector's event buffer held before (it was sized for one
/// registration): one `select` reports every ready fd exactly once, none starved, and again
/// on the next calls (level-triggered); then again after `modify` doubles the kernel's filters
/// (kqueue sizes its buffer by filters, not fds). The buffers of epoll, kqueue and /dev/poll
/// follow the registrations, and poll and select pass the whole set, so no ready fd is ever
/// left for a later call.
pub fn every_ready_fd_once_however_many<B: Backend>(view: InterestList<B>) {
    let mut selector = new_selector::<B, Stream, usize>();
    let (first, _first_peer) = socketpair();
    let first_fd = first.as_raw_fd();
    selector
        .register(first, Events::WRITE, 0)
        .expect("register");
    expect_ready(&mut selector, None, &[(first_fd, Events::WRITE)]);

    let mut peers = Vec::with_capacity(MANY);
    let mut fds = Vec::with_capacity(MANY);
    for i in 1..=MANY {
        let (a, peer) = socketpair();
        send(&peer, b"x");
        fds.push(a.as_raw_fd());
        peers.push(peer);
        selector.register(a, Events::READ, i).expect("register");
    }
    let check = |selector: &mut crate::BaseSelector<B, Stream, usize>, events: &[Events]| {
        let mut expected: Vec<(RawFd, Events)> =
            fds.iter().copied().zip(events.iter().copied()).collect();
        expected.push((first_fd, Events::WRITE));
        expected.sort_unstable();
        for _ in 0..3 {
            let got = ready(selector, None);
            assert_eq!(got.len(), MANY + 1, "every ready fd, once each");
            assert_eq!(got, expected);
        }
        assert_agree(selector, view, "after select");
    };
    check(&mut selector, &[Events::READ; MANY]);
    for (i, &fd) in fds.iter().enumerate() {
        selector
            .modify(fd, Events::READ | Events::WRITE, i)
            .expect("modify");
    }
    check(&mut selector, &[Events::READ | Events::WRITE; MANY]);
    let halves: Vec<Events> = (0..MANY)
        .map(|i| {
            if i % 2 == 0 {
                Events::WRITE
            } else {
                Events::READ | Events::WRITE
            }
        })
        .collect();
    for (&fd, &events) in fds.iter().zip(&halves) {
        selector.modify(fd, events, 0).expect("modify");
    }
    check(&mut selector, &halves);
    for fd in fds.iter().copied().chain([first_fd]) {
        selector.unregister(fd).expect("unregister");
    }
    assert_interest(selector.backend(), view, &[], "after unregister");
    drop(peers);
}
