//! The reference model of the model-based tests: what each [`Op`] must return, and the
//! state of the sockets and the selector after it.
//!
//! The world is [`PAIRS`](super::PAIRS) connected `AF_UNIX` stream pairs (loopback TCP
//! pairs on Windows, where the runner lets each write and close arrive before going on), whose ends
//! ("endpoints", numbered `0..ENDPOINTS`, the peer of `e` being `e ^ 1`) a selector registers,
//! modifies and unregisters, and which write, read, shut down, close and reopen. The operation
//! set is chosen so the model is exact on Linux:
//! - a write is at most 64 bytes and at most [`MAX_QUEUED`] writes wait unread in a
//!   direction, so no send buffer ever fills and every open endpoint is always writable;
//! - an endpoint is readable when data waits for it, its peer shut down its sending side, or
//!   its peer is closed; a closed peer (a hang-up) makes it READ | WRITE, which the key masks;
//! - a read drains everything that waits, so the bytes read are known;
//! - only unregistered endpoints are closed (a registered fd closed behind the selector's back
//!   is each backend's own behaviour: see `closed_then_reused_fd`);
//! - a call that names an fd by number reaches whichever open endpoint holds that number now,
//!   which after a reopen may be another endpoint than the one that had it.
//!
//! Invalid calls (bad event masks, unknown or negative fds, duplicates) must fail with the
//! typed error and change nothing; injected kernel failures (through
//! [`Faulty`](super::Faulty)) must leave the map and the kernel as the model says.

use rustix::fd::RawFd;

use super::ops::{ENDPOINTS, MAX_QUEUED, NEGATIVE_FD, Op, UNKNOWN_FD, injected_errno, payload};
pub use super::outcome::{Outcome, Refusal};
use crate::Events;

/// A registration in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelKey {
    /// The key's events.
    pub events: Events,
    /// The key's data.
    pub data: u32,
    /// Registered through a `BorrowedFd` alias (the endpoint's socket stays outside the
    /// selector) rather than the socket itself.
    pub alias: bool,
}

/// One endpoint in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Its fd number (that of the last socket made for it).
    pub fd: RawFd,
    /// Whether it is open.
    pub open: bool,
    /// Its registration.
    pub key: Option<ModelKey>,
    /// The bytes waiting to be read by it.
    pub inbox: Vec<u8>,
    /// How many writes those bytes came in.
    pub queued: usize,
    /// Whether it shut down its sending side.
    pub shut_write: bool,
}

/// A registered dup of an endpoint's socket: the same file under another number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dup {
    /// The endpoint whose socket it copies (which stays open while the dup exists).
    pub of: usize,
    /// Its fd number.
    pub fd: RawFd,
    /// Its registration (`None` until registered, and for one whose register was refused).
    pub key: Option<ModelKey>,
}

/// A registration a kernel may still hold after its dup was closed and unregistered
/// (epoll(7) Q6), until the backend sheds it: only in the interest list, never in results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stale {
    /// The endpoint whose file it watches: closing that endpoint releases the file, and
    /// the kernel drops the registration with it.
    pub of: usize,
    /// The closed dup's number.
    pub fd: RawFd,
    /// Its events.
    pub events: Events,
}

/// The reference model: what a selector and the sockets must do, for any backend.
#[derive(Debug, Clone)]
pub struct Model {
    /// The endpoints, by number.
    pub endpoints: Vec<Endpoint>,
    /// The dup, while one exists.
    pub dup: Option<Dup>,
    /// Registrations a kernel may still hold for closed dups (see [`Stale`]).
    pub stale: Vec<Stale>,
    /// The number the runner's next dup has (it makes the dup before the model applies
    /// [`Op::RegisterDup`], since only the kernel knows the number).
    pub next_dup_fd: RawFd,
    /// A wake is pending: the next `select` returns at once, and takes it.
    pub woken: bool,
}

impl Model {
    /// A world of fresh pairs with these fd numbers (`fds[e]` for endpoint `e`).
    pub fn new(fds: &[RawFd]) -> Model {
        let endpoint = |&fd: &RawFd| Endpoint {
            fd,
            open: true,
            key: None,
            inbox: Vec::new(),
            queued: 0,
            shut_write: false,
        };
        Model {
            endpoints: fds.iter().map(endpoint).collect(),
            dup: None,
            stale: Vec::new(),
            next_dup_fd: super::INVALID_FD,
            woken: false,
        }
    }

    /// The open endpoint whose socket has fd number `fd`, if any.
    pub fn holder(&self, fd: RawFd) -> Option<usize> {
        (0..ENDPOINTS).find(|&e| self.endpoints[e].open && self.endpoints[e].fd == fd)
    }

    /// The endpoint a call naming endpoint `ep`'s fd number reaches: a closed endpoint's
    /// number may have been taken by another endpoint's new socket (`Reopen`), and a call
    /// that names an fd by number reaches whatever holds it now.
    pub fn target(&self, ep: u8) -> usize {
        self.holder(self.endpoints[usize::from(ep)].fd)
            .unwrap_or(usize::from(ep))
    }

