//! The emulated driver against the semantics of poll(7D), on real sockets.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::thread;
use std::time::{Duration, Instant};

use super::*;

fn devpoll() -> EmulatedDevpoll {
    EmulatedDevpoll::open().unwrap()
}

fn write(devpoll: &mut EmulatedDevpoll, records: &[PollFdRecord]) {
    let written = devpoll.write(records).unwrap();
    assert_eq!(written, mem::size_of_val(records));
}

/// `DP_POLL` with room for `slots` records.
fn poll(devpoll: &mut EmulatedDevpoll, slots: usize, timeout_ms: i32) -> Vec<PollFdRecord> {
    let mut out = vec![PollFdRecord::default(); slots];
    let count = devpoll.poll(&mut out, timeout_ms).unwrap();
    out.truncate(count);
    out
}

/// A socket that is writable and, once `peer` has written, readable.
fn pair() -> (UnixStream, UnixStream) {
    UnixStream::pair().unwrap()
}

/// A copy of `fd` numbered `slot` below the fd limit (at most 4096), far above the numbers
/// other tests get (the lowest free ones), so that once it is closed no other thread reopens
/// its number. Each test uses its own `slot`.
fn high_fd(fd: &impl AsFd, slot: RawFd) -> OwnedFd {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(4096)
        .min(4096);
    let number = RawFd::try_from(limit).unwrap() - slot;
    let copy = rustix::io::fcntl_dupfd_cloexec(fd, number).unwrap();
    assert_eq!(copy.as_raw_fd(), number, "fd {number} was already open");
    copy
}

#[test]
fn a_write_adds_an_entry_and_a_second_write_ors_into_it() {
    let (a, _b) = pair();
    let fd = a.as_raw_fd();
    let mut devpoll = devpoll();
    assert_eq!(devpoll.is_polled(fd).unwrap(), None);
    write(&mut devpoll, &[PollFdRecord::new(fd, POLLIN)]);
    assert_eq!(devpoll.is_polled(fd).unwrap(), Some(POLLIN));
    write(&mut devpoll, &[PollFdRecord::new(fd, POLLOUT)]);
    assert_eq!(devpoll.is_polled(fd).unwrap(), Some(POLLIN | POLLOUT));
    // The ORed POLLOUT is polled: the socket is writable.
    let ready = poll(&mut devpoll, 1, 0);
    assert_eq!(ready.len(), 1);
    assert_eq!((ready[0].fd, ready[0].revents), (fd, POLLOUT));
    assert_eq!(ready[0].events, POLLIN | POLLOUT);
}

#[test]
fn records_for_one_fd_in_one_write_are_ored() {
    let (a, _b) = pair();
    let fd = a.as_raw_fd();
    let mut devpoll = devpoll();
    write(
        &mut devpoll,
        &[
            PollFdRecord::new(fd, POLLIN),
            PollFdRecord::new(fd, POLLOUT),
        ],
    );
    assert_eq!(devpoll.is_polled(fd).unwrap(), Some(POLLIN | POLLOUT));
}

#[test]
fn pollremove_removes_the_entry_and_a_later_write_starts_afresh() {
    let (a, _b) = pair();
    let fd = a.as_raw_fd();
    let mut devpoll = devpoll();
    write(&mut devpoll, &[PollFdRecord::new(fd, POLLOUT)]);
    write(
        &mut devpoll,
        &[
            PollFdRecord::new(fd, POLLREMOVE),
            PollFdRecord::new(fd, POLLIN),
        ],
    );
    assert_eq!(devpoll.is_polled(fd).unwrap(), Some(POLLIN));
    // Writable but not readable, and only POLLIN is asked for now.
    assert!(poll(&mut devpoll, 1, 0).is_empty());
    write(&mut devpoll, &[PollFdRecord::new(fd, POLLREMOVE)]);
    assert_eq!(devpoll.is_polled(fd).unwrap(), None);
    assert_eq!(devpoll.entries().count(), 0);
}

#[test]
fn removing_an_fd_that_is_not_in_the_set_is_not_an_error() {
    let (a, _b) = pair();
    let mut devpoll = devpoll();
    write(
        &mut devpoll,
        &[PollFdRecord::new(a.as_raw_fd(), POLLREMOVE)],
    );
    write(&mut devpoll, &[PollFdRecord::new(-1, POLLREMOVE)]);
    assert_eq!(devpoll.entries().count(), 0);
}

