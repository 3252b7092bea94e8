//! The backend logic against a scripted interest set that records every call.

use std::collections::VecDeque;
use std::io;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use rustix::fd::{AsFd, AsRawFd, RawFd};
use selectors_core::{Backend, BaseSelector, Error, Events, Token};

use super::*;

/// What the scripted set does on its next write.
enum WriteReply {
    All,
    Short,
    Fail(i32),
}

#[derive(Debug, Default)]
struct Calls {
    writes: Vec<Vec<PollFdRecord>>,
    /// `(dp_nfds, dp_timeout)` of each poll.
    polls: Vec<(usize, i32)>,
}

/// An interest set whose writes and polls are scripted and recorded.
#[derive(Default)]
struct Scripted {
    calls: Calls,
    writes: VecDeque<WriteReply>,
    polls: VecDeque<io::Result<Vec<PollFdRecord>>>,
}

impl fmt::Debug for Scripted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scripted")
            .field("calls", &self.calls)
            .finish()
    }
}

impl DevpollSys for Scripted {
    fn open() -> io::Result<Self> {
        Ok(Scripted::default())
    }

    fn write(&mut self, records: &[PollFdRecord]) -> io::Result<usize> {
        self.calls.writes.push(records.to_vec());
        match self.writes.pop_front().unwrap_or(WriteReply::All) {
            WriteReply::All => Ok(mem::size_of_val(records)),
            WriteReply::Short => Ok(mem::size_of_val(records) - 1),
            WriteReply::Fail(errno) => Err(io::Error::from_raw_os_error(errno)),
        }
    }

    fn poll(&mut self, out: &mut [PollFdRecord], timeout_ms: i32) -> io::Result<usize> {
        self.calls.polls.push((out.len(), timeout_ms));
        let ready = self.polls.pop_front().unwrap_or_else(|| Ok(Vec::new()))?;
        out[..ready.len()].copy_from_slice(&ready);
        Ok(ready.len())
    }

    fn is_polled(&self, _fd: RawFd) -> io::Result<Option<i16>> {
        Ok(None)
    }

    fn fileno(&self) -> RawFd {
        42
    }
}

fn backend() -> DevpollBackend<Scripted> {
    DevpollBackend::new().unwrap()
}

fn ready_record(fd: RawFd, revents: i16) -> PollFdRecord {
    PollFdRecord {
        fd,
        events: POLLIN | POLLOUT,
        revents,
    }
}

/// The token these cases give an fd they add directly: its number.
fn token(fd: RawFd) -> Token {
    Token(fd as u64)
}

/// Waits once and collects what the backend reports, by fd.
fn wait(backend: &mut DevpollBackend<Scripted>, timeout: Option<Duration>) -> Vec<(RawFd, Events)> {
    let mut ready = Vec::new();
    backend
        .wait(timeout, |token, events| {
            ready.push((token.0 as RawFd, events));
        })
        .unwrap();
    ready
}

#[test]
fn register_writes_one_record_with_the_mask() {
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut backend = backend();
    backend
        .add(a.as_fd(), token(a.as_raw_fd()), Events::READ)
        .unwrap();
    let (c, _d) = UnixStream::pair().unwrap();
    backend
        .add(
            c.as_fd(),
            token(c.as_raw_fd()),
            Events::READ | Events::WRITE,
        )
        .unwrap();
    let writes = &backend.sys().calls.writes;
    assert_eq!(writes[0], [PollFdRecord::new(fd, POLLIN)]);
    assert_eq!(
        writes[1],
        [PollFdRecord::new(c.as_raw_fd(), POLLIN | POLLOUT)]
    );
}

#[test]
fn modify_writes_pollremove_then_the_new_mask_in_one_write() {
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut backend = backend();
    backend
        .add(a.as_fd(), token(a.as_raw_fd()), Events::WRITE)
        .unwrap();
    backend
        .modify(
            a.as_raw_fd(),
            token(a.as_raw_fd()),
            Events::WRITE,
            Events::READ,
        )
        .unwrap();
    let writes = &backend.sys().calls.writes;
    assert_eq!(writes.len(), 2);
    assert_eq!(
        writes[1],
        [
            PollFdRecord::new(fd, POLLREMOVE),
            PollFdRecord::new(fd, POLLIN)
        ]
    );
}

#[test]
fn unregister_writes_pollremove_and_forgets_the_fd_even_when_the_write_fails() {
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut backend = backend();
    backend
        .add(a.as_fd(), token(a.as_raw_fd()), Events::READ)
        .unwrap();
    backend
        .devpoll
        .writes
        .push_back(WriteReply::Fail(libc_ebadf()));
    let err = backend
        .delete(a.as_raw_fd(), token(a.as_raw_fd()), Events::READ)
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc_ebadf()));
    assert_eq!(
        backend.sys().calls.writes[1],
        [PollFdRecord::new(fd, POLLREMOVE)]
    );
    // The count went back to zero: the next poll has the minimum of one slot.
    wait(&mut backend, Some(Duration::ZERO));
    assert_eq!(backend.sys().calls.polls, [(1, 0)]);
}

