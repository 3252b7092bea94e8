//! `EmulatedKqueue`: the documented semantics of kqueue(2), for the read and write filters,
//! emulated in user space over poll(2). Not the real kernel.
//!
//! Written from FreeBSD kqueue(2) <https://man.freebsd.org/cgi/man.cgi?query=kqueue&sektion=2>
//! and macOS kevent(2); quotations below are from the FreeBSD page unless marked.

use std::collections::BTreeMap;
use std::io;
use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use rustix::event::{PollFlags, Timespec};
use rustix::fd::{AsRawFd, OwnedFd, RawFd};
use rustix::io::Errno;
use selectors_core::Events;

use crate::kevent::{
    EV_ADD, EV_CLEAR, EV_DELETE, EV_DISABLE, EV_ENABLE, EV_EOF, EV_ERROR, EV_ONESHOT, EV_RECEIPT,
    EVFILT_READ, EVFILT_WRITE, Kevent, KqueueSys,
};
use crate::sys::raw::{self, RawPollFd};

/// The flags this emulation understands on input; any other action (`EV_DISPATCH`, ...) is
/// refused with `EINVAL` rather than ignored.
const KNOWN_FLAGS: u16 = EV_ADD | EV_DELETE | EV_ENABLE | EV_DISABLE | EV_ONESHOT | EV_RECEIPT;

/// The longest single poll(2): `poll` takes an `int` of milliseconds on some systems. A longer
/// timeout is waited in several polls, so the emulated `kevent` never returns early.
const MAX_POLL: Duration = Duration::from_millis(i32::MAX as u64);

/// One registered event ("knote"): a (descriptor, filter) pair.
#[derive(Debug, Clone, Copy)]
struct Knote {
    enabled: bool,
    oneshot: bool,
    udata: usize,
}

/// An emulation of the kqueue kernel object, for running [`KqueueBackend`] where there is no
/// kqueue (the tests on Linux). **It is not the real kernel.**
///
/// What it implements, from the man pages:
/// - the changelist, in order: `EV_ADD` (adds, or modifies an existing event: "Re-adding an
///   existing event will modify the parameters of the original event, and not result in a
///   duplicate entry"), `EV_DELETE` (`ENOENT` for an unknown event), `EV_ENABLE` /
///   `EV_DISABLE`, `EV_ONESHOT`, `EV_RECEIPT` ("forces EV_ERROR to always be returned. When
///   a filter is successfully added the data field will be zero");
/// - errors: "If an error occurs while processing an element of the changelist and there is
///   enough room in the eventlist, then the event will be placed in the eventlist with
///   EV_ERROR set in flags and the system error in data. Otherwise, -1 will be returned";
///   `EBADF` for a descriptor that is not open, `EINVAL` for another filter;
/// - a call that returned change results (receipts or errors) returns at once without
///   draining events (FreeBSD's `kern_kevent`); with no room for events (`nevents` 0) it
///   returns at once, ignoring the timeout (the cause of bpo-29255);
/// - level-triggered filters, re-reported while the condition holds: `EVFILT_READ` when
///   poll(2) reports `POLLIN` (`data` = the bytes readable, from `FIONREAD`), `EVFILT_WRITE`
///   when it reports `POLLOUT` (`data` 1: poll does not say how much room there is), each
///   with `EV_EOF` on hang-up: `POLLRDHUP` (the peer stopped sending) for reading only,
///   `POLLHUP` (the peer is gone) for both, and `POLLERR` for writing (a pipe's reader
///   gone);
/// - "Calling close() on a file descriptor will remove any kevents that reference the
///   descriptor": a descriptor that poll(2) reports as `POLLNVAL` (closed) loses its events,
///   and so does one a change names while it is closed.
///
/// Where it differs: only `EVFILT_READ` and `EVFILT_WRITE` exist; a half-close is told from
/// a hang-up only where poll(2) has `POLLRDHUP` (Linux, FreeBSD): macOS's poll reports a
/// half-close as `POLLHUP`, so there the emulation sets `EV_EOF` on both filters; `EV_CLEAR` (edge-triggered)
/// is refused with `EINVAL`, as poll(2) cannot see edges; `fflags` is always 0 (the real
/// kernel puts the socket error there with `EV_EOF`); a descriptor closed and reused (same
/// number) before the next wait keeps its events, where the kernel drops them at close;
/// events are reported grouped by filter and then by descriptor (`EVFILT_WRITE` first), an
/// order the kernel does not promise either, and one that keeps the two events of a
/// descriptor apart (when the buffer was full, the next wait resumes after the last event
/// reported, as the kernel requeues reported events at the tail: none starves); each wait polls every event, O(registered), where the kernel's cost is
/// O(ready). The queue's own descriptor (`fileno`) is an unbound Unix datagram socket,
/// close-on-exec: open, but not a kqueue.
///
/// [`KqueueBackend`]: crate::KqueueBackend
#[derive(Debug)]
pub struct EmulatedKqueue {
    fd: OwnedFd,
    knotes: BTreeMap<(i16, usize), Knote>,
    /// Where the next scan starts: after the last event reported when the buffer was full.
    resume: (i16, usize),
}

