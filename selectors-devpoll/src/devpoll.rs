//! `DevpollBackend`: the [`Backend`] operations as writes of `pollfd` records and `DP_POLL`,
//! over any [`DevpollSys`].

use std::fmt;
use std::io;
use std::mem;
use std::time::Duration;

use rustix::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use selectors_core::{Backend, Events, Token, check_fd_range, timeout};

/// Readable (`sys/poll.h`; the same value on illumos, Solaris and Linux).
pub const POLLIN: i16 = 0x0001;
/// Urgent data readable (`sys/poll.h`).
pub const POLLPRI: i16 = 0x0002;
/// Writable (`sys/poll.h`).
pub const POLLOUT: i16 = 0x0004;
/// An error on the fd; reported whether asked for or not (`sys/poll.h`).
pub const POLLERR: i16 = 0x0008;
/// Hang-up; reported whether asked for or not (`sys/poll.h`).
pub const POLLHUP: i16 = 0x0010;
/// The fd is not open; reported whether asked for or not (`sys/poll.h`).
pub const POLLNVAL: i16 = 0x0020;
/// Written as a record's `events`, removes the fd from the interest set (illumos-gate
/// `sys/poll.h`; poll(7D)). Not a `poll(2)` flag: `/dev/poll` only.
pub const POLLREMOVE: i16 = 0x0800;

/// A `struct pollfd` as written to and read from `/dev/poll`: `{ int fd; short events;
/// short revents; }`, with the C layout (checked against `libc::pollfd` on illumos and
/// Solaris).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PollFdRecord {
    /// The file descriptor.
    pub fd: RawFd,
    /// The requested events (`POLLIN`, `POLLOUT`, or [`POLLREMOVE`] alone).
    pub events: i16,
    /// The events that occurred (results of `DP_POLL` only; ignored in writes).
    pub revents: i16,
}

impl PollFdRecord {
    /// A record asking for `events` on `fd`, with `revents` zero.
    #[inline]
    #[must_use]
    pub const fn new(fd: RawFd, events: i16) -> PollFdRecord {
        PollFdRecord {
            fd,
            events,
            revents: 0,
        }
    }
}

/// The three operations of a `/dev/poll` interest set, as the backend logic needs them.
///
/// `RealDevpoll` makes the system calls on illumos and Solaris;
/// [`EmulatedDevpoll`](crate::EmulatedDevpoll) implements the driver's documented semantics
/// over `poll(2)`. Other implementations (for fault injection, say) plug into
/// [`DevpollBackend`] the same way.
pub trait DevpollSys: Sized {
    /// Opens a new, empty interest set, close-on-exec (`open("/dev/poll", O_RDWR |
    /// O_CLOEXEC)`).
    ///
    /// # Errors
    /// The OS error of `open` (`ENOENT` where there is no `/dev/poll`, `EMFILE`, ...).
    fn open() -> io::Result<Self>;

    /// Writes `records` to the interest set in one call (`pwrite` at offset 0) and returns
    /// the number of **bytes** the driver took. For each record, a mask is ORed into the fd's
    /// entry (or adds one); [`POLLREMOVE`] removes the entry.
    ///
    /// # Errors
    /// The OS error of the write (`EACCES` in a child process, `EINVAL`, `EINTR`, ...).
    fn write(&mut self, records: &[PollFdRecord]) -> io::Result<usize>;

    /// `ioctl(DP_POLL)`: waits up to `timeout_ms` milliseconds (`-1` blocks, `0` returns at
    /// once) for readiness, writes at most `out.len()` ready records to the front of `out`,
    /// and returns how many.
    ///
    /// # Errors
    /// The OS error of the ioctl; `EINTR` must come back as is.
    fn poll(&mut self, out: &mut [PollFdRecord], timeout_ms: i32) -> io::Result<usize>;

    /// `ioctl(DP_ISPOLLED)`: the events the set holds for `fd`, or `None` when the fd is not
    /// in the set. The backend does not need it; tests use it to see the kernel's state.
    ///
    /// # Errors
    /// The OS error of the ioctl (`EACCES` in a child process).
    fn is_polled(&self, fd: RawFd) -> io::Result<Option<i16>>;

    /// The interest set's own file descriptor.
    fn fileno(&self) -> RawFd;
}

/// Python's `selectors.DevpollSelector`: a [`BaseSelector`](selectors_core::BaseSelector)
/// over [`DevpollBackend`] on the real `/dev/poll`.
#[cfg(have_devpoll)]
pub type DevpollSelector<F, T = ()> =
    selectors_core::BaseSelector<DevpollBackend<crate::RealDevpoll>, F, T>;

/// A `/dev/poll` interest set `D` and the buffer `DP_POLL` fills.
///
/// `D` is the real device (`RealDevpoll`, illumos and Solaris) or an
/// emulation of it. The driver keys its interest set by fd number and reports numbers, so the
/// backend keeps each registered fd's token in a table indexed by fd and reports a `DP_POLL`
/// record under its fd's token; a record for an fd the table does not hold is dropped.
pub struct DevpollBackend<D: DevpollSys> {
    devpoll: D,
    /// Filled by `DP_POLL`; at least as long as the number of registrations (and never
    /// empty), so one call reports every ready fd.
    results: Vec<PollFdRecord>,
    /// Indexed by fd: the token of each registered fd.
    tokens: Vec<Option<Token>>,
    registered: usize,
    /// How many records the last `DP_POLL` wrote to `results` (0 after a failure).
    ready_count: usize,
}

