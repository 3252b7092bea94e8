//! `SelectBackend` on Windows: Winsock's `select`, with CPython's Windows rules.

use std::collections::HashMap;
use std::io;
use std::time::Duration;

use rustix::fd::{AsRawFd, BorrowedFd, RawFd};
use selectors_core::{Backend, BaseSelector, Events, Token};

use crate::sys::{self, SocketSet};

/// Python's `selectors.SelectSelector`: a [`BaseSelector`] over [`SelectBackend`].
pub type SelectSelector<F, T = ()> = BaseSelector<SelectBackend, F, T>;

/// How long one sleep of an empty selector asked to block lasts; it then sleeps again (see
/// [`SelectBackend`]).
const EMPTY_BLOCK_CHUNK: Duration = Duration::from_secs(3600);

/// The read and write interest sets (Winsock `fd_set`s of any size), the scratch sets each
/// `select` overwrites, and each registered socket's token and positions in the sets.
///
/// Windows rules, as CPython's `SelectSelector` on win32 (Lib/selectors.py, `_select`):
/// - the write set is passed as the except set too, and a socket in the except set is
///   reported as WRITE: that is how a failed non-blocking `connect` shows up ("If processing a
///   connect call (nonblocking), failure of the connect attempt" is an except condition, per
///   [`select`]);
/// - with nothing registered, `select` sleeps for the timeout (Winsock refuses three empty
///   sets with `WSAEINVAL`, which CPython lets through: bpo-29256). With no timeout it sleeps
///   for good, an hour at a time: nothing can end it, as on Unix, where `select` with no fds
///   and no timeout blocks until a signal (Windows has none). A selector that has handed out a
///   [`Waker`](selectors_core::Waker) is never empty: the waker's socket is registered.
///
/// Each register, modify and unregister is O(1) (a hash map from socket to entry, and
/// swap-removal from the sets); a `select` costs O(registered sockets), as Winsock's does.
///
/// [`select`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-select
#[derive(Debug, Default)]
pub struct SelectBackend {
    entries: HashMap<RawFd, Entry>,
    readers: SocketSet,
    writers: SocketSet,
    ready_readers: SocketSet,
    ready_writers: SocketSet,
    ready_except: SocketSet,
    /// What the last wait reported, in order (empty after a failure), for `replay`.
    reported: Vec<(Token, Events)>,
    /// Scratch: the sockets of one wait, in the order first found (kept for its allocation).
    order: Vec<RawFd>,
    /// Counts waits, so an entry knows whether its `ready` belongs to this one.
    wait_number: u64,
}

/// One registered socket.
#[derive(Debug)]
struct Entry {
    token: Token,
    events: Events,
    /// Its position in `readers`, when watched for READ.
    read_at: Option<usize>,
    /// Its position in `writers`, when watched for WRITE.
    write_at: Option<usize>,
    /// The events the wait numbered `seen_in` found for it.
    ready: Events,
    seen_in: u64,
}

impl SelectBackend {
    /// The interest list: every watched socket with its events, sorted by socket.
    pub fn interest_list(&self) -> Vec<(RawFd, Events)> {
        let mut list: Vec<_> = self
            .entries
            .iter()
            .map(|(&socket, entry)| (socket, entry.events))
            .collect();
        list.sort_unstable();
        list
    }

    /// Puts `socket` in the sets `events` names and takes it out of the others.
    fn set_interest(&mut self, socket: RawFd, events: Events) {
        let entry = self.entries.get_mut(&socket).expect("a registered socket");
        entry.events = events;
        let (read_at, write_at) = (entry.read_at, entry.write_at);
        let read_at = update(
            &mut self.readers,
            &mut self.entries,
            socket,
            read_at,
            events.contains(Events::READ),
            Direction::Read,
        );
        let write_at = update(
            &mut self.writers,
            &mut self.entries,
            socket,
            write_at,
            events.contains(Events::WRITE),
            Direction::Write,
        );
        let entry = self.entries.get_mut(&socket).expect("a registered socket");
        entry.read_at = read_at;
        entry.write_at = write_at;
    }
}

