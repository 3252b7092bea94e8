//! kqueue's own cases, beyond the shared suite, on real sockets: over the emulated kernel on
//! every Unix, and over the real kernel where there is one.
#![cfg(unix)]

use std::cell::RefCell;
use std::io::{self, ErrorKind, Write};
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use rustix::event::Timespec;
use rustix::io::{Errno, FdFlags};
use selectors_kqueue::{
    Backend, BaseSelector, EV_ADD, EV_ENABLE, EV_ERROR, EV_RECEIPT, EVENT_READ, EVENT_WRITE,
    EVFILT_READ, EVFILT_WRITE, Error, Events, Kevent, KqueueBackend, KqueueSys, Token,
};

/// A number no process has open (far above any descriptor limit in use).
const BAD_FD: RawFd = i32::MAX - 7;

const ZERO: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 0,
};

const BOTH: Events = Events::READ.union(Events::WRITE);

/// The token these cases give each fd they add to a backend directly: the fd's number.
fn token(fd: RawFd) -> Token {
    Token(fd as u64)
}

/// A kernel `K` that refuses every `EV_ADD` of an `EVFILT_WRITE` filter with `ENOMEM`, after
/// applying the other changes of the call: a register whose WRITE filter fails after its READ
/// filter was added. The kernel sits in a `RefCell` so a case can probe it ([`holds`]) while
/// the backend holds the wrapper.
#[derive(Debug)]
struct FailWriteAdd<K> {
    kernel: RefCell<K>,
}

impl<K: KqueueSys> KqueueSys for FailWriteAdd<K> {
    fn kqueue() -> io::Result<Self> {
        Ok(FailWriteAdd {
            kernel: RefCell::new(K::kqueue()?),
        })
    }

    fn kevent(
        &mut self,
        changes: &[Kevent],
        events: &mut [Kevent],
        timeout: Option<&Timespec>,
    ) -> io::Result<usize> {
        let (failing, passing): (Vec<Kevent>, Vec<Kevent>) = changes
            .iter()
            .partition(|c| c.filter == EVFILT_WRITE && c.flags & EV_ADD != 0);
        let kernel = self.kernel.get_mut();
        if failing.is_empty() {
            return kernel.kevent(changes, events, timeout);
        }
        let mut n = 0;
        if !passing.is_empty() {
            n = kernel.kevent(&passing, events, timeout)?;
        }
        for change in failing {
            events[n] = Kevent {
                flags: EV_ERROR,
                data: i64::from(Errno::NOMEM.raw_os_error()),
                ..change
            };
            n += 1;
        }
        Ok(n)
    }

    fn fileno(&self) -> RawFd {
        self.kernel.borrow().fileno()
    }
}

/// A kernel `K` unchanged, in a `RefCell` so a case can probe it ([`holds`]).
#[derive(Debug)]
struct Probed<K> {
    kernel: RefCell<K>,
}

impl<K: KqueueSys> KqueueSys for Probed<K> {
    fn kqueue() -> io::Result<Self> {
        Ok(Probed {
            kernel: RefCell::new(K::kqueue()?),
        })
    }

    fn kevent(
        &mut self,
        changes: &[Kevent],
        events: &mut [Kevent],
        timeout: Option<&Timespec>,
    ) -> io::Result<usize> {
        self.kernel.get_mut().kevent(changes, events, timeout)
    }

    fn fileno(&self) -> RawFd {
        self.kernel.borrow().fileno()
    }
}

/// A kernel `K` that records the room given to each wait.
#[derive(Debug)]
struct RecordRoom<K> {
    kernel: K,
    rooms: Vec<usize>,
}

impl<K: KqueueSys> KqueueSys for RecordRoom<K> {
    fn kqueue() -> io::Result<Self> {
        Ok(RecordRoom {
            kernel: K::kqueue()?,
            rooms: Vec::new(),
        })
    }

    fn kevent(
        &mut self,
        changes: &[Kevent],
        events: &mut [Kevent],
        timeout: Option<&Timespec>,
    ) -> io::Result<usize> {
        if changes.is_empty() {
            self.rooms.push(events.len());
        }
        self.kernel.kevent(changes, events, timeout)
    }

    fn fileno(&self) -> RawFd {
        self.kernel.fileno()
    }
}

/// Whether the kernel holds an event for (`fd`, `filter`): `EV_ENABLE` of an unknown event is
/// `ENOENT`, and of a known one changes nothing the backend uses.
fn holds<K: KqueueSys>(kernel: &RefCell<K>, fd: RawFd, filter: i16) -> bool {
    let mut receipt = [Kevent::default()];
    let change = Kevent::new(fd, filter, EV_ENABLE | EV_RECEIPT);
    let n = kernel
        .borrow_mut()
        .kevent(&[change], &mut receipt, Some(&ZERO))
        .unwrap();
    assert_eq!(n, 1);
    match receipt[0].data {
        0 => true,
        errno if errno == i64::from(Errno::NOENT.raw_os_error()) => false,
        errno => panic!("probe of ({fd}, {filter}) failed with errno {errno}"),
    }
}

/// Fills `socket`'s send buffer (and the peer's receive buffer).
fn fill(socket: &mut UnixStream) {
    socket.set_nonblocking(true).unwrap();
    let chunk = [0_u8; 65536];
    loop {
        match socket.write(&chunk) {
            Ok(_) => {}
            Err(err) if err.kind() == ErrorKind::WouldBlock => return,
            Err(err) => panic!("filling the buffer: {err}"),
        }
    }
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
            fn fileno_is_open_and_close_on_exec() {
                super::fileno_is_open_and_close_on_exec::<Sys>();
            }
        }
    };
}

kqueue_cases!(emulated, selectors_kqueue::EmulatedKqueue);

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
fn emulated_a_half_close_wakes_only_reading() {
    a_half_close_wakes_only_reading::<selectors_kqueue::EmulatedKqueue>();
}
