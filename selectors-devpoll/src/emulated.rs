//! `EmulatedDevpoll`: the `/dev/poll` driver's documented semantics, emulated over `poll(2)`.
//!
//! Written from the manual pages, with the details they leave open taken from the illumos
//! driver itself: illumos-gate `usr/src/uts/common/io/devpoll.c` (`dpwrite`, `dpioctl`,
//! `dp_pcache_poll`) and `usr/src/uts/common/syscall/poll.c` (`pollwakeup`, `pollnotify`,
//! `pollhead_clean`). Solaris's source is not public: for Solaris, the manual page is all
//! there is, and where it is stricter than illumos's code the emulation follows the page.
//!
//! - illumos poll(7D), now poll(4D): <https://illumos.org/man/4D/poll>
//! - Solaris poll(7D): <https://docs.oracle.com/cd/E23824_01/html/821-1475/poll-7d.html>

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::mem;
use std::ops::Bound;
use std::sync::OnceLock;

use rustix::event::PollFd;
use rustix::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use rustix::process::{Pid, Resource, getpid, getrlimit};
use selectors_core::Events;

use crate::PollFdRecord;
use crate::sys;
use crate::{DevpollSys, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLREMOVE};

/// The request bits whose values and meaning `poll(2)` shares between Linux, illumos and
/// Solaris; others (`POLLRDBAND`, `POLLWRBAND`, ...) are kept in the table but not polled.
const POLLED_EVENTS: i16 = POLLIN | POLLPRI | POLLOUT;
/// The result bits the emulation reports, with the same values on all three systems.
const REPORTED_EVENTS: i16 = POLLIN | POLLPRI | POLLOUT | POLLERR | POLLHUP | POLLNVAL;

/// An **emulation** of the `/dev/poll` driver of illumos and Solaris, over `poll(2)`, for
/// running the devpoll backend logic where there is no `/dev/poll` (it is not the real
/// kernel). It follows poll(7D) and illumos's `devpoll.c`:
///
/// - A write of `{fd, events}` ORs `events` into the fd's entry, or adds one (`dpwrite`:
///   "`pdp->pd_events |= pfdp->events`"). Several records for one fd in one write are ORed
///   likewise. A write of more records than `{OPEN_MAX}` (the soft `RLIMIT_NOFILE`) fails
///   with `EINVAL`.
/// - A write of `{fd, POLLREMOVE}` removes the entry (the driver tests for `events ==
///   POLLREMOVE`); removing an fd that is not in the set is not an error ("`if (pdp == NULL
///   || pdp->pd_fp == NULL) ... continue;`").
/// - A write naming an fd that is not open is **not** an error: "we can't pass this error
///   back in the write() call". The entry is made without a file and keeps the events
///   written (a later write while the fd is open ORs into them); `DP_POLL` skips it ("The fd
///   is POLLREMOVEd. This fd is logically no longer cached") and `DP_ISPOLLED` does not
///   report it; a `POLLREMOVE` leaves it as it is. Negative fds are skipped.
/// - `DP_POLL` polls the set with `poll(2)` and returns the ready `pollfd`s (`fd`, the
///   entry's `events`, `revents`), at most `dp_nfds` of them, in fd order resuming after the
///   last fd reported when the buffer was full (`dp_pcache_poll`: "Always resume from last
///   stop ... Then wrap around"). `dp_timeout` is in milliseconds: `-1` blocks, `0` returns at
///   once. `dp_nfds == 0` only sleeps for the timeout ("We are just using DP_POLL to sleep").
///   `dp_nfds` at or above `{OPEN_MAX}` fails with `EINVAL`, as poll(7D) says (illumos's
///   code clamps it instead; Solaris's page is what is known of Solaris).
/// - An fd closed without `POLLREMOVE` is reported with `POLLNVAL` and only `fd` and
///   `revents` filled in (`dp_pcache_poll`: "we return POLLNVAL. This is consistent with
///   poll(2) polling a closed fd"; its `events` is left as the driver's buffer held it, here
///   0), on every `DP_POLL` until it is removed; once its number is reused, the new file is
///   polled ("`if (fp != pdp->pd_fp) ... pdp->pd_fp = fp`"; poll(7D): "you will be polling the
///   device associated with the reused file descriptor").
/// - Only the process that first wrote or polled may use the set: in a child, writes and
///   ioctls (`DP_ISPOLLED` too) fail with `EACCES` ("`if (pcp->pc_pid != -1) return
///   (EACCES);`").
///
/// Where it differs: only `POLLIN`, `POLLPRI` and `POLLOUT` are polled, and `POLLERR`,
/// `POLLHUP` and `POLLNVAL` reported, the bits whose values the three systems share. The
/// driver looks only at fds whose bit is set in its bitmap: set by a write and by any event
/// on the file (`pollwakeup`, which sockfs also calls with `POLLERR` when a socket's last
/// descriptor closes, `sonode_fini`), cleared by a `DP_POLL` that found the fd idle. So a
/// closed number whose file stays open through another descriptor, and was idle at the last
/// `DP_POLL`, is not reported until that file has an event; the emulation always reports it.
/// An fd beyond the process's descriptor table (`fi_nfiles`) is skipped by a write, where
/// the emulation makes the entry without a file.
///
/// [`fileno`](DevpollSys::fileno) is a real descriptor (`/dev/null`, opened close-on-exec)
/// standing in for the device's, so it is open, unique and closed with the emulator.
pub struct EmulatedDevpoll {
    handle: OwnedFd,
    /// The process allowed to use the set, fixed by the first write or ioctl.
    owner: OnceLock<Pid>,
    table: BTreeMap<RawFd, Entry>,
    /// Where the next `DP_POLL` scan starts.
    resume: RawFd,
    /// The `poll(2)` array, rebuilt for each `DP_POLL`.
    pollfds: Vec<PollFd<'static>>,
}

