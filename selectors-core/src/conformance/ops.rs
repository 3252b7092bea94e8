//! The operation language of the model-based tests ([`Op`]): what a seeded generator
//! ([`random_ops`]) and a fuzzer ([`decode_ops`]) produce, and the [`Model`](super::Model)
//! and the runner ([`run_ops`](super::run_ops)) consume.

use rustix::fd::RawFd;

/// The number of socket pairs in a model world.
pub const PAIRS: usize = 3;
/// The number of endpoints: both ends of every pair.
pub const ENDPOINTS: usize = 2 * PAIRS;
/// The most writes that may wait unread in one direction.
pub const MAX_QUEUED: usize = 4;
/// The fd number of [`Op::UnknownFd`] when it names a valid number: never registered.
#[cfg(unix)]
pub const UNKNOWN_FD: RawFd = 1 << 20;
/// The socket number of [`Op::UnknownFd`] when it names a valid number: never a socket
/// (Windows handle values are multiples of 4).
#[cfg(windows)]
pub const UNKNOWN_FD: RawFd = (1 << 20) | 1;
/// The negative fd of [`Op::RegisterNegative`] and [`Op::UnknownFd`] (-1 is `BorrowedFd`'s
/// niche, so -2).
#[cfg(unix)]
pub const NEGATIVE_FD: RawFd = -2;
/// The invalid number of [`Op::UnknownFd`]: `INVALID_SOCKET` (which no `BorrowedSocket` can
/// hold, so [`Op::RegisterNegative`] is not run on Windows).
#[cfg(windows)]
pub const NEGATIVE_FD: RawFd = RawFd::MAX;
/// The errnos an injected kernel failure picks from: `ENOMEM`, `EPERM`, `ENOSPC`.
const INJECTED_ERRNOS: [i32; 3] = [12, 1, 28];

/// One operation of a model sequence. Endpoint numbers are taken modulo [`ENDPOINTS`] and
/// event masks are raw bits (possibly invalid), so any byte string decodes to a valid
/// sequence ([`decode_ops`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `register(endpoint's own socket, events, data)`.
    Register {
        /// The endpoint (modulo `ENDPOINTS`).
        ep: u8,
        /// The raw event mask (possibly invalid).
        events: u8,
        /// The key's data.
        data: u8,
    },
    /// `register(a BorrowedFd of the endpoint, events, data)`: another object, same fd.
    RegisterAlias {
        /// The endpoint (modulo `ENDPOINTS`).
        ep: u8,
        /// The raw event mask (possibly invalid).
        events: u8,
        /// The key's data.
        data: u8,
    },
    /// `register` of fd [`NEGATIVE_FD`].
    RegisterNegative {
        /// The raw event mask (possibly invalid).
        events: u8,
    },
    /// `modify(endpoint's fd, events, data)`.
    Modify {
        /// The endpoint (modulo `ENDPOINTS`).
        ep: u8,
        /// The raw event mask (possibly invalid).
        events: u8,
        /// The key's data.
        data: u8,
    },
    /// `unregister(endpoint's fd)`.
    Unregister {
        /// The endpoint (modulo `ENDPOINTS`).
        ep: u8,
    },
    /// `get_key(endpoint's fd)`.
    GetKey {
        /// The endpoint (modulo `ENDPOINTS`).
        ep: u8,
    },
    /// `modify` (`call % 3 == 0`), `unregister` (1) or `get_key` (2) of [`NEGATIVE_FD`]
    /// (`call & 4`) or [`UNKNOWN_FD`].
    UnknownFd {
        /// Which call, and which fd (see the variant).
        call: u8,
        /// The raw event mask (possibly invalid).
        events: u8,
    },
    /// Writes `len` bytes (1..=64) from the endpoint to its peer.
    Write {
        /// The endpoint (modulo `ENDPOINTS`).
        ep: u8,
        /// How many bytes (1..=64).
        len: u8,
    },
    /// Reads everything waiting for the endpoint.
    Read {
        /// The endpoint (modulo `ENDPOINTS`).
        ep: u8,
    },
    /// `shutdown(Write)` on the endpoint.
    Shutdown {
        /// The endpoint (modulo `ENDPOINTS`).
        ep: u8,
    },
    /// Closes the endpoint (only when it is not registered).
    Close {
        /// The endpoint (modulo `ENDPOINTS`).
        ep: u8,
    },
    /// A new socket pair for `pair`, once one of its ends is closed and neither is
    /// registered: the end still open is closed first (the fd numbers are usually the old
    /// ones again).
    Reopen {
        /// The pair (modulo `PAIRS`).
        pair: u8,
    },
    /// `select(Some(ZERO))` (`form % 4 == 0`), `select_into` (1), `select_with` (2), or
    /// `select(None)` when something is ready, else `select(Some(ZERO))` (3).
    Select {
        /// Which form of `select` (see the variant).
        form: u8,
    },
    /// `register` whose kernel call fails (injected).
    FailRegister {
        /// The endpoint (modulo `ENDPOINTS`).
        ep: u8,
        /// The raw event mask (possibly invalid).
        events: u8,
        /// The key's data.
        data: u8,
    },
    /// `modify` whose kernel call fails (injected), after applying the change or not.
    FailModify {
        /// The endpoint (modulo `ENDPOINTS`).
        ep: u8,
        /// The raw event mask (possibly invalid).
        events: u8,
        /// The key's data.
        data: u8,
        /// Whether the change is applied before the failure.
        apply_first: bool,
    },
    /// `unregister` whose kernel call fails (injected): the error is ignored.
    FailUnregister {
        /// The endpoint (modulo `ENDPOINTS`).
        ep: u8,
    },
    /// `register(a BorrowedFd of a dup of the endpoint's socket, events, data)`: the same
    /// file under a number of its own (the lowest free one), when no dup exists.
    RegisterDup {
        /// The endpoint (modulo `ENDPOINTS`).
        ep: u8,
        /// The raw event mask (possibly invalid).
        events: u8,
        /// The key's data.
        data: u8,
    },
    /// Closes the dup behind the selector's back, then `unregister`s it: the file stays open
    /// through the endpoint's own fd, so epoll keeps a registration it can no longer remove
    /// (epoll(7) Q6), and the dup's number is free for the next socket or dup.
    DropDup,
    /// `wake()` through the selector's waker (made by the first such operation): the next
    /// `select` returns at once, with whatever is ready.
    Wake,
}

