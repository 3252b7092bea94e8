//! The real `/dev/poll` device (illumos, Solaris): `open`, `pwrite` of `pollfd` records at
//! offset 0, and `ioctl(DP_POLL)` / `ioctl(DP_ISPOLLED)`.
//!
//! Neither libc nor rustix has these; the values come from illumos-gate `sys/devpoll.h`:
//! `DPIOC = 0xD0 << 8`, `DP_POLL = DPIOC | 1`, `DP_ISPOLLED = DPIOC | 2`, and
//! `struct dvpoll { pollfd_t *dp_fds; nfds_t dp_nfds; int dp_timeout; }`.
//!
//! - illumos poll(7D), now poll(4D): <https://illumos.org/man/4D/poll>
//! - Solaris poll(7D): <https://docs.oracle.com/cd/E23824_01/html/821-1475/poll-7d.html>

use std::ffi::{c_int, c_ulong, c_void};
use std::io;
use std::marker::PhantomData;
use std::{mem, ptr, slice};

use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use rustix::fs::{Mode, OFlags};
use rustix::ioctl::{Ioctl, IoctlOutput, Opcode};

use crate::{DevpollSys, PollFdRecord};

/// The ioctl group of `/dev/poll`.
const DPIOC: Opcode = 0xD0 << 8;
/// `ioctl(fd, DP_POLL, struct dvpoll *)` (`0xD001`): wait for and fetch ready `pollfd`s.
const DP_POLL: Opcode = DPIOC | 1;
/// `ioctl(fd, DP_ISPOLLED, struct pollfd *)` (`0xD002`): is the fd in the set, and with
/// which events.
const DP_ISPOLLED: Opcode = DPIOC | 2;

/// `struct dvpoll` of `sys/devpoll.h`. illumos appends `sigset_t *dp_setp` for `DP_PPOLL`,
/// which `DP_POLL` does not read (the kernel copies in only the fields before it).
#[repr(C)]
struct DvPoll {
    dp_fds: *mut PollFdRecord,
    /// `nfds_t`: `unsigned long` on illumos and Solaris.
    dp_nfds: c_ulong,
    dp_timeout: c_int,
}

/// The real `/dev/poll` device: one interest set, opened close-on-exec.
///
/// Only on illumos and Solaris. Changes are written with `pwrite` at offset 0: illumos resets
/// the offset of every write itself, Solaris does not, and a growing offset eventually fails.
#[derive(Debug)]
pub struct RealDevpoll {
    devpoll: OwnedFd,
}

impl AsFd for RealDevpoll {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.devpoll.as_fd()
    }
}

impl DevpollSys for RealDevpoll {
    fn open() -> io::Result<Self> {
        let devpoll = rustix::fs::open("/dev/poll", OFlags::RDWR | OFlags::CLOEXEC, Mode::empty())?;
        Ok(RealDevpoll { devpoll })
    }

    fn write(&mut self, records: &[PollFdRecord]) -> io::Result<usize> {
        // SAFETY: `PollFdRecord` is `#[repr(C)]` `{ i32, i16, i16 }`: 8 bytes, no padding, all
        // initialised, so its slice can be read as `size_of_val(records)` bytes while borrowed.
        let bytes = unsafe {
            slice::from_raw_parts(records.as_ptr().cast::<u8>(), mem::size_of_val(records))
        };
        Ok(rustix::io::pwrite(&self.devpoll, bytes, 0)?)
    }

    fn poll(&mut self, out: &mut [PollFdRecord], timeout_ms: i32) -> io::Result<usize> {
        let request = DpPoll {
            dvpoll: DvPoll {
                dp_fds: out.as_mut_ptr(),
                dp_nfds: out.len() as c_ulong,
                dp_timeout: timeout_ms,
            },
            _out: PhantomData,
        };
        // SAFETY: `dp_fds` points to `out`, which has room for `dp_nfds` records and is
        // borrowed mutably for the call (the `PhantomData` ties it to the request); the driver
        // writes at most `dp_nfds` `pollfd`s there (poll(7D)), and `PollFdRecord` has the
        // `pollfd` layout (tested below).
        let ready = unsafe { rustix::ioctl::ioctl(&self.devpoll, request) }?;
        Ok(ready.min(out.len()))
    }

    fn is_polled(&self, fd: RawFd) -> io::Result<Option<i16>> {
        let query = IsPolled {
            record: PollFdRecord::new(fd, 0),
        };
        // SAFETY: `IsPolled` passes a pointer to its own `pollfd`, which `DP_ISPOLLED` reads and
        // may overwrite with a `pollfd` of the same size (poll(7D)); it lives across the call.
        let (polled, record) = unsafe { rustix::ioctl::ioctl(&self.devpoll, query) }?;
        Ok(polled.then_some(record.revents))
    }

    fn fileno(&self) -> RawFd {
        self.devpoll.as_raw_fd()
    }
}

/// The `DP_POLL` request: a `struct dvpoll` whose buffer is borrowed for the call.
struct DpPoll<'a> {
    dvpoll: DvPoll,
    _out: PhantomData<&'a mut [PollFdRecord]>,
}