/// One fd of the set.
#[derive(Debug, Clone, Copy)]
struct Entry {
    events: i16,
    /// Whether the fd was open when it was written (the driver's cached file pointer). An
    /// entry written only while the fd was closed is skipped by `DP_POLL`.
    attached: bool,
}

impl EmulatedDevpoll {
    /// The fds in the set and their events, in fd order (entries that `DP_POLL` polls).
    pub fn entries(&self) -> impl Iterator<Item = (RawFd, i16)> + '_ {
        self.table
            .iter()
            .filter(|(_, entry)| entry.attached)
            .map(|(&fd, entry)| (fd, entry.events))
    }

    /// The interest set as `(fd, events)` sorted by fd: `POLLIN` is READ, `POLLOUT` WRITE.
    pub fn interest_list(&self) -> Vec<(RawFd, Events)> {
        self.entries()
            .map(|(fd, mask)| {
                let mut events = Events::empty();
                if mask & POLLIN != 0 {
                    events |= Events::READ;
                }
                if mask & POLLOUT != 0 {
                    events |= Events::WRITE;
                }
                (fd, events)
            })
            .collect()
    }

    /// The poll(7D) check: a child that inherited the set gets `EACCES`. The first process to
    /// write or make an ioctl owns the set (`dpwrite`, `dpioctl`: "`pcp->pc_pid =
    /// curproc->p_pid`").
    fn check_owner(&self) -> io::Result<()> {
        let pid = getpid();
        if *self.owner.get_or_init(|| pid) == pid {
            Ok(())
        } else {
            Err(Errno::ACCESS.into())
        }
    }
}

