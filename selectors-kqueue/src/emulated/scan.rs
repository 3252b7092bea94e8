//! The emulated kqueue's wait (FreeBSD's `kqueue_scan`, XNU's `kqueue_scan` and
//! `knote_process`): which events are ready, read from poll(2) for sockets, pipes and the
//! like, and from the file's size and offset for regular files, as the kernels' vnode filters
//! do.

use std::io;
use std::time::{Duration, Instant};

use rustix::event::{PollFlags, Timespec};
use rustix::fd::RawFd;
use rustix::io::Errno;

use super::flavour;
use super::{EmulatedKqueue, Flavour};
use crate::kevent::{EV_EOF, EV_ONESHOT, EVFILT_READ, Kevent};
use crate::sys::raw::{self, RawPollFd};

/// The longest single poll(2): `poll` takes an `int` of milliseconds on some systems. A longer
/// timeout is waited in several polls, so the emulated `kevent` never returns early.
const MAX_POLL: Duration = Duration::from_millis(i32::MAX as u64);

/// How often a wait looks again at regular files whose read event is not queued: the kernel
/// hears of a write from the file system, the emulation only by looking.
const FILE_RECHECK: Duration = Duration::from_millis(10);

/// Where an event's readiness comes from, fixed when it is added.
#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    /// poll(2): sockets, pipes, terminals and the like.
    Polled,
    /// `EVFILT_READ` on a regular file.
    FileRead(VnodeRead),
    /// `EVFILT_WRITE` on a regular file: always ready. FreeBSD's `filt_vfswrite` "return
    /// (1)"; XNU's `vnode_writable_space_count`: "For regular vnodes, we can always write".
    FileWrite,
}

impl Source {
    /// The source of a new `filter` event on `fd`.
    pub(super) fn attach(fd: RawFd, filter: i16) -> Source {
        match raw::regular_file(fd) {
            Ok(Some(file)) if filter == EVFILT_READ => Source::FileRead(VnodeRead {
                queued: file.size != file.offset,
                stamp: file.stamp,
            }),
            Ok(Some(_)) => Source::FileWrite,
            _ => Source::Polled,
        }
    }

    /// A change to the event has the filter look again.
    pub(super) fn touch(&mut self, fd: RawFd) {
        if let (Source::FileRead(vnode), Ok(Some(file))) = (self, raw::regular_file(fd)) {
            vnode.queued = file.size != file.offset;
            vnode.stamp = file.stamp;
        }
    }
}

/// `EVFILT_READ` on a regular file. The vnode filter reports the bytes between the offset and
/// the end: FreeBSD's `filt_vfsread` "`kn->kn_data = va.va_size - kn->kn_fp->f_offset; res =
/// (kn->kn_data != 0);`", XNU's `vnode_readable_data_count` "`amount =
/// vp->v_un.vu_ubcinfo->ui_size - current_offset`". The kernel asks the filter when the
/// event is added or changed, when the file is written (FreeBSD's `ffs_write`: "`if (resid >
/// uio->uio_resid) VN_KNOTE_UNLOCKED(vp, NOTE_WRITE | ...)`"; XNU's `VNOP_WRITE`:
/// "`post_event_if_success(vp, _err, NOTE_WRITE)`"), and at each wait while the
/// event is queued; a wait that finds nothing to read dequeues it. Moving the offset
/// (`lseek`) tells the filter nothing, so a file read to its end stays unready until it is
/// written again.
#[derive(Debug, Clone, Copy)]
pub(super) struct VnodeRead {
    /// Whether the kernel has the event queued: the filter found data when last asked.
    queued: bool,
    /// The file's size and modification time when the filter was last asked.
    stamp: (i64, i64, i64),
}

impl VnodeRead {
    /// Asks the filter at a wait: `Some(data)` when the event is reported, `None` when not,
    /// `Err` when the descriptor is closed.
    fn check(&mut self, fd: RawFd) -> io::Result<Option<i64>> {
        let Some(file) = raw::regular_file(fd)? else {
            // The number now names another kind of file: nothing the filter can say.
            return Ok(None);
        };
        if file.stamp != self.stamp {
            // Written since the filter last looked: the file system told it.
            self.stamp = file.stamp;
            self.queued = true;
        }
        let data = file.size - file.offset;
        self.queued &= data != 0;
        Ok(self.queued.then_some(data))
    }
}

/// What one enabled event comes to before the poll.
enum Probe {
    /// Its entry in the poll(2) array.
    Polled(usize),
    /// A regular file, already decided.
    File(Option<Kevent>),
    /// Its descriptor is closed.
    Closed,
}