impl EmulatedKqueue {
    /// Whether the queue holds an event for (`fd`, `filter`), enabled or not.
    #[must_use]
    pub fn contains(&self, fd: RawFd, filter: i16) -> bool {
        self.knotes.contains_key(&(filter, fd as usize))
    }

    /// How many events the queue holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.knotes.len()
    }

    /// Whether the queue holds no events.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.knotes.is_empty()
    }

    /// Every event the queue holds, as `(descriptor, filter)`, enabled or not. Read-only, so
    /// tests can check the queue against the selector's map.
    pub fn registered(&self) -> impl Iterator<Item = (RawFd, i16)> + '_ {
        self.knotes
            .keys()
            .map(|&(filter, ident)| (ident as RawFd, filter))
    }

    /// The queue's events folded per descriptor, as `(fd, events)` sorted by fd:
    /// `EVFILT_READ` is READ, `EVFILT_WRITE` WRITE.
    pub fn interest_list(&self) -> Vec<(RawFd, Events)> {
        let mut list: BTreeMap<RawFd, Events> = BTreeMap::new();
        for (fd, filter) in self.registered() {
            let events = if filter == EVFILT_READ {
                Events::READ
            } else {
                Events::WRITE
            };
            *list.entry(fd).or_default() |= events;
        }
        list.into_iter().collect()
    }

    /// Drops every event of descriptor `ident`, as `close(2)` does in the kernel.
    fn drop_descriptor(&mut self, ident: usize) {
        self.knotes.remove(&(EVFILT_READ, ident));
        self.knotes.remove(&(EVFILT_WRITE, ident));
    }

    /// Applies one change (FreeBSD's `kqueue_register`).
    fn change(&mut self, change: &Kevent) -> io::Result<()> {
        if change.filter != EVFILT_READ && change.filter != EVFILT_WRITE {
            return Err(Errno::INVAL.into());
        }
        if change.flags & EV_CLEAR != 0 || change.flags & !KNOWN_FLAGS != 0 {
            return Err(Errno::INVAL.into());
        }
        let fd = RawFd::try_from(change.ident).map_err(|_| Errno::BADF)?;
        if let Err(err) = raw::check_open(fd) {
            // Closed: whatever was registered for it went with the close.
            self.drop_descriptor(change.ident);
            return Err(err);
        }
        let key = (change.filter, change.ident);
        let exists = self.knotes.contains_key(&key);
        if !exists && change.flags & EV_ADD == 0 {
            // "ENOENT: The event could not be found to be modified or deleted."
            return Err(Errno::NOENT.into());
        }
        if change.flags & EV_DELETE != 0 {
            self.knotes.remove(&key);
            return Ok(());
        }
        let knote = self.knotes.entry(key).or_insert(Knote {
            // "Adding an event automatically enables it, unless overridden by EV_DISABLE".
            enabled: true,
            oneshot: false,
            udata: 0,
        });
        if change.flags & EV_ADD != 0 {
            knote.oneshot = change.flags & EV_ONESHOT != 0;
            knote.udata = change.udata;
        }
        if change.flags & EV_DISABLE != 0 {
            knote.enabled = false;
        } else if change.flags & EV_ENABLE != 0 {
            knote.enabled = true;
        }
        Ok(())
    }

    /// Waits for events and fills `events` (FreeBSD's `kqueue_scan`).
    fn scan(&mut self, events: &mut [Kevent], timeout: Option<&Timespec>) -> io::Result<usize> {
        // No room: return at once, before the timeout is even looked at (bpo-29255).
        if events.is_empty() {
            return Ok(0);
        }
        let timeout = match timeout {
            None => None,
            Some(ts) if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) => {
                // "EINVAL: The specified time limit or filter is invalid."
                return Err(Errno::INVAL.into());
            }
            Some(ts) => Some(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)),
        };
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut remaining = timeout;
        loop {
            let count = self.poll_once(events, remaining)?;
            if count > 0 {
                return Ok(count);
            }
            // Nothing reported: the timeout ran out (perhaps a clamped one), or a closed
            // descriptor woke poll(2) and lost its events; wait on for the rest of the time.
            if let Some(deadline) = deadline {
                let now = Instant::now();
                if now >= deadline {
                    return Ok(0);
                }
                remaining = Some(deadline - now);
            }
        }
    }

    /// One poll(2) over the enabled events; returns how many were written to `events`. The
    /// events of descriptors found closed are dropped.
    fn poll_once(&mut self, events: &mut [Kevent], timeout: Option<Duration>) -> io::Result<usize> {
        let mut keys = Vec::new();
        let mut pollfds = Vec::new();
        // FreeBSD's `kqueue_scan` puts a level-triggered event it reported back at the tail of
        // the queue, so events that did not fit come first next time: the scan resumes after
        // the last event reported when the buffer was full, and none starves.
        let after = self.knotes.range(self.resume..);
        let before = self.knotes.range(..self.resume);
        for (&(filter, ident), knote) in after.chain(before) {
            if knote.enabled {
                let interest = if filter == EVFILT_READ {
                    read_interest()
                } else {
                    PollFlags::OUT
                };
                keys.push((filter, ident));
                pollfds.push(RawPollFd {
                    fd: ident as RawFd,
                    events: interest,
                    revents: PollFlags::empty(),
                });
            }
        }
        let clamped = timeout.map(|t| t.min(MAX_POLL));
        let timespec = clamped.map(|t| Timespec {
            tv_sec: t.as_secs() as _,
            tv_nsec: t.subsec_nanos() as _,
        });
        raw::poll(&mut pollfds, timespec.as_ref())?;
        let mut count = 0;
        let mut last = None;
        for (&(filter, ident), pollfd) in keys.iter().zip(&pollfds) {
            let revents = pollfd.revents;
            if revents.contains(PollFlags::NVAL) {
                self.drop_descriptor(ident);
                continue;
            }
            if count == events.len() {
                // Level-triggered: what did not fit is reported by the next call.
                continue;
            }
            let Some(event) = ready_event(filter, ident, revents) else {
                continue;
            };
            let knote = self.knotes[&(filter, ident)];
            events[count] = Kevent {
                udata: knote.udata,
                ..event
            };
            count += 1;
            last = Some((filter, ident));
            if knote.oneshot {
                self.knotes.remove(&(filter, ident));
            }
        }
        if let Some((filter, ident)) = last.filter(|_| count == events.len()) {
            self.resume = (filter, ident.saturating_add(1));
        }
        Ok(count)
    }
}