impl<D: DevpollSys> DevpollBackend<D> {
    /// A backend over an interest set that is already open and empty.
    #[must_use]
    pub fn with_sys(devpoll: D) -> Self {
        DevpollBackend {
            devpoll,
            results: vec![PollFdRecord::default()],
            tokens: Vec::new(),
            registered: 0,
            ready_count: 0,
        }
    }

    /// The interest set, read-only: to inspect an emulated or scripted device.
    #[must_use]
    pub fn sys(&self) -> &D {
        &self.devpoll
    }

    /// The token of a registered `fd`.
    #[inline]
    fn token(&self, fd: RawFd) -> Option<Token> {
        *self.tokens.get(usize::try_from(fd).ok()?)?
    }

    /// Writes `records` in one call; a write the driver takes only in part is an error, as
    /// in CPython ("failed to write all pollfds").
    fn write_all(&mut self, records: &[PollFdRecord]) -> io::Result<()> {
        let expected = mem::size_of_val(records);
        let written = self.devpoll.write(records)?;
        if written == expected {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "/dev/poll took {written} of {expected} bytes: failed to write all pollfds"
            )))
        }
    }
}

/// The `pollfd` mask for a (valid) event mask.
#[inline]
fn interest(events: Events) -> i16 {
    let mut mask = 0;
    if events.contains(Events::READ) {
        mask |= POLLIN;
    }
    if events.contains(Events::WRITE) {
        mask |= POLLOUT;
    }
    mask
}

impl<D: DevpollSys + fmt::Debug> fmt::Debug for DevpollBackend<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevpollBackend")
            .field("devpoll", &self.devpoll)
            .field("registered", &self.registered)
            .finish_non_exhaustive()
    }
}

impl<D: DevpollSys> Backend for DevpollBackend<D> {
    fn new() -> io::Result<Self> {
        Ok(Self::with_sys(D::open()?))
    }

    fn name(&self) -> &'static str {
        "devpoll"
    }

    fn add(&mut self, fd: BorrowedFd<'_>, token: Token, events: Events) -> io::Result<()> {
        let raw = fd.as_raw_fd();
        check_fd_range(fd, raw)?;
        if self.token(raw).is_some() {
            return Err(io::ErrorKind::AlreadyExists.into());
        }
        self.write_all(&[PollFdRecord::new(raw, interest(events))])?;
        let index = raw as usize;
        if index >= self.tokens.len() {
            self.tokens.resize(index + 1, None);
        }
        self.tokens[index] = Some(token);
        self.registered += 1;
        Ok(())
    }

    fn modify(&mut self, fd: RawFd, token: Token, _old: Events, new: Events) -> io::Result<()> {
        if self.token(fd).is_none() {
            return Err(io::ErrorKind::NotFound.into());
        }
        // A mask written for a watched fd is ORed into its entry (poll(7D)), so a change that
        // drops a direction must remove the entry first; both records go in one write so the
        // kernel never sees the fd unwatched between two calls.
        self.write_all(&[
            PollFdRecord::new(fd, POLLREMOVE),
            PollFdRecord::new(fd, interest(new)),
        ])?;
        self.tokens[fd as usize] = Some(token);
        Ok(())
    }

    fn delete(&mut self, fd: RawFd, _token: Token, _events: Events) -> io::Result<()> {
        if self.token(fd).is_none() {
            return Err(io::ErrorKind::NotFound.into());
        }
        // The backend forgets the fd whatever the driver says.
        self.tokens[fd as usize] = None;
        self.registered -= 1;
        self.write_all(&[PollFdRecord::new(fd, POLLREMOVE)])
    }

    fn wait<R>(&mut self, timeout: Option<Duration>, ready: R) -> io::Result<()>
    where
        R: FnMut(Token, Events),
    {
        // At least one slot: `dp_nfds == 0` only sleeps (bpo-23009 is the same trap in epoll).
        // Registrations are distinct fds other than the set's own, so fewer than the fd limit:
        // Solaris refuses `dp_nfds >= {OPEN_MAX}` with EINVAL (poll(7D)).
        let slots = self.registered.max(1);
        if self.results.len() < slots {
            self.results.resize(slots, PollFdRecord::default());
        }
        self.ready_count = 0;
        let count = self
            .devpoll
            .poll(&mut self.results[..slots], timeout::ceil_millis(timeout))?;
        self.ready_count = count.min(slots);
        self.replay(ready);
        Ok(())
    }

    fn replay<R>(&mut self, mut ready: R)
    where
        R: FnMut(Token, Events),
    {
        for record in &self.results[..self.ready_count] {
            let Some(token) = usize::try_from(record.fd)
                .ok()
                .and_then(|index| self.tokens.get(index).copied().flatten())
            else {
                continue;
            };
            let revents = u32::from(record.revents as u16);
            let events = Events::from_kernel(revents, POLLIN as u32, POLLOUT as u32);
            ready(token, events);
        }
    }

    fn fileno(&self) -> Option<RawFd> {
        Some(self.devpoll.fileno())
    }
}

/// The interest set's fd, where the device is a real kernel object.
impl<D: DevpollSys + AsFd> AsFd for DevpollBackend<D> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.devpoll.as_fd()
    }
}

/// The selector is `Send` whenever its file objects and data are: checked at compile time,
/// over the emulated device here and the real one where it exists.
#[cfg(any(feature = "emulated", have_devpoll))]
const _: () = {
    const fn assert_send<S: Send>() {}
    #[cfg(feature = "emulated")]
    assert_send::<
        selectors_core::BaseSelector<DevpollBackend<crate::EmulatedDevpoll>, rustix::fd::OwnedFd>,
    >();
    #[cfg(have_devpoll)]
    assert_send::<DevpollSelector<rustix::fd::OwnedFd>>();
};

#[cfg(test)]
mod tests;