impl<F: Flavour> EmulatedKqueue<F> {
    /// Waits for events and fills `events` (`kqueue_scan`).
    pub(super) fn scan(
        &mut self,
        events: &mut [Kevent],
        timeout: Option<&Timespec>,
    ) -> io::Result<usize> {
        // No room: return at once, before the timeout is even looked at (bpo-29255).
        if events.is_empty() {
            return Ok(0);
        }
        let timeout = match timeout {
            None => None,
            Some(ts) if !flavour::scan_timeout_is_valid(Self::KERNEL, ts) => {
                // "EINVAL: The specified time limit or filter is invalid."
                return Err(Errno::INVAL.into());
            }
            Some(ts) => Some(
                Duration::from_secs(ts.tv_sec as u64) + Duration::from_nanos(ts.tv_nsec as u64),
            ),
        };
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut remaining = timeout;
        loop {
            let count = self.poll_once(events, remaining)?;
            if count > 0 {
                return Ok(count);
            }
            // Nothing reported: the timeout ran out (perhaps a clamped one, or a look at the
            // regular files), or a closed descriptor woke poll(2) and lost its events; wait
            // on for the rest of the time.
            if let Some(deadline) = deadline {
                let now = Instant::now();
                if now >= deadline {
                    return Ok(0);
                }
                remaining = Some(deadline - now);
            }
        }
    }

    /// Decides what each enabled event comes to, in scan order, filling `pollfds` with the
    /// descriptors to poll. Returns whether a regular file is ready, and whether one waits to
    /// be written.
    fn probe(
        &mut self,
        probes: &mut Vec<((i16, usize), Probe)>,
        pollfds: &mut Vec<RawPollFd>,
    ) -> (bool, bool) {
        let (mut ready, mut waiting) = (false, false);
        // FreeBSD's `kqueue_scan` puts a level-triggered event it reported back at the tail of
        // the queue, so events that did not fit come first next time: the scan resumes after
        // the last event reported when the buffer was full, and none starves.
        let resume = self.resume;
        let (tail, head): (Vec<_>, Vec<_>) = self
            .knotes
            .iter_mut()
            .filter(|(_, knote)| knote.enabled)
            .partition(|(key, _)| **key < resume);
        for (&key, knote) in head.into_iter().chain(tail) {
            let (filter, ident) = key;
            let fd = ident as RawFd;
            let probe = match &mut knote.source {
                Source::FileRead(vnode) => match vnode.check(fd) {
                    Ok(data) => {
                        waiting |= data.is_none();
                        Probe::File(data.map(|data| Kevent {
                            data,
                            ..Kevent::new(fd, filter, 0)
                        }))
                    }
                    Err(_) => Probe::Closed,
                },
                Source::FileWrite => match raw::check_open(fd) {
                    Ok(()) => Probe::File(Some(Kevent {
                        data: flavour::regular_file_write_data(Self::KERNEL),
                        ..Kevent::new(fd, filter, 0)
                    })),
                    Err(_) => Probe::Closed,
                },
                Source::Polled => {
                    let events = if filter == EVFILT_READ {
                        read_interest()
                    } else {
                        PollFlags::OUT
                    };
                    pollfds.push(RawPollFd {
                        fd,
                        events,
                        revents: PollFlags::empty(),
                    });
                    Probe::Polled(pollfds.len() - 1)
                }
            };
            ready |= matches!(probe, Probe::File(Some(_)));
            probes.push((key, probe));
        }
        (ready, waiting)
    }

    /// One poll(2) over the enabled events; returns how many were written to `events`. The
    /// events of descriptors found closed are dropped.
    fn poll_once(&mut self, events: &mut [Kevent], timeout: Option<Duration>) -> io::Result<usize> {
        let mut probes = Vec::new();
        let mut pollfds = Vec::new();
        let (files_ready, files_waiting) = self.probe(&mut probes, &mut pollfds);
        let wait = if files_ready {
            Some(Duration::ZERO)
        } else if files_waiting {
            Some(timeout.map_or(FILE_RECHECK, |t| t.min(FILE_RECHECK)))
        } else {
            timeout.map(|t| t.min(MAX_POLL))
        };
        let timespec = wait.map(|t| Timespec {
            tv_sec: t.as_secs() as _,
            tv_nsec: t.subsec_nanos() as _,
        });
        // A trigger from another thread makes this readable, and the poll return.
        pollfds.extend(self.user.as_ref().and_then(|user| user.pollfd()));
        raw::poll(&mut pollfds, timespec.as_ref())?;
        let mut count = 0;
        if let Some(event) = self.user.as_ref().and_then(|user| user.take()) {
            events[count] = event;
            count += 1;
        }
        let mut last = None;
        for ((filter, ident), probe) in probes {
            let event = match probe {
                Probe::Closed => {
                    self.drop_descriptor(ident);
                    continue;
                }
                Probe::File(event) => event,
                Probe::Polled(index) => {
                    let revents = pollfds[index].revents;
                    if revents.contains(PollFlags::NVAL) {
                        self.drop_descriptor(ident);
                        continue;
                    }
                    ready_event(filter, ident, revents)
                }
            };
            if count == events.len() {
                // Level-triggered: what did not fit is reported by the next call.
                continue;
            }
            let (Some(event), Some(knote)) = (event, self.knotes.get(&(filter, ident)).copied())
            else {
                continue;
            };
            // Returned with the flags it was added with (the flavour's) and the filter's.
            events[count] = Kevent {
                flags: knote.flags | event.flags,
                udata: knote.udata,
                ..event
            };
            count += 1;
            last = Some((filter, ident));
            if knote.flags & EV_ONESHOT != 0 {
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

/// The event a filter reports for poll's `revents`, if it triggers; its flags are `EV_EOF`
/// or nothing.
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