/// What `EVFILT_READ` asks poll(2) for: input, and the peer's shutdown where poll can say so.
fn read_interest() -> PollFlags {
    PollFlags::IN | read_hang_up()
}

/// The event a filter reports for poll's `revents`, if it triggers.
fn ready_event(filter: i16, ident: usize, revents: PollFlags) -> Option<Kevent> {
    // `POLLHUP`: the peer is gone, so both directions are at end of file.
    let hung_up = revents.contains(PollFlags::HUP);
    let (triggered, eof) = if filter == EVFILT_READ {
        // `POLLRDHUP`: the peer stopped sending (it may still read). A socket with a pending
        // error is readable too: the read returns the error.
        let eof = hung_up || revents.intersects(read_hang_up());
        (
            revents.intersects(PollFlags::IN | PollFlags::ERR) || eof,
            eof,
        )
    } else {
        // `POLLERR` on a pipe's write end: the reader is gone, which kqueue reports as EOF.
        let eof = hung_up || revents.contains(PollFlags::ERR);
        (revents.contains(PollFlags::OUT) || eof, eof)
    };
    if !triggered {
        return None;
    }
    let data = if filter == EVFILT_READ {
        match raw::bytes_readable(ident as RawFd) {
            Ok(bytes) => i64::try_from(bytes).unwrap_or(i64::MAX),
            Err(_) => i64::from(!eof),
        }
    } else {
        i64::from(!eof)
    };
    Some(Kevent {
        ident,
        filter,
        flags: if eof { EV_EOF } else { 0 },
        fflags: 0,
        data,
        udata: 0,
    })
}

/// `POLLRDHUP` where poll(2) has it (the peer shut down its sending side).
fn read_hang_up() -> PollFlags {
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    return PollFlags::RDHUP;
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    return PollFlags::empty();
}

impl KqueueSys for EmulatedKqueue {
    fn kqueue() -> io::Result<Self> {
        // The standard library creates sockets close-on-exec.
        let socket = UnixDatagram::unbound()?;
        Ok(EmulatedKqueue {
            fd: OwnedFd::from(socket),
            knotes: BTreeMap::new(),
            resume: (i16::MIN, 0),
        })
    }

    fn kevent(
        &mut self,
        changes: &[Kevent],
        events: &mut [Kevent],
        timeout: Option<&Timespec>,
    ) -> io::Result<usize> {
        let mut reported = 0;
        for change in changes {
            let result = self.change(change);
            if result.is_ok() && change.flags & EV_RECEIPT == 0 {
                continue;
            }
            if reported == events.len() {
                // No room: the error fails the call, and the remaining changes are not
                // applied; a receipt of success ends the change processing (FreeBSD's
                // `kqueue_kevent`, where `nevents` runs out).
                return result.map(|()| reported);
            }
            let errno = result.err().and_then(|e| e.raw_os_error()).unwrap_or(0);
            events[reported] = Kevent {
                flags: EV_ERROR,
                data: i64::from(errno),
                ..*change
            };
            reported += 1;
        }
        if reported > 0 {
            return Ok(reported);
        }
        self.scan(events, timeout)
    }

    fn fileno(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