// SAFETY: the opcode is `DP_POLL`, whose argument is a `struct dvpoll *` (`as_ptr` gives a
// pointer to the `#[repr(C)]` `DvPoll`); the driver writes to the buffer `dp_fds`
// (IS_MUTATING), and returns the number of records written, which is all the output is.
unsafe impl Ioctl for DpPoll<'_> {
    type Output = usize;

    const IS_MUTATING: bool = true;

    fn opcode(&self) -> Opcode {
        DP_POLL
    }

    fn as_ptr(&mut self) -> *mut c_void {
        ptr::from_mut(&mut self.dvpoll).cast()
    }

    unsafe fn output_from_ptr(
        out: IoctlOutput,
        _extract_output: *mut c_void,
    ) -> rustix::io::Result<usize> {
        // A successful `DP_POLL` returns the (non-negative) number of records.
        Ok(usize::try_from(out).unwrap_or(0))
    }
}

/// The `DP_ISPOLLED` request: a `struct pollfd` naming the fd, filled in by the driver.
struct IsPolled {
    record: PollFdRecord,
}

// SAFETY: the opcode is `DP_ISPOLLED`, whose argument is a `struct pollfd *` (`as_ptr` gives
// a pointer to the `#[repr(C)]` record, layout tested below); the driver may write the record
// (IS_MUTATING) and returns 1 when the fd is in the set, 0 when not.
unsafe impl Ioctl for IsPolled {
    type Output = (bool, PollFdRecord);

    const IS_MUTATING: bool = true;

    fn opcode(&self) -> Opcode {
        DP_ISPOLLED
    }

    fn as_ptr(&mut self) -> *mut c_void {
        ptr::from_mut(&mut self.record).cast()
    }

    unsafe fn output_from_ptr(
        out: IoctlOutput,
        extract_output: *mut c_void,
    ) -> rustix::io::Result<Self::Output> {
        // SAFETY: the caller passes the pointer `as_ptr` returned, to a `PollFdRecord` that
        // is still alive, after a successful ioctl.
        let record = unsafe { *extract_output.cast::<PollFdRecord>() };
        Ok((out == 1, record))
    }
}

#[cfg(test)]
mod tests {
    use std::mem::{align_of, offset_of, size_of};

    use super::*;
    use crate::{POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI};

    #[test]
    fn pollfd_record_has_the_layout_of_libc_pollfd() {
        assert_eq!(size_of::<PollFdRecord>(), size_of::<libc::pollfd>());
        assert_eq!(align_of::<PollFdRecord>(), align_of::<libc::pollfd>());
        assert_eq!(offset_of!(PollFdRecord, fd), offset_of!(libc::pollfd, fd));
        assert_eq!(
            offset_of!(PollFdRecord, events),
            offset_of!(libc::pollfd, events)
        );
        assert_eq!(
            offset_of!(PollFdRecord, revents),
            offset_of!(libc::pollfd, revents)
        );
        // The field types, checked by the compiler.
        let c = libc::pollfd {
            fd: 3,
            events: libc::POLLIN,
            revents: libc::POLLOUT,
        };
        let record = PollFdRecord {
            fd: c.fd,
            events: c.events,
            revents: c.revents,
        };
        assert_eq!(
            record,
            PollFdRecord {
                fd: 3,
                events: POLLIN,
                revents: POLLOUT
            }
        );
    }

    #[test]
    fn dvpoll_has_the_c_layout() {
        // `struct dvpoll { pollfd_t *dp_fds; nfds_t dp_nfds; int dp_timeout; }`: pointer,
        // unsigned long and int, so 12 bytes on ILP32 and 24 (with 4 of tail padding) on LP64.
        let nfds: libc::nfds_t = 0;
        let dvpoll = DvPoll {
            dp_fds: ptr::null_mut(),
            dp_nfds: nfds,
            dp_timeout: libc::c_int::default(),
        };
        assert!(dvpoll.dp_fds.is_null());
        let word = size_of::<*mut libc::pollfd>();
        assert_eq!(size_of::<libc::nfds_t>(), word);
        assert_eq!(offset_of!(DvPoll, dp_fds), 0);
        assert_eq!(offset_of!(DvPoll, dp_nfds), word);
        assert_eq!(offset_of!(DvPoll, dp_timeout), 2 * word);
        assert_eq!(size_of::<DvPoll>(), if word == 8 { 24 } else { 12 });
        assert_eq!(align_of::<DvPoll>(), word);
    }

    #[test]
    fn flags_match_the_c_library() {
        assert_eq!(POLLIN, libc::POLLIN);
        assert_eq!(POLLPRI, libc::POLLPRI);
        assert_eq!(POLLOUT, libc::POLLOUT);
        assert_eq!(POLLERR, libc::POLLERR);
        assert_eq!(POLLHUP, libc::POLLHUP);
        assert_eq!(POLLNVAL, libc::POLLNVAL);
    }
}
