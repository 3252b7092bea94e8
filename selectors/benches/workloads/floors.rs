//! The floors: hand-written rustix loops doing the least work each kernel mechanism allows.
//!
//! - [`RawEpoll`]: one `epoll_ctl` per register/modify/unregister with the token in the
//!   event data, one `epoll_wait` per poll, tokens read straight from the event array.
//! - [`RawEpollOutOfLine`]: the same, with every `epoll_ctl` and `epoll_wait` behind an
//!   `#[inline(never)]` function: the cost any library pays for returning after a system call
//!   (W2's second floor).
//! - [`RawPoll`]: a persistent `pollfd` array with a parallel token array and an fd-indexed
//!   position table (swap-remove on unregister); the scan stops after the count `poll` returned.
//! - [`RawSelect`]: two fd bitsets copied into scratch sets per call, an fd-indexed token table.

use std::time::Duration;

use rustix::buffer::spare_capacity;
use rustix::event::epoll::{self, CreateFlags, EventData, EventFlags};
use rustix::event::{
    FdSetElement, FdSetIter, PollFd, PollFlags, Timespec, fd_set_insert, fd_set_num_elements,
    fd_set_remove,
};
use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

use super::{EventLoop, Imp, Interest};

/// The `Timespec` of a wait's timeout (`None` blocks).
#[inline]
pub(crate) fn timespec(timeout: Option<Duration>) -> Option<Timespec> {
    timeout.map(|t| Timespec::try_from(t).expect("benchmark timeouts fit a timespec"))
}

#[inline]
fn epoll_flags(interest: Interest) -> EventFlags {
    match interest {
        Interest::Read => EventFlags::IN,
        Interest::Write => EventFlags::OUT,
    }
}

/// A raw epoll loop; `OUT_OF_LINE` puts every `epoll_ctl` and `epoll_wait` behind a call.
pub(crate) struct Epoll<const OUT_OF_LINE: bool> {
    epoll: OwnedFd,
    events: Vec<epoll::Event>,
}

/// One `epoll_ctl` operation.
#[derive(Debug, Clone, Copy)]
enum Op {
    Add(EventFlags),
    Modify(EventFlags),
    Delete,
}

#[inline(always)]
fn ctl(epoll: &OwnedFd, op: Op, fd: BorrowedFd<'_>, token: u32) {
    let data = EventData::new_u64(token.into());
    match op {
        Op::Add(flags) => epoll::add(epoll, fd, data, flags),
        Op::Modify(flags) => epoll::modify(epoll, fd, data, flags),
        Op::Delete => epoll::delete(epoll, fd),
    }
    .expect("epoll_ctl");
}

/// `epoll_ctl` behind a call the optimiser may not inline.
#[inline(never)]
fn ctl_out_of_line(epoll: &OwnedFd, op: Op, fd: BorrowedFd<'_>, token: u32) {
    ctl(epoll, op, fd, token);
}

impl<const OUT_OF_LINE: bool> Epoll<OUT_OF_LINE> {
    #[inline(always)]
    fn ctl(&self, op: Op, fd: &OwnedFd, token: u32) {
        if OUT_OF_LINE {
            ctl_out_of_line(&self.epoll, op, fd.as_fd(), token);
        } else {
            ctl(&self.epoll, op, fd.as_fd(), token);
        }
    }
}

impl<'fd, const OUT_OF_LINE: bool> EventLoop<'fd> for Epoll<OUT_OF_LINE> {
    fn new(capacity: usize) -> Self {
        Epoll {
            epoll: epoll::create(CreateFlags::CLOEXEC).expect("epoll_create1"),
            events: Vec::with_capacity(capacity.max(1)),
        }
    }

    #[inline]
    fn register(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest) {
        self.ctl(Op::Add(epoll_flags(interest)), fd, token);
    }

    #[inline]
    fn modify(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest) {
        self.ctl(Op::Modify(epoll_flags(interest)), fd, token);
    }