/// Records `events` for `socket` in the wait numbered `wait`, listing the socket in `order`
/// the first time.
#[inline]
fn found(
    entries: &mut HashMap<RawFd, Entry>,
    wait: u64,
    order: &mut Vec<RawFd>,
    socket: RawFd,
    events: Events,
) {
    if let Some(entry) = entries.get_mut(&socket) {
        if entry.seen_in != wait {
            entry.seen_in = wait;
            entry.ready = Events::empty();
            order.push(socket);
        }
        entry.ready |= events;
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Read,
    Write,
}

/// Adds `socket` to `set` or removes it, as `wanted` says; returns its new position and fixes
/// the position of the socket a removal moved.
fn update(
    set: &mut SocketSet,
    entries: &mut HashMap<RawFd, Entry>,
    socket: RawFd,
    at: Option<usize>,
    wanted: bool,
    direction: Direction,
) -> Option<usize> {
    match (at, wanted) {
        (None, true) => Some(set.push(socket)),
        (Some(position), false) => {
            if let Some(moved) = set.swap_remove(position) {
                let moved = entries
                    .get_mut(&moved)
                    .expect("a set holds registered sockets");
                match direction {
                    Direction::Read => moved.read_at = Some(position),
                    Direction::Write => moved.write_at = Some(position),
                }
            }
            None
        }
        (at, _) => at,
    }
}

impl Backend for SelectBackend {
    fn new() -> io::Result<Self> {
        sys::startup()?;
        Ok(SelectBackend::default())
    }

    fn name(&self) -> &'static str {
        "select"
    }

    fn add(&mut self, fd: BorrowedFd<'_>, token: Token, events: Events) -> io::Result<()> {
        let socket = fd.as_raw_fd();
        if selectors_core::is_invalid_fd(socket) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "INVALID_SOCKET is not a socket",
            ));
        }
        if self.entries.contains_key(&socket) {
            return Err(io::ErrorKind::AlreadyExists.into());
        }
        self.entries.insert(
            socket,
            Entry {
                token,
                events: Events::empty(),
                read_at: None,
                write_at: None,
                ready: Events::empty(),
                seen_in: 0,
            },
        );
        // Every set can hold every registration: a later `modify` or wait never allocates,
        // once the selector has held that many.
        let registered = self.entries.len();
        for set in [
            &mut self.readers,
            &mut self.writers,
            &mut self.ready_readers,
            &mut self.ready_writers,
            &mut self.ready_except,
        ] {
            set.reserve(registered);
        }
        self.reported
            .reserve(registered.saturating_sub(self.reported.len()));
        self.order
            .reserve(registered.saturating_sub(self.order.len()));
        self.set_interest(socket, events);
        Ok(())
    }

    fn modify(&mut self, fd: RawFd, token: Token, _old: Events, new: Events) -> io::Result<()> {
        let entry = self.entries.get_mut(&fd).ok_or(io::ErrorKind::NotFound)?;
        entry.token = token;
        self.set_interest(fd, new);
        Ok(())
    }

    fn delete(&mut self, fd: RawFd, _token: Token, _events: Events) -> io::Result<()> {
        if !self.entries.contains_key(&fd) {
            return Err(io::ErrorKind::NotFound.into());
        }
        self.set_interest(fd, Events::empty());
        self.entries.remove(&fd);
        Ok(())
    }

    fn wait<R>(&mut self, timeout: Option<Duration>, ready: R) -> io::Result<()>
    where
        R: FnMut(Token, Events),
    {
        self.reported.clear();
        if self.readers.is_empty() && self.writers.is_empty() {
            // Winsock refuses three empty sets: sleep instead (see the type's docs). A
            // sub-microsecond timeout sleeps a whole microsecond, as `select` would.
            let sleep = timeout.map_or(EMPTY_BLOCK_CHUNK, |t| {
                Duration::from_micros(t.as_nanos().div_ceil(1_000).min(u64::MAX.into()) as u64)
            });
            if !sleep.is_zero() {
                std::thread::sleep(sleep.min(EMPTY_BLOCK_CHUNK));
            }
            return Ok(());
        }
        self.ready_readers.copy_from(&self.readers);
        self.ready_writers.copy_from(&self.writers);
        self.ready_except.copy_from(&self.writers);
        sys::select(
            &mut self.ready_readers,
            &mut self.ready_writers,
            &mut self.ready_except,
            timeout,
        )?;
        self.wait_number += 1;
        // A socket may be in several result sets: gather each one's events, then report it
        // once, in the order it was first found.
        let (entries, order, wait) = (&mut self.entries, &mut self.order, self.wait_number);
        order.clear();
        for socket in self.ready_readers.sockets() {
            found(entries, wait, order, socket, Events::READ);
        }
        for socket in self
            .ready_writers
            .sockets()
            .chain(self.ready_except.sockets())
        {
            found(entries, wait, order, socket, Events::WRITE);
        }
        for socket in order.iter() {
            let entry = &entries[socket];
            self.reported.push((entry.token, entry.ready));
        }
        self.replay(ready);
        Ok(())
    }

    fn replay<R>(&mut self, mut ready: R)
    where
        R: FnMut(Token, Events),
    {
        for &(token, events) in &self.reported {
            ready(token, events);
        }
    }
}