    /// Whether the selector holds endpoint `e`'s own socket (registered, not by alias).
    pub fn owned_by_selector(&self, e: usize) -> bool {
        self.endpoints[e].key.is_some_and(|key| !key.alias)
    }

    /// The events endpoint `e` is ready for, before masking (it must be open).
    pub fn readiness(&self, e: usize) -> Events {
        let (me, peer) = (&self.endpoints[e], &self.endpoints[e ^ 1]);
        if !me.inbox.is_empty() || peer.shut_write || !peer.open {
            Events::READ | Events::WRITE
        } else {
            Events::WRITE
        }
    }

    /// What `select` must report: each registered endpoint (and the dup) ready for some of
    /// its events.
    pub fn ready(&self) -> Vec<(RawFd, Events, u32)> {
        let dup = self
            .dup
            .and_then(|dup| dup.key.map(|key| (dup.of, dup.fd, key)));
        let endpoints = (0..ENDPOINTS).filter_map(|e| {
            self.endpoints[e]
                .key
                .map(|key| (e, self.endpoints[e].fd, key))
        });
        let mut ready: Vec<_> = endpoints
            .chain(dup)
            .filter_map(|(e, fd, key)| {
                let events = self.readiness(e) & key.events;
                (!events.is_empty()).then_some((fd, events, key.data))
            })
            .collect();
        ready.sort_unstable_by_key(|&(fd, _, _)| fd);
        ready
    }

    /// The registrations as `(fd, events, data)`, sorted by fd.
    pub fn registrations(&self) -> Vec<(RawFd, Events, u32)> {
        let mut all: Vec<_> = self
            .endpoints
            .iter()
            .filter_map(|ep| ep.key.map(|key| (ep.fd, key.events, key.data)))
            .chain(
                self.dup
                    .and_then(|dup| dup.key.map(|key| (dup.fd, key.events, key.data))),
            )
            .collect();
        all.sort_unstable_by_key(|&(fd, _, _)| fd);
        all
    }

    /// Endpoint `e` is closed: it loses its data, and its peer sees a hang-up. Its file is
    /// released (no dup of it exists), and any registration a kernel kept for it with it.
    fn close(&mut self, e: usize) {
        self.stale.retain(|stale| stale.of != e);
        let ep = &mut self.endpoints[e];
        ep.open = false;
        ep.key = None;
        ep.inbox.clear();
        ep.queued = 0;
    }