fn libc_ebadf() -> i32 {
    rustix::io::Errno::BADF.raw_os_error()
}

#[test]
fn a_short_write_is_an_error_and_registers_nothing() {
    let (a, _b) = UnixStream::pair().unwrap();
    let mut backend = backend();
    backend.devpoll.writes.push_back(WriteReply::Short);
    let err = backend
        .add(a.as_fd(), token(a.as_raw_fd()), Events::READ)
        .unwrap_err();
    assert!(
        err.to_string().contains("failed to write all pollfds"),
        "{err}"
    );
    wait(&mut backend, Some(Duration::ZERO));
    assert_eq!(backend.sys().calls.polls, [(1, 0)]);
}

#[test]
fn register_errors_come_back_from_register_not_from_select() {
    let (a, _b) = UnixStream::pair().unwrap();
    let fd = a.as_raw_fd();
    let mut devpoll = Scripted::default();
    devpoll.writes.push_back(WriteReply::Fail(libc_ebadf()));
    let mut selector =
        BaseSelector::<_, UnixStream>::with_backend(DevpollBackend::with_sys(devpoll));
    let err = selector.register(a, Events::READ, ()).unwrap_err();
    assert_eq!(err.error().raw_os_error(), Some(libc_ebadf()));
    assert!(matches!(err.error(), Error::Os(_)));
    assert!(selector.get_key(fd).is_err());
    assert!(selector.select(Some(Duration::ZERO)).unwrap().is_empty());
}

#[test]
fn the_result_buffer_holds_every_registration_and_never_fewer_than_one() {
    let pairs: Vec<_> = (0..5).map(|_| UnixStream::pair().unwrap()).collect();
    let mut backend = backend();
    wait(&mut backend, Some(Duration::ZERO));
    for (a, _) in &pairs {
        backend
            .add(a.as_fd(), token(a.as_raw_fd()), Events::READ)
            .unwrap();
    }
    wait(&mut backend, Some(Duration::ZERO));
    backend
        .delete(
            pairs[0].0.as_raw_fd(),
            token(pairs[0].0.as_raw_fd()),
            Events::READ,
        )
        .unwrap();
    wait(&mut backend, Some(Duration::ZERO));
    let slots: Vec<usize> = backend.sys().calls.polls.iter().map(|p| p.0).collect();
    assert_eq!(slots, [1, 5, 4]);
}

#[test]
fn timeouts_are_whole_milliseconds_rounded_up() {
    let mut backend = backend();
    for timeout in [
        None,
        Some(Duration::ZERO),
        Some(Duration::from_nanos(1)),
        Some(Duration::from_micros(9_000)),
        Some(Duration::from_micros(9_001)),
        Some(Duration::MAX),
    ] {
        wait(&mut backend, timeout);
    }
    let timeouts: Vec<i32> = backend.sys().calls.polls.iter().map(|p| p.1).collect();
    assert_eq!(timeouts, [-1, 0, 1, 9, 10, i32::MAX]);
}

#[test]
fn results_follow_pythons_flag_rule() {
    let mut backend = backend();
    backend.devpoll.polls.push_back(Ok(vec![
        ready_record(3, POLLIN),
        ready_record(4, POLLOUT),
        ready_record(5, POLLIN | POLLOUT),
        ready_record(6, POLLOUT | POLLHUP),
        ready_record(7, POLLNVAL),
        ready_record(8, POLLERR),
    ]));
    // Six registrations (the records are scripted; the fds need only be known to the
    // backend), so the buffer has room for the six records.
    backend.registered = 6;
    backend.tokens = (0..9).map(|fd| Some(token(fd))).collect();
    let both = Events::READ | Events::WRITE;
    assert_eq!(
        wait(&mut backend, None),
        [
            (3, Events::READ),
            (4, Events::WRITE),
            (5, both),
            (6, both),
            (7, both),
            (8, both),
        ]
    );
}

#[test]
fn eintr_comes_back_as_is_and_reports_nothing() {
    let mut backend = backend();
    let eintr = rustix::io::Errno::INTR.raw_os_error();
    backend
        .devpoll
        .polls
        .push_back(Err(io::Error::from_raw_os_error(eintr)));
    let mut called = false;
    let err = backend.wait(None, |_, _| called = true).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::Interrupted);
    assert!(!called);
}

#[test]
fn fileno_is_the_sets_descriptor_and_the_name_is_devpoll() {
    let backend = backend();
    assert_eq!(backend.fileno(), Some(42));
    assert_eq!(backend.name(), "devpoll");
}
