//! `PollBackend`: the interest list as a persistent `pollfd` array.

use std::io;
use std::time::Duration;

use rustix::event::{PollFd, PollFlags};
use rustix::fd::{AsRawFd, BorrowedFd, RawFd};
use selectors_core::{Backend, BaseSelector, Events, Token, check_fd_range};

use crate::sys;

/// Python's `selectors.PollSelector`: a [`BaseSelector`] over [`PollBackend`].
pub type PollSelector<F, T = ()> = BaseSelector<PollBackend, F, T>;

/// Marks an fd with no entry in the table; positions are stored as `index + 1`.
#[cfg(unix)]
const ABSENT: u32 = 0;

/// Each fd's position in the array. On Unix a table indexed by fd (fds are small, dense
/// numbers); on Windows a hash map, since a `SOCKET` is a handle whose value may be anything,
/// so no table is sized by it.
#[cfg(unix)]
type Positions = Vec<u32>;
/// Each fd's position in the array. On Unix a table indexed by fd (fds are small, dense
/// numbers); on Windows a hash map, since a `SOCKET` is a handle whose value may be anything,
/// so no table is sized by it.
#[cfg(windows)]
type Positions = std::collections::HashMap<RawFd, u32>;

/// The `pollfd` array passed to every `poll(2)`, each entry's token and events, and each
/// fd's position in the array.
///
/// The array holds fd numbers, as `poll(2)` takes them: the entry made at `add` from a
/// `BorrowedFd` keeps only the number, which `poll` reports as `POLLNVAL` once it is closed.
#[derive(Debug, Default)]
pub struct PollBackend {
    pollfds: Vec<PollFd<'static>>,
    /// The token and events of each entry of `pollfds`, at the same position (rustix's
    /// `PollFd` does not give its `events` back).
    entries: Vec<(Token, Events)>,
    position_by_fd: Positions,
    /// What the last `poll(2)` returned (0 after a failure): the entries' `revents` hold its
    /// result until the next wait.
    ready_count: usize,
}

/// The `pollfd.events` for a (valid) event mask.
#[inline]
fn interest(events: Events) -> PollFlags {
    let mut flags = PollFlags::empty();
    if events.contains(Events::READ) {
        flags |= PollFlags::IN;
    }
    if events.contains(Events::WRITE) {
        flags |= PollFlags::OUT;
    }
    flags
}

impl PollBackend {
    /// The interest list: every watched fd with its events, sorted by fd.
    pub fn interest_list(&self) -> Vec<(RawFd, Events)> {
        let mut list: Vec<_> = self
            .pollfds
            .iter()
            .map(sys::raw_fd)
            .zip(self.entries.iter().map(|&(_, events)| events))
            .collect();
        list.sort_unstable();
        list
    }

    #[cfg(unix)]
    #[inline]
    fn position(&self, fd: RawFd) -> Option<usize> {
        match *self.position_by_fd.get(usize::try_from(fd).ok()?)? {
            ABSENT => None,
            stored => Some(stored as usize - 1),
        }
    }

    /// Records `fd`'s position; `fd` is one `add` accepted, so below the fd limit.
    #[cfg(unix)]
    #[inline]
    fn set_position(&mut self, fd: RawFd, position: Option<usize>) {
        let index = fd as usize;
        if index >= self.position_by_fd.len() {
            self.position_by_fd.resize(index + 1, ABSENT);
        }
        self.position_by_fd[index] = position.map_or(ABSENT, |p| (p + 1) as u32);
    }

    #[cfg(windows)]
    #[inline]
    fn position(&self, fd: RawFd) -> Option<usize> {
        self.position_by_fd.get(&fd).map(|&p| p as usize)
    }

    #[cfg(windows)]
    #[inline]
    fn set_position(&mut self, fd: RawFd, position: Option<usize>) {
        match position {
            Some(p) => self.position_by_fd.insert(fd, p as u32),
            None => self.position_by_fd.remove(&fd),
        };
    }

    #[inline]
    fn watched(&self, fd: RawFd) -> io::Result<usize> {
        self.position(fd)
            .ok_or_else(|| io::ErrorKind::NotFound.into())
    }
}

/// Python's rule on `revents` ([`Events::from_kernel`]).
#[inline]
fn events_of(revents: PollFlags) -> Events {
    Events::from_kernel(
        sys::bits(revents),
        sys::bits(PollFlags::IN),
        sys::bits(PollFlags::OUT),
    )
}

impl Backend for PollBackend {
    fn new() -> io::Result<Self> {
        sys::startup()?;
        Ok(PollBackend::default())
    }

    fn name(&self) -> &'static str {
        "poll"
    }

    #[inline]
    fn add(&mut self, fd: BorrowedFd<'_>, token: Token, events: Events) -> io::Result<()> {
        let raw = fd.as_raw_fd();
        check_fd_range(fd, raw)?;
        if self.position(raw).is_some() {
            return Err(io::ErrorKind::AlreadyExists.into());
        }
        self.pollfds.push(sys::pollfd(fd, interest(events)));
        self.entries.push((token, events));
        self.set_position(raw, Some(self.pollfds.len() - 1));
        Ok(())
    }

    #[inline]
    fn modify(&mut self, fd: RawFd, token: Token, _old: Events, new: Events) -> io::Result<()> {
        let position = self.watched(fd)?;
        sys::set_interest(&mut self.pollfds[position], interest(new));
        self.entries[position] = (token, new);
        Ok(())
    }

    #[inline]
    fn delete(&mut self, fd: RawFd, _token: Token, _events: Events) -> io::Result<()> {
        let position = self.watched(fd)?;
        self.pollfds.swap_remove(position);
        self.entries.swap_remove(position);
        self.set_position(fd, None);
        if let Some(moved) = self.pollfds.get(position) {
            let moved = sys::raw_fd(moved);
            self.set_position(moved, Some(position));
        }
        Ok(())
    }

    #[inline]
    fn wait<R>(&mut self, timeout: Option<Duration>, ready: R) -> io::Result<()>
    where
        R: FnMut(Token, Events),
    {
        self.ready_count = 0;
        self.ready_count = sys::poll(&mut self.pollfds, timeout)?;
        self.replay(ready);
        Ok(())
    }

    #[inline]
    fn replay<R>(&mut self, mut ready: R)
    where
        R: FnMut(Token, Events),
    {
        let mut remaining = self.ready_count;
        for (pollfd, &(token, _)) in self.pollfds.iter().zip(&self.entries) {
            if remaining == 0 {
                break;
            }
            let revents = pollfd.revents();
            if revents.is_empty() {
                continue;
            }
            remaining -= 1;
            ready(token, events_of(revents));
        }
    }
}

/// The selector is `Send` (and the backend `Sync`) whenever its file objects and data are:
/// checked at compile time. The `pollfd` entries hold only fd numbers.
const _: () = {
    const fn assert_send_sync<S: Send + Sync>() {}
    const fn assert_send<S: Send>() {}
    assert_send_sync::<PollBackend>();
    assert_send::<PollSelector<rustix::fd::OwnedFd, ()>>();
};