#[test]
fn a_write_naming_a_closed_fd_succeeds_and_is_never_reported() {
    let (a, _b) = pair();
    let a = high_fd(&a, 1);
    let fd = a.as_raw_fd();
    drop(a);
    let mut devpoll = devpoll();
    write(&mut devpoll, &[PollFdRecord::new(fd, POLLIN | POLLOUT)]);
    assert_eq!(devpoll.is_polled(fd).unwrap(), None);
    let start = Instant::now();
    assert!(poll(&mut devpoll, 4, 30).is_empty());
    assert!(start.elapsed() >= Duration::from_millis(30));
}

#[test]
fn a_registered_fd_closed_without_pollremove_reports_pollnval() {
    let (a, _b) = pair();
    let a = high_fd(&a, 2);
    let fd = a.as_raw_fd();
    let mut devpoll = devpoll();
    write(&mut devpoll, &[PollFdRecord::new(fd, POLLIN)]);
    drop(a);
    // On every DP_POLL, with only `fd` and `revents` filled in; still in the set.
    for _ in 0..2 {
        let ready = poll(&mut devpoll, 1, -1);
        assert_eq!(
            ready,
            [PollFdRecord {
                fd,
                events: 0,
                revents: POLLNVAL
            }]
        );
    }
    assert_eq!(devpoll.is_polled(fd).unwrap(), Some(POLLIN));
    // POLLREMOVE still removes it.
    write(&mut devpoll, &[PollFdRecord::new(fd, POLLREMOVE)]);
    assert!(poll(&mut devpoll, 1, 0).is_empty());
}

#[test]
fn a_reused_number_is_polled_as_the_new_file() {
    let (a, _b) = pair();
    let a = high_fd(&a, 3);
    let fd = a.as_raw_fd();
    let mut devpoll = devpoll();
    write(&mut devpoll, &[PollFdRecord::new(fd, POLLIN)]);
    drop(a);
    // A readable socket takes the number: the driver polls the file the number now names.
    let (c, mut d) = pair();
    d.write_all(b"x").unwrap();
    let c = high_fd(&c, 3);
    assert_eq!(c.as_raw_fd(), fd);
    let ready = poll(&mut devpoll, 1, 0);
    assert_eq!(
        ready,
        [PollFdRecord {
            fd,
            events: POLLIN,
            revents: POLLIN
        }]
    );
}

#[test]
fn an_entry_written_while_its_fd_was_closed_keeps_its_events() {
    let (a, _b) = pair();
    let a = high_fd(&a, 4);
    let fd = a.as_raw_fd();
    drop(a);
    let mut devpoll = devpoll();
    write(&mut devpoll, &[PollFdRecord::new(fd, POLLIN)]);
    // No file: not in the set, and a POLLREMOVE has nothing to remove ...
    write(&mut devpoll, &[PollFdRecord::new(fd, POLLREMOVE)]);
    assert_eq!(devpoll.is_polled(fd).unwrap(), None);
    // ... yet the events stay, and a write once the number is open ORs into them.
    let (c, _d) = pair();
    let c = high_fd(&c, 4);
    write(&mut devpoll, &[PollFdRecord::new(c.as_raw_fd(), POLLOUT)]);
    assert_eq!(devpoll.is_polled(fd).unwrap(), Some(POLLIN | POLLOUT));
}

#[test]
fn counts_at_open_max_are_einval() {
    let Some(limit) = rustix::process::getrlimit(rustix::process::Resource::Nofile).current else {
        return; // No limit: nothing to exceed.
    };
    let limit = usize::try_from(limit).unwrap();
    let (a, _b) = pair();
    let mut devpoll = devpoll();
    let einval = Some(rustix::io::Errno::INVAL.raw_os_error());
    let records = vec![PollFdRecord::new(a.as_raw_fd(), POLLIN); limit + 1];
    let err = devpoll.write(&records).unwrap_err();
    assert_eq!(err.raw_os_error(), einval);
    assert_eq!(devpoll.entries().count(), 0);
    write(&mut devpoll, &records[..limit]);
    let mut out = vec![PollFdRecord::default(); limit];
    assert_eq!(
        devpoll.poll(&mut out, 0).unwrap_err().raw_os_error(),
        einval
    );
    assert_eq!(devpoll.poll(&mut out[..limit - 1], 0).unwrap(), 0);
}

