//! The calls that need `unsafe`: `epoll_ctl(2)` on an fd known by number (a registration
//! outlives the borrow that made it), and `epoll_pwait2(2)`, which rustix cannot make for us
//! with a run-time fallback.
//!
//! rustix calls `epoll_pwait2` only when built with its `linux_5_11` feature, and then for
//! every wait, failing on older kernels. Here it is tried once per process; `ENOSYS` (kernel
//! before 5.11) or `EPERM` (a seccomp filter that does not know it, such as older container
//! runtimes' default profiles) switches the process to millisecond timeouts for good.
//!
//! <https://man7.org/linux/man-pages/man2/epoll_wait.2.html>

use std::io;
use std::ptr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use rustix::buffer::spare_capacity;
use rustix::event::Timespec;
use rustix::event::epoll::{self, EventData, EventFlags};
use rustix::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use selectors_core::timeout;

const PWAIT2_UNKNOWN: u8 = 0;
const PWAIT2_PRESENT: u8 = 1;
const PWAIT2_ABSENT: u8 = 2;

/// Whether this process has found `epoll_pwait2` to work.
static PWAIT2: AtomicU8 = AtomicU8::new(PWAIT2_UNKNOWN);

/// An `epoll_ctl` operation on a registered fd.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ctl {
    Add,
    Modify,
    Delete,
}

/// `epoll_ctl(epoll, op, fd, {flags, data})` for an fd known by its number.
///
/// A number that cannot be open (negative) is `ENOENT`-like [`io::ErrorKind::NotFound`]
/// (nothing is registered under it) and never reaches the kernel.
#[inline]
pub(crate) fn epoll_ctl(
    epoll: &OwnedFd,
    op: Ctl,
    fd: RawFd,
    data: EventData,
    flags: EventFlags,
) -> io::Result<()> {
    if fd < 0 {
        return Err(io::ErrorKind::NotFound.into());
    }
    // SAFETY: `fd` is not negative, so not the niche value -1; the borrow lives only for this
    // call. `epoll_ctl` does not read, write or close the file the number names: it changes
    // the epoll instance's interest list, and fails with `EBADF` when the number is not open.
    // A number reused by another file since it was registered is that other file, which the
    // call only adds to or removes from this epoll's interest list (`ENOENT` if it was not in
    // it): no I/O on anyone's file.
    let source = unsafe { BorrowedFd::borrow_raw(fd) };
    match op {
        Ctl::Add => epoll::add(epoll, source, data, flags)?,
        Ctl::Modify => epoll::modify(epoll, source, data, flags)?,
        Ctl::Delete => epoll::delete(epoll, source)?,
    }
    Ok(())
}

/// The buffer `epoll_wait` fills.
///
/// rustix's `epoll::Event` keeps its user data in a union that may hold a pointer, so a
/// `Vec` of them is neither `Send` nor `Sync`, and neither would the selector be. This backend
/// only ever stores tokens (integers) in that union (`EventData::new_u64`), never a pointer.
pub(crate) struct EventBuffer(pub(crate) Vec<epoll::Event>);

// SAFETY: the events hold plain integers (tokens written by `EventData::new_u64`), never a
// pointer, so moving the buffer to another thread moves nothing thread-bound.
unsafe impl Send for EventBuffer {}
// SAFETY: as above; shared references only allow reading those integers.
unsafe impl Sync for EventBuffer {}

/// The kernel's `struct __kernel_timespec`, which `epoll_pwait2` takes on every architecture
/// (64-bit seconds even on 32-bit targets).
#[repr(C)]
struct KernelTimespec {
    tv_sec: i64,
    tv_nsec: i64,
}

/// `epoll_wait(epoll, events, max_events, timeout)`: fills `events` (empty, with capacity for
/// at least `max_events`) with the ready events.
///
/// `precise` asks for nanosecond resolution through `epoll_pwait2`; otherwise, or when the
/// kernel lacks it, a positive timeout is rounded up to whole milliseconds.
///
/// Inlined, like rustix's wrapper beneath it, so the system call sits in the caller's frame:
/// on machines whose kernel entry clears the return-stack buffer, every function return
/// between the `syscall` instruction and the caller's loop costs a mispredict (measured here:
/// ~0.15 µs for one extra call level around a ~0.35 µs `epoll_wait`).
#[inline]
pub(crate) fn epoll_wait(
    epoll: BorrowedFd<'_>,
    events: &mut Vec<epoll::Event>,
    max_events: usize,
    timeout: Option<Duration>,
    precise: bool,
) -> io::Result<()> {
    debug_assert!(events.is_empty() && events.capacity() >= max_events);
    if precise && PWAIT2.load(Ordering::Relaxed) != PWAIT2_ABSENT {
        if let Some(result) = try_epoll_pwait2(epoll, events, max_events, timeout) {
            return result;
        }
    }
    let timespec = timeout::timespec_millis(timeout);
    // A `Vec` with `max_events` free slots: `wait` writes at most that many.
    epoll::wait(epoll, spare_capacity(events), timespec.as_ref())?;
    Ok(())
}

/// `epoll_pwait2` with a nanosecond timeout; `None` when the kernel lacks it (`ENOSYS`) or a
/// seccomp filter refuses it (`EPERM`), which switches the process to milliseconds for good.
/// Out of line: only positive sub-millisecond-precision timeouts come here.
#[cold]
#[inline(never)]
fn try_epoll_pwait2(
    epoll: BorrowedFd<'_>,
    events: &mut Vec<epoll::Event>,
    max_events: usize,
    timeout: Option<Duration>,
) -> Option<io::Result<()>> {
    let timeout = timeout::timespec(timeout).expect("precise waits have a timeout");
    match epoll_pwait2(epoll, events, max_events, &timeout) {
        Err(err) if matches!(err.raw_os_error(), Some(libc::ENOSYS | libc::EPERM)) => {
            PWAIT2.store(PWAIT2_ABSENT, Ordering::Relaxed);
            None
        }
        result => {
            PWAIT2.store(PWAIT2_PRESENT, Ordering::Relaxed);
            Some(result)
        }
    }
}

fn epoll_pwait2(
    epoll: BorrowedFd<'_>,
    events: &mut Vec<epoll::Event>,
    max_events: usize,
    timeout: &Timespec,
) -> io::Result<()> {
    // `tv_nsec` is `i64` with rustix's raw Linux backend but `c_long` with its libc one.
    #[allow(clippy::useless_conversion)]
    let tv_nsec = i64::from(timeout.tv_nsec);
    let kernel_timeout = KernelTimespec {
        tv_sec: timeout.tv_sec,
        tv_nsec,
    };
    let max_events = libc::c_int::try_from(max_events).unwrap_or(libc::c_int::MAX);
    // SAFETY: `events` has room for `max_events` entries (the caller reserved them) and
    // `rustix::event::epoll::Event` has the kernel's `struct epoll_event` layout (rustix
    // checks it against libc); `kernel_timeout` is a valid `struct __kernel_timespec` that
    // outlives the call; a null sigmask leaves the signal mask alone, so its size is unused.
    let ready = unsafe {
        libc::syscall(
            libc::SYS_epoll_pwait2,
            epoll.as_raw_fd(),
            events.as_mut_ptr(),
            max_events,
            ptr::from_ref(&kernel_timeout),
            ptr::null::<libc::sigset_t>(),
            0_usize,
        )
    };
    if ready < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel initialised the first `ready` entries (at most `max_events`, which
    // is within the capacity), and `epoll::Event` is plain data.
    unsafe { events.set_len(ready as usize) };
    Ok(())
}
