//! Reliability on epoll, with nanosecond (`epoll::*`) and millisecond (`epoll_millis::*`)
//! timeouts: model-checked random sequences, faults and bad input with the kernel's interest
//! list (`/proc/self/fdinfo`) checked against the map, fd exhaustion, threads and exec; and
//! the kernel's rotation of ready fds when its buffer is short.
#![cfg(target_os = "linux")]

mod common;

use std::os::unix::net::UnixStream;

use common::EpollMillis;
use rustix::event::epoll::{CreateFlags, EventData, EventFlags, add, create, wait};
use rustix::fd::AsRawFd;
use selectors_core::conformance::{
    Behaviour, ClosedFd, RegularFile, ReusedFd, epoll_interest_list,
};
use selectors_epoll::EpollBackend;

/// The kernel drops a registration when its file is closed, so a reused number is not
/// watched; a regular file is `EPERM`; the epoll fd is a kernel object, so creation needs an
/// fd.
const EPOLL: Behaviour = Behaviour {
    closed_fd: ClosedFd::Forgotten,
    reused_fd: ReusedFd::Ignored,
    regular_file: RegularFile::Refused(rustix::io::Errno::PERM.raw_os_error()),
    kernel_object: true,
    creation_fails_on_emfile: true,
};

selectors_core::reliability_suite!(
    epoll,
    EpollBackend,
    view = epoll_interest_list,
    behaviour = EPOLL,
);
selectors_core::reliability_suite!(
    epoll_millis,
    EpollMillis,
    view = epoll_interest_list,
    behaviour = EPOLL,
);

/// The backend sizes its buffer to the registrations, so the kernel always has room for
/// every ready fd. Should it not (a registration the map no longer knows), level-triggered
/// epoll still starves no one: with room for 10 of 64 ready fds, successive `epoll_wait`s
/// report each fd once before any fd twice, and all within 7 calls (the kernel puts the fds
/// it reported behind those it did not).
#[test]
fn kernel_rotates_ready_fds_through_a_short_buffer() {
    // Opens fds: never while a case that needs stable fd numbers runs.
    let _fds = selectors_core::conformance::FdLock::shared();
    const READY: usize = 64;
    const ROOM: usize = 10;
    let epoll = create(CreateFlags::CLOEXEC).unwrap();
    let pairs: Vec<(UnixStream, UnixStream)> =
        (0..READY).map(|_| UnixStream::pair().unwrap()).collect();
    for (a, _) in &pairs {
        let data = EventData::new_u64(a.as_raw_fd() as u64);
        add(&epoll, a, data, EventFlags::OUT).unwrap();
    }
    let mut seen = Vec::new();
    for _ in 0..READY.div_ceil(ROOM) {
        let mut events = Vec::with_capacity(ROOM);
        wait(&epoll, rustix::buffer::spare_capacity(&mut events), None).unwrap();
        assert_eq!(events.len(), ROOM, "every fd stays ready");
        seen.extend(events.iter().map(|event| event.data.u64() as i32));
    }
    let first: Vec<i32> = seen[..READY].to_vec();
    let mut unique = first.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        READY,
        "an fd came twice before another came once: {seen:?}"
    );
    let mut all: Vec<i32> = pairs.iter().map(|(a, _)| a.as_raw_fd()).collect();
    all.sort_unstable();
    assert_eq!(unique, all);
}