/// A raw event mask from a byte: mostly valid masks, sometimes empty or with unknown bits.
fn events_from(byte: u8) -> u8 {
    match byte % 8 {
        0 | 1 => 1,
        2 | 3 => 2,
        4 | 5 => 3,
        6 => 0,
        _ => [4, 5, 0x80, 0xff][usize::from(byte >> 3) % 4],
    }
}

impl Op {
    /// Decodes one operation from a byte source (the seeded generator or a fuzzer's input).
    pub fn decode(next: &mut impl FnMut() -> u8) -> Op {
        let ep = |next: &mut dyn FnMut() -> u8| next() % ENDPOINTS as u8;
        match next() % 38 {
            0..=3 => Op::Select { form: next() },
            4..=7 => Op::Write {
                ep: ep(next),
                len: 1 + next() % 64,
            },
            8..=10 => Op::Read { ep: ep(next) },
            11..=14 => Op::Register {
                ep: ep(next),
                events: events_from(next()),
                data: next(),
            },
            15..=18 => Op::Modify {
                ep: ep(next),
                events: events_from(next()),
                data: next(),
            },
            19..=21 => Op::Unregister { ep: ep(next) },
            22 => Op::RegisterAlias {
                ep: ep(next),
                events: events_from(next()),
                data: next(),
            },
            23 => Op::GetKey { ep: ep(next) },
            24 => Op::UnknownFd {
                call: next(),
                events: events_from(next()),
            },
            25 => Op::RegisterNegative {
                events: events_from(next()),
            },
            26 => Op::Shutdown { ep: ep(next) },
            27 => Op::Close { ep: ep(next) },
            28 => Op::Reopen {
                pair: next() % PAIRS as u8,
            },
            29 => Op::FailRegister {
                ep: ep(next),
                events: events_from(next()),
                data: next(),
            },
            30 => Op::FailModify {
                ep: ep(next),
                events: events_from(next()),
                data: next(),
                apply_first: next() & 1 == 1,
            },
            31 => Op::FailUnregister { ep: ep(next) },
            32 | 33 => Op::RegisterDup {
                ep: ep(next),
                events: events_from(next()),
                data: next(),
            },
            34 | 35 => Op::DropDup,
            _ => Op::Wake,
        }
    }
}

/// The operations a fuzzer's input stands for: one after another until the bytes run out
/// (missing bytes read as zero), at most `max` of them.
pub fn decode_ops(bytes: &[u8], max: usize) -> Vec<Op> {
    let mut rest = bytes.iter().copied();
    let mut ops = Vec::new();
    while ops.len() < max && rest.len() > 0 {
        ops.push(Op::decode(&mut || rest.next().unwrap_or(0)));
    }
    ops
}

/// The sequence of seed `seed`: 20 to 50 operations from the suite's SplitMix64 generator
/// (on Windows, those of them that [`apply there`](Op::applies_here)).
pub fn random_ops(seed: u64) -> Vec<Op> {
    let mut rng = super::Rng::new(seed);
    let len = 20 + rng.below(31);
    (0..len)
        .map(|_| Op::decode(&mut || rng.next_u64() as u8))
        .filter(Op::applies_here)
        .collect()
}

impl Op {
    /// Whether the operation runs on this system. On Windows (loopback TCP pairs) these do
    /// not: `RegisterNegative` (no `BorrowedSocket` holds `INVALID_SOCKET`), `RegisterDup`
    /// and `DropDup` (a duplicate at a number above every endpoint's: Winsock cannot choose
    /// one, and reuses a closed socket's value), and `Shutdown` (what Winsock's `select` and
    /// `WSAPoll` report for the socket that shut down its own sending side is not the same
    /// on Wine and Windows).
    pub fn applies_here(&self) -> bool {
        cfg!(unix)
            || !matches!(
                self,
                Op::RegisterNegative { .. }
                    | Op::RegisterDup { .. }
                    | Op::DropDup
                    | Op::Shutdown { .. }
            )
    }
}

/// An injected errno chosen by a byte.
pub fn injected_errno(data: u8) -> i32 {
    INJECTED_ERRNOS[usize::from(data) % INJECTED_ERRNOS.len()]
}

/// The bytes written by the operation at `index` of a sequence.
pub fn payload(index: usize, len: u8) -> Vec<u8> {
    vec![index as u8; usize::from(len)]
}