    #[inline]
    fn unregister(&mut self, fd: &'fd OwnedFd) {
        self.ctl(Op::Delete, fd, 0);
    }

    #[inline]
    fn poll(&mut self, timeout: Option<Duration>, mut on_ready: impl FnMut(u32)) -> usize {
        let n = if OUT_OF_LINE {
            wait_out_of_line(&self.epoll, &mut self.events, timeout)
        } else {
            wait(&self.epoll, &mut self.events, timeout)
        };
        for event in &self.events {
            // `epoll::Event` is packed on x86_64: copy the field out.
            let data = event.data;
            on_ready(data.u64() as u32);
        }
        n
    }
}

#[inline(always)]
fn wait(epoll: &OwnedFd, events: &mut Vec<epoll::Event>, timeout: Option<Duration>) -> usize {
    events.clear();
    epoll::wait(epoll, spare_capacity(events), timespec(timeout).as_ref()).expect("epoll_wait")
}

/// `epoll_wait` behind a call the optimiser may not inline.
#[inline(never)]
fn wait_out_of_line(
    epoll: &OwnedFd,
    events: &mut Vec<epoll::Event>,
    timeout: Option<Duration>,
) -> usize {
    wait(epoll, events, timeout)
}

/// The raw epoll floor.
pub(crate) type RawEpoll = Epoll<false>;
/// The raw epoll floor with out-of-line system calls.
pub(crate) type RawEpollOutOfLine = Epoll<true>;

/// A raw poll loop over a persistent `pollfd` array.
#[derive(Debug, Default)]
pub(crate) struct RawPoll<'fd> {
    pollfds: Vec<PollFd<'fd>>,
    tokens: Vec<u32>,
    /// `position + 1` of each fd's entry, indexed by fd; 0 when absent.
    position: Vec<u32>,
}

#[inline]
fn poll_flags(interest: Interest) -> PollFlags {
    match interest {
        Interest::Read => PollFlags::IN,
        Interest::Write => PollFlags::OUT,
    }
}

impl<'fd> EventLoop<'fd> for RawPoll<'fd> {
    fn new(capacity: usize) -> Self {
        RawPoll {
            pollfds: Vec::with_capacity(capacity),
            tokens: Vec::with_capacity(capacity),
            position: Vec::new(),
        }
    }

    #[inline]
    fn register(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest) {
        let raw = fd.as_raw_fd() as usize;
        if raw >= self.position.len() {
            self.position.resize(raw + 1, 0);
        }
        self.pollfds.push(PollFd::new(fd, poll_flags(interest)));
        self.tokens.push(token);
        self.position[raw] = self.pollfds.len() as u32;
    }

    #[inline]
    fn modify(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest) {
        let at = self.position[fd.as_raw_fd() as usize] as usize - 1;
        self.pollfds[at] = PollFd::new(fd, poll_flags(interest));
        self.tokens[at] = token;
    }

    #[inline]
    fn unregister(&mut self, fd: &'fd OwnedFd) {
        let raw = fd.as_raw_fd() as usize;
        let at = self.position[raw] as usize - 1;
        self.position[raw] = 0;
        self.pollfds.swap_remove(at);
        self.tokens.swap_remove(at);
        if let Some(moved) = self.pollfds.get(at) {
            self.position[moved.as_fd().as_raw_fd() as usize] = at as u32 + 1;
        }
    }

    #[inline]
    fn poll(&mut self, timeout: Option<Duration>, mut on_ready: impl FnMut(u32)) -> usize {
        let n = rustix::event::poll(&mut self.pollfds, timespec(timeout).as_ref()).expect("poll");
        let mut left = n;
        for (pollfd, &token) in self.pollfds.iter().zip(&self.tokens) {
            if left == 0 {
                break;
            }
            if !pollfd.revents().is_empty() {
                left -= 1;
                on_ready(token);
            }
        }
        n
    }
}

/// A raw select loop over unlimited rustix fd sets.
#[derive(Default)]
pub(crate) struct RawSelect {
    readers: Vec<FdSetElement>,
    writers: Vec<FdSetElement>,
    ready_readers: Vec<FdSetElement>,
    ready_writers: Vec<FdSetElement>,
    tokens: Vec<u32>,
    nfds: RawFd,
}