impl fmt::Debug for EmulatedDevpoll {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatedDevpoll")
            .field("handle", &self.handle)
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl DevpollSys for EmulatedDevpoll {
    fn open() -> io::Result<Self> {
        let handle = rustix::fs::open("/dev/null", OFlags::RDWR | OFlags::CLOEXEC, Mode::empty())?;
        Ok(EmulatedDevpoll {
            handle,
            owner: OnceLock::new(),
            table: BTreeMap::new(),
            resume: 0,
            pollfds: Vec::new(),
        })
    }

    fn write(&mut self, records: &[PollFdRecord]) -> io::Result<usize> {
        self.check_owner()?;
        // `dpwrite`: "if (pollfdnum > (uint_t)rctl_enforced_value(rctlproc_legacy[RLIMIT_NOFILE]
        // ...)) ... return (EINVAL);"
        if records.len() as u64 > open_max() {
            return Err(Errno::INVAL.into());
        }
        for record in records {
            if record.fd < 0 {
                // The driver skips fds beyond its table (a negative fd, as unsigned).
                continue;
            }
            if record.events == POLLREMOVE {
                // Only an entry with a file is removed; removing anything else is a no-op.
                if self.table.get(&record.fd).is_some_and(|e| e.attached) {
                    self.table.remove(&record.fd);
                }
                continue;
            }
            let open = sys::is_open(record.fd);
            let entry = self.table.entry(record.fd).or_insert(Entry {
                events: 0,
                attached: false,
            });
            entry.events |= record.events;
            entry.attached |= open;
        }
        Ok(mem::size_of_val(records))
    }

    fn poll(&mut self, out: &mut [PollFdRecord], timeout_ms: i32) -> io::Result<usize> {
        self.check_owner()?;
        // poll(7D), ERRORS: EINVAL "when using the DPPOLL ioctl dp_nfds is greater than or
        // equal to {OPEN_MAX}".
        if out.len() as u64 >= open_max() {
            return Err(Errno::INVAL.into());
        }
        self.pollfds.clear();
        if !out.is_empty() {
            // The scan resumes at `resume` and wraps around to the lower fds.
            let after = self.table.range(self.resume..);
            let before = self
                .table
                .range((Bound::Unbounded, Bound::Excluded(self.resume)));
            for (&fd, entry) in after.chain(before) {
                if entry.attached {
                    self.pollfds
                        .push(sys::pollfd(fd, entry.events & POLLED_EVENTS));
                }
            }
        }
        if sys::poll(&mut self.pollfds, timeout_ms)? == 0 {
            return Ok(0);
        }
        let mut count = 0;
        for pollfd in &self.pollfds {
            let revents = sys::revents(pollfd) & REPORTED_EVENTS;
            if revents == 0 {
                continue;
            }
            if count == out.len() {
                break;
            }
            let fd = pollfd.as_fd().as_raw_fd();
            // For a closed fd the driver sets only `fd` and `revents`.
            let events = if revents & POLLNVAL != 0 {
                0
            } else {
                self.table[&fd].events
            };
            out[count] = PollFdRecord {
                fd,
                events,
                revents,
            };
            count += 1;
        }
        if count > 0 && count == out.len() {
            // The buffer is full: the next scan starts after the last fd reported.
            self.resume = out[count - 1].fd.saturating_add(1);
        }
        Ok(count)
    }

    fn is_polled(&self, fd: RawFd) -> io::Result<Option<i16>> {
        self.check_owner()?;
        // `DP_ISPOLLED`: "if ((pdp != NULL) && (pdp->pd_fd == pollfd.fd) && (pdp->pd_fp !=
        // NULL))", with `revents` the entry's events.
        Ok(self
            .table
            .get(&fd)
            .filter(|entry| entry.attached)
            .map(|entry| entry.events))
    }

    fn fileno(&self) -> RawFd {
        self.handle.as_raw_fd()
    }
}

/// `{OPEN_MAX}`: the soft limit on open descriptors (`RLIMIT_NOFILE`), which both the
/// driver's write and poll(7D)'s `DP_POLL` hold their counts to.
fn open_max() -> u64 {
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

// The emulation's own tests run where they were checked: on Linux.
#[cfg(all(test, target_os = "linux"))]
mod tests;
