//! Kernels wrapped for kqueue's own cases (`tests/kqueue.rs`): one that fails the `EV_ADD` of
//! a write filter, one that records the room of each wait, one a case can probe, and the
//! probe itself.

use std::cell::RefCell;
use std::io::{self, ErrorKind, Write};
use std::os::fd::RawFd;
use std::os::unix::net::UnixStream;

use rustix::event::Timespec;
use rustix::io::Errno;
use selectors_kqueue::{EV_ADD, EV_ENABLE, EV_ERROR, EV_RECEIPT, EVFILT_WRITE, Kevent, KqueueSys};

const ZERO: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 0,
};

/// A kernel `K` that refuses every `EV_ADD` of an `EVFILT_WRITE` filter with `ENOMEM`, after
/// applying the other changes of the call: a register whose WRITE filter fails after its READ
/// filter was added. The kernel sits in a `RefCell` so a case can probe it ([`holds`]) while
/// the backend holds the wrapper.
#[derive(Debug)]
pub(crate) struct FailWriteAdd<K> {
    pub(crate) kernel: RefCell<K>,
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
pub(crate) struct Probed<K> {
    pub(crate) kernel: RefCell<K>,
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
pub(crate) struct RecordRoom<K> {
    kernel: K,
    pub(crate) rooms: Vec<usize>,
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
pub(crate) fn holds<K: KqueueSys>(kernel: &RefCell<K>, fd: RawFd, filter: i16) -> bool {
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
pub(crate) fn fill(socket: &mut UnixStream) {
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