    /// Applies `op` (the `index`-th of its sequence) and returns what it must return. The
    /// runner calls [`reopen`](Model::reopen) itself, as only it knows the new fds.
    pub fn apply(&mut self, index: usize, op: Op) -> Outcome {
        let fd_of = |model: &Model, ep: u8| model.endpoints[usize::from(ep)].fd;
        match op {
            Op::Register { ep, events, data } | Op::RegisterAlias { ep, events, data } => {
                let e = usize::from(ep);
                let alias = matches!(op, Op::RegisterAlias { .. });
                if !self.endpoints[e].open || (!alias && self.owned_by_selector(e)) {
                    return Outcome::Skipped;
                }
                self.register(e, events, u32::from(data), alias)
            }
            Op::RegisterNegative { events } => {
                Outcome::Refused(if Events::from_bits_retain(events).is_valid_mask() {
                    Refusal::InvalidFd(NEGATIVE_FD)
                } else {
                    Refusal::InvalidEvents(events)
                })
            }
            Op::Modify { ep, events, data } => {
                let e = self.target(ep);
                let events = Events::from_bits_retain(events);
                let fd = fd_of(self, ep);
                if !events.is_valid_mask() {
                    return Outcome::Refused(Refusal::InvalidEvents(events.bits()));
                }
                match &mut self.endpoints[e].key {
                    None => Outcome::Refused(Refusal::NotRegistered(fd)),
                    Some(key) => {
                        key.events = events;
                        key.data = u32::from(data);
                        Outcome::Key(fd, events, key.data)
                    }
                }
            }
            Op::Unregister { ep } | Op::FailUnregister { ep } => {
                let e = self.target(ep);
                let fd = fd_of(self, ep);
                match self.endpoints[e].key.take() {
                    Some(key) => Outcome::Key(fd, key.events, key.data),
                    None if matches!(op, Op::FailUnregister { .. }) => Outcome::Skipped,
                    None => Outcome::Refused(Refusal::NotRegistered(fd)),
                }
            }
            Op::GetKey { ep } => {
                let fd = fd_of(self, ep);
                match self.endpoints[self.target(ep)].key {
                    Some(key) => Outcome::Key(fd, key.events, key.data),
                    None => Outcome::Refused(Refusal::NotRegistered(fd)),
                }
            }
            Op::UnknownFd { call, events } => {
                let fd = if call & 4 != 0 {
                    NEGATIVE_FD
                } else {
                    UNKNOWN_FD
                };
                Outcome::Refused(
                    if call % 3 == 0 && !Events::from_bits_retain(events).is_valid_mask() {
                        Refusal::InvalidEvents(events)
                    } else if crate::is_invalid_fd(fd) {
                        Refusal::InvalidFd(fd)
                    } else {
                        Refusal::NotRegistered(fd)
                    },
                )
            }
            Op::Write { ep, len } => {
                let e = usize::from(ep);
                let (me, peer) = (&self.endpoints[e], &self.endpoints[e ^ 1]);
                if !me.open || me.shut_write || !peer.open || peer.queued >= MAX_QUEUED {
                    return Outcome::Skipped;
                }
                let peer = &mut self.endpoints[e ^ 1];
                peer.inbox.extend(payload(index, len));
                peer.queued += 1;
                Outcome::Done
            }
            Op::Read { ep } => {
                let me = &mut self.endpoints[usize::from(ep)];
                if !me.open {
                    return Outcome::Skipped;
                }
                me.queued = 0;
                Outcome::Bytes(std::mem::take(&mut me.inbox))
            }
            Op::Shutdown { ep } => {
                let me = &mut self.endpoints[usize::from(ep)];
                if !me.open || me.shut_write {
                    return Outcome::Skipped;
                }
                me.shut_write = true;
                Outcome::Done
            }
            Op::Close { ep } => {
                let e = usize::from(ep);
                let duplicated = self.dup.is_some_and(|dup| dup.of == e);
                if !self.endpoints[e].open || self.endpoints[e].key.is_some() || duplicated {
                    return Outcome::Skipped;
                }
                // A TCP socket closed with unread data resets the connection, and Windows
                // may then drop what its peer had not read yet: no such close on Windows.
                if cfg!(windows) && !self.endpoints[e].inbox.is_empty() {
                    return Outcome::Skipped;
                }
                self.close(e);
                Outcome::Done
            }
            Op::Reopen { pair } => {
                let (a, b) = (
                    &self.endpoints[2 * usize::from(pair)],
                    &self.endpoints[2 * usize::from(pair) + 1],
                );
                let ends = [2 * usize::from(pair), 2 * usize::from(pair) + 1];
                let duplicated = self.dup.is_some_and(|dup| ends.contains(&dup.of));
                if (a.open && b.open) || a.key.is_some() || b.key.is_some() || duplicated {
                    return Outcome::Skipped;
                }
                // The end still open is closed first: its file goes, and any registration a
                // kernel kept for it.
                self.stale.retain(|stale| !ends.contains(&stale.of));
                Outcome::Done
            }
            Op::Select { .. } => {
                self.woken = false;
                Outcome::Ready(self.ready())
            }
            Op::Wake => {
                self.woken = true;
                Outcome::Done
            }
            Op::RegisterDup { ep, events, data } => {
                self.register_dup(usize::from(ep), events, data)
            }
            Op::DropDup => self.drop_dup(),
            Op::FailRegister { ep, events, data } => {
                let e = usize::from(ep);
                let me = &self.endpoints[e];
                if !me.open || me.key.is_some() || !Events::from_bits_retain(events).is_valid_mask()
                {
                    return Outcome::Skipped;
                }
                Outcome::Refused(Refusal::Os(Some(injected_errno(data))))
            }
            Op::FailModify {
                ep, events, data, ..
            } => {
                let e = self.target(ep);
                let events = Events::from_bits_retain(events);
                let Some(key) = self.endpoints[e].key else {
                    return Outcome::Skipped;
                };
                if !events.is_valid_mask() || key.events == events {
                    return Outcome::Skipped;
                }
                // The key leaves the map and the kernel, and comes back in the error with the
                // endpoint's socket, which stays open.
                self.endpoints[e].key = None;
                Outcome::Refused(Refusal::Os(Some(injected_errno(data))))
            }
        }
    }

    fn register(&mut self, e: usize, events: u8, data: u32, alias: bool) -> Outcome {
        let fd = self.endpoints[e].fd;
        let events = Events::from_bits_retain(events);
        if !events.is_valid_mask() {
            Outcome::Refused(Refusal::InvalidEvents(events.bits()))
        } else if self.endpoints[e].key.is_some() {
            Outcome::Refused(Refusal::AlreadyRegistered(fd))
        } else {
            self.endpoints[e].key = Some(ModelKey {
                events,
                data,
                alias,
            });
            Outcome::Key(fd, events, data)
        }
    }

    /// Pair `pair` was made anew with these fds.
    pub fn reopen(&mut self, pair: usize, fds: [RawFd; 2]) {
        for (side, fd) in fds.into_iter().enumerate() {
            self.endpoints[2 * pair + side] = Endpoint {
                fd,
                open: true,
                key: None,
                inbox: Vec::new(),
                queued: 0,
                shut_write: false,
            };
        }
    }
}
