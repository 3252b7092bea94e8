//! `SelectBackend`: the interest list as two fd bitsets.

use std::cmp::Ordering;
use std::io;
use std::time::Duration;

use rustix::fd::{AsRawFd, BorrowedFd, RawFd};
use selectors_core::{Backend, BaseSelector, Events, Token, check_fd_range};

use crate::sys::{self, FdSetElement, FdSetIter, fd_set_bound, fd_set_insert, fd_set_remove};

/// Python's `selectors.SelectSelector`: a [`BaseSelector`] over [`SelectBackend`].
pub type SelectSelector<F, T = ()> = BaseSelector<SelectBackend, F, T>;

/// The read and write interest sets, the scratch sets each `select(2)` overwrites, and each
/// registered fd's token.
#[derive(Default)]
pub struct SelectBackend {
    readers: Vec<FdSetElement>,
    writers: Vec<FdSetElement>,
    ready_readers: Vec<FdSetElement>,
    ready_writers: Vec<FdSetElement>,
    /// Indexed by fd: the token of each registered fd.
    tokens: Vec<Option<Token>>,
    /// One more than the highest registered fd: select's `nfds`.
    nfds: RawFd,
    /// What the last `select(2)` returned (0 after a failure): the scratch sets hold its
    /// result until the next wait.
    ready_count: usize,
}

impl std::fmt::Debug for SelectBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelectBackend")
            .field("nfds", &self.nfds)
            .finish_non_exhaustive()
    }
}

impl SelectBackend {
    /// The interest list: every watched fd with its events, sorted by fd.
    pub fn interest_list(&self) -> Vec<(RawFd, Events)> {
        let elements = sys::set_elements(self.nfds).min(self.readers.len());
        let mut interest = std::collections::BTreeMap::new();
        for (set, events) in [
            (&self.readers, Events::READ),
            (&self.writers, Events::WRITE),
        ] {
            for fd in FdSetIter::new(&set[..elements]) {
                *interest.entry(fd).or_insert(Events::empty()) |= events;
            }
        }
        interest.into_iter().collect()
    }

    /// The token of a registered `fd`.
    #[inline]
    fn token(&self, fd: RawFd) -> Option<Token> {
        *self.tokens.get(usize::try_from(fd).ok()?)?
    }

    /// Grows the sets and the token table to hold `fd` (one `add` accepted: below the fd
    /// limit).
    fn reserve(&mut self, fd: RawFd) {
        let index = fd as usize;
        if index >= self.tokens.len() {
            self.tokens.resize(index + 1, None);
        }
        let elements = sys::set_elements(fd + 1);
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
    }

    #[inline]
    fn set_interest(&mut self, fd: RawFd, events: Events) {
        let (read, write) = (
            events.contains(Events::READ),
            events.contains(Events::WRITE),
        );
        if read {
            fd_set_insert(&mut self.readers, fd);
        } else {
            fd_set_remove(&mut self.readers, fd);
        }
        if write {
            fd_set_insert(&mut self.writers, fd);
        } else {
            fd_set_remove(&mut self.writers, fd);
        }
    }
}

impl Backend for SelectBackend {
    fn new() -> io::Result<Self> {
        Ok(SelectBackend::default())
    }

    fn name(&self) -> &'static str {
        "select"
    }

    fn fd_limit(&self) -> Option<RawFd> {
        sys::FD_LIMIT
    }

    #[inline]
    fn add(&mut self, fd: BorrowedFd<'_>, token: Token, events: Events) -> io::Result<()> {
        let raw = fd.as_raw_fd();
        check_fd_range(fd, raw)?;
        sys::check_fd(raw)?;
        if self.token(raw).is_some() {
            return Err(io::ErrorKind::AlreadyExists.into());
        }
        self.reserve(raw);
        self.set_interest(raw, events);
        self.tokens[raw as usize] = Some(token);
        self.nfds = self.nfds.max(raw + 1);
        Ok(())
    }

    #[inline]
    fn modify(&mut self, fd: RawFd, token: Token, _old: Events, new: Events) -> io::Result<()> {
        if self.token(fd).is_none() {
            return Err(io::ErrorKind::NotFound.into());
        }
        self.set_interest(fd, new);
        self.tokens[fd as usize] = Some(token);
        Ok(())
    }

    #[inline]
    fn delete(&mut self, fd: RawFd, _token: Token, _events: Events) -> io::Result<()> {
        if self.token(fd).is_none() {
            return Err(io::ErrorKind::NotFound.into());
        }
        self.tokens[fd as usize] = None;
        if fd < self.nfds {
            fd_set_remove(&mut self.readers, fd);
            fd_set_remove(&mut self.writers, fd);
            if fd + 1 == self.nfds {
                // Nothing at or above `nfds` is set: search only below it, so removing fds
                // from the top down costs O(gap), not O(all the sets) each time.
                let below = sys::set_elements(self.nfds);
                self.nfds =
                    fd_set_bound(&self.readers[..below]).max(fd_set_bound(&self.writers[..below]));
            }
        }
        Ok(())
    }

    #[inline]
    fn wait<R>(&mut self, timeout: Option<Duration>, ready: R) -> io::Result<()>
    where
        R: FnMut(Token, Events),
    {
        let elements = sys::set_elements(self.nfds);
        self.ready_readers[..elements].copy_from_slice(&self.readers[..elements]);
        self.ready_writers[..elements].copy_from_slice(&self.writers[..elements]);
        self.ready_count = 0;
        self.ready_count = sys::select(
            self.nfds,
            &mut self.ready_readers[..elements],
            &mut self.ready_writers[..elements],
            timeout,
        )?;
        self.replay(ready);
        Ok(())
    }

    #[inline]
    fn replay<R>(&mut self, mut ready: R)
    where
        R: FnMut(Token, Events),
    {
        if self.ready_count == 0 {
            return;
        }
        let elements = sys::set_elements(self.nfds);
        // Both sets iterate in ascending fd order: merge them so each fd is reported once.
        let mut readable = FdSetIter::new(&self.ready_readers[..elements]).peekable();
        let mut writable = FdSetIter::new(&self.ready_writers[..elements]).peekable();
        loop {
            let (fd, events) = match (readable.peek().copied(), writable.peek().copied()) {
                (None, None) => break,
                (Some(r), None) => (r, Events::READ),
                (None, Some(w)) => (w, Events::WRITE),
                (Some(r), Some(w)) => match r.cmp(&w) {
                    Ordering::Less => (r, Events::READ),
                    Ordering::Greater => (w, Events::WRITE),
                    Ordering::Equal => (r, Events::READ | Events::WRITE),
                },
            };
            if events.contains(Events::READ) {
                readable.next();
            }
            if events.contains(Events::WRITE) {
                writable.next();
            }
            if let Some(token) = self.tokens[fd as usize] {
                ready(token, events);
            }
        }
    }
}