#[test]
fn dp_poll_reports_at_most_dp_nfds_and_resumes_after_the_last_reported() {
    let pairs: Vec<_> = (0..3).map(|_| pair()).collect();
    let mut fds: Vec<RawFd> = pairs.iter().map(|(a, _)| a.as_raw_fd()).collect();
    fds.sort_unstable();
    let mut devpoll = devpoll();
    for &fd in &fds {
        write(&mut devpoll, &[PollFdRecord::new(fd, POLLOUT)]);
    }
    let first: Vec<RawFd> = poll(&mut devpoll, 2, 0).iter().map(|r| r.fd).collect();
    assert_eq!(first, [fds[0], fds[1]]);
    let second: Vec<RawFd> = poll(&mut devpoll, 2, 0).iter().map(|r| r.fd).collect();
    assert_eq!(second, [fds[2], fds[0]]);
    let all: Vec<RawFd> = poll(&mut devpoll, 3, 0).iter().map(|r| r.fd).collect();
    assert_eq!(all.len(), 3);
}

#[test]
fn dp_timeout_zero_returns_at_once_and_a_positive_one_waits() {
    let (a, _b) = pair();
    let mut devpoll = devpoll();
    write(&mut devpoll, &[PollFdRecord::new(a.as_raw_fd(), POLLIN)]);
    let start = Instant::now();
    assert!(poll(&mut devpoll, 1, 0).is_empty());
    assert!(start.elapsed() < Duration::from_secs(5));
    let start = Instant::now();
    assert!(poll(&mut devpoll, 1, 50).is_empty());
    assert!(start.elapsed() >= Duration::from_millis(50));
}

#[test]
fn dp_timeout_minus_one_blocks_until_an_event() {
    let (a, mut b) = pair();
    let fd = a.as_raw_fd();
    let mut devpoll = devpoll();
    write(&mut devpoll, &[PollFdRecord::new(fd, POLLIN)]);
    let writer = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        b.write_all(b"x").unwrap();
        b
    });
    let start = Instant::now();
    let ready = poll(&mut devpoll, 1, -1);
    assert!(start.elapsed() >= Duration::from_millis(50));
    assert_eq!((ready[0].fd, ready[0].revents), (fd, POLLIN));
    drop(writer.join().unwrap());
}

#[test]
fn dp_nfds_zero_only_sleeps_for_the_timeout() {
    let (a, _b) = pair();
    let mut devpoll = devpoll();
    write(&mut devpoll, &[PollFdRecord::new(a.as_raw_fd(), POLLOUT)]);
    let start = Instant::now();
    assert!(poll(&mut devpoll, 0, 30).is_empty());
    assert!(start.elapsed() >= Duration::from_millis(30));
}

#[test]
fn a_hang_up_is_reported_whether_asked_for_or_not() {
    let (a, b) = pair();
    let fd = a.as_raw_fd();
    let mut devpoll = devpoll();
    write(&mut devpoll, &[PollFdRecord::new(fd, POLLOUT)]);
    // Shut down rather than closed: `a_child_process_gets_eacces` forks, and a child holding
    // a copy of `b` for a moment would keep a close from hanging up `a`.
    b.shutdown(std::net::Shutdown::Both).unwrap();
    let ready = poll(&mut devpoll, 1, 0);
    assert_eq!(ready.len(), 1);
    assert_ne!(
        ready[0].revents & POLLHUP,
        0,
        "revents {:#x}",
        ready[0].revents
    );
}

#[test]
fn fileno_is_open_close_on_exec_and_its_own() {
    let devpoll = devpoll();
    let fd = devpoll.fileno();
    assert!(sys::is_open(fd));
    assert!(sys::is_cloexec(fd));
    let other = EmulatedDevpoll::open().unwrap();
    assert_ne!(other.fileno(), fd);
}

#[test]
fn a_child_process_gets_eacces() {
    let (a, _b) = pair();
    let fd = a.as_raw_fd();
    let mut devpoll = devpoll();
    write(&mut devpoll, &[PollFdRecord::new(fd, POLLIN)]);
    let eacces = Some(rustix::io::Errno::ACCESS.raw_os_error());
    // The checks fail before anything allocates, so they are safe after `fork`.
    let refused = sys::in_child(|| {
        let write = devpoll.write(&[PollFdRecord::new(fd, POLLOUT)]);
        let poll = devpoll.poll(&mut [], 0);
        let polled = devpoll.is_polled(fd);
        write.is_err_and(|e| e.raw_os_error() == eacces)
            && poll.is_err_and(|e| e.raw_os_error() == eacces)
            && polled.is_err_and(|e| e.raw_os_error() == eacces)
    });
    assert!(refused);
    // The parent still owns the set.
    write(&mut devpoll, &[PollFdRecord::new(fd, POLLOUT)]);
    assert_eq!(devpoll.is_polled(fd).unwrap(), Some(POLLIN | POLLOUT));
}