impl RawSelect {
    fn set(&mut self, fd: RawFd, interest: Interest) {
        let (add, remove) = match interest {
            Interest::Read => (&mut self.readers, &mut self.writers),
            Interest::Write => (&mut self.writers, &mut self.readers),
        };
        fd_set_insert(add, fd);
        fd_set_remove(remove, fd);
    }
}

impl<'fd> EventLoop<'fd> for RawSelect {
    fn new(_capacity: usize) -> Self {
        RawSelect::default()
    }

    #[inline]
    fn register(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest) {
        let raw = fd.as_raw_fd();
        if self.tokens.len() <= raw as usize {
            self.tokens.resize(raw as usize + 1, 0);
        }
        let elements = fd_set_num_elements(raw as usize + 1, raw + 1);
        if self.readers.len() < elements {
            for set in [
                &mut self.readers,
                &mut self.writers,
                &mut self.ready_readers,
                &mut self.ready_writers,
            ] {
                set.resize(elements, FdSetElement::default());
            }
        }
        self.set(raw, interest);
        self.tokens[raw as usize] = token;
        self.nfds = self.nfds.max(raw + 1);
    }

    #[inline]
    fn modify(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest) {
        let raw = fd.as_raw_fd();
        self.set(raw, interest);
        self.tokens[raw as usize] = token;
    }

    #[inline]
    fn unregister(&mut self, fd: &'fd OwnedFd) {
        let raw = fd.as_raw_fd();
        fd_set_remove(&mut self.readers, raw);
        fd_set_remove(&mut self.writers, raw);
        // `nfds` stays: a stale high bound costs the kernel a few empty words, never a
        // wrong answer, and the workloads unregister everything before waiting again.
    }

    #[inline]
    fn poll(&mut self, timeout: Option<Duration>, mut on_ready: impl FnMut(u32)) -> usize {
        let elements = fd_set_num_elements(self.nfds as usize, self.nfds);
        self.ready_readers[..elements].copy_from_slice(&self.readers[..elements]);
        self.ready_writers[..elements].copy_from_slice(&self.writers[..elements]);
        // SAFETY: the sets hold only fds of live registrations: the workload owns the fds
        // (borrowed for `'fd`) and unregisters them before they close.
        let n = unsafe {
            rustix::event::select(
                self.nfds,
                Some(&mut self.ready_readers[..elements]),
                Some(&mut self.ready_writers[..elements]),
                None,
                timespec(timeout).as_ref(),
            )
        }
        .expect("select");
        if n > 0 {
            // An fd is registered for one direction, so it sits in at most one set.
            for fd in FdSetIter::new(&self.ready_readers[..elements])
                .chain(FdSetIter::new(&self.ready_writers[..elements]))
            {
                on_ready(self.tokens[fd as usize]);
            }
        }
        n as usize
    }
}

/// Declares an [`Imp`] family for a loop type.
macro_rules! family {
    ($(#[$doc:meta])* $family:ident, $name:literal, $floor:literal, $loop:ty) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub(crate) enum $family {}

        impl Imp for $family {
            const NAME: &'static str = $name;
            const FLOOR: &'static str = $floor;
            type Loop<'fd> = $loop;
        }
    };
}
pub(crate) use family;

family!(
    /// Hand-written `epoll_ctl`/`epoll_wait`.
    RawEpollImp, "raw epoll", "raw epoll", RawEpoll
);
family!(
    /// Hand-written epoll with every system call out of line.
    RawEpollOutOfLineImp, "raw epoll (out-of-line)", "raw epoll", RawEpollOutOfLine
);
family!(
    /// Hand-written `poll`.
    RawPollImp, "raw poll", "raw poll", RawPoll<'fd>
);
family!(
    /// Hand-written `select`.
    RawSelectImp, "raw select", "raw select", RawSelect
);
