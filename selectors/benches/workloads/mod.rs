//! The benchmark workloads, shared by the criterion suite (`benches/suite.rs`) and the
//! comparison runner behind `cargo xtask bench` (`benches/compare.rs`).
//!
//! Every workload is a function generic over [`Imp`], an implementation family whose
//! [`EventLoop`] is the thing measured: our backends through `BaseSelector`, hand-written
//! rustix loops (the floors: the least work the kernel allows), mio and polling. The loops
//! report the token of each ready registration; the workload does the I/O.
//!
//! - W1 ([`w1`]): libevent's `bench.c` — N channels registered for read, A active, a chain of W
//!   one-byte writes propagated by the read handlers; time per round.
//! - W2 ([`w2`]): registration churn — register, modify and unregister N fds; ns per operation.
//! - W3 ([`w3`]): idle scan — N registered, exactly one ready; time of one zero-timeout wait.
//! - W4 ([`w4`]): echo over TCP loopback with C clients; messages per second.
//! - W5 ([`w5`]): wake-to-return latency — one thread blocked in the wait, another wakes it
//!   through the loop's waker; median and 99th percentile of many rounds. Its loops are not
//!   [`EventLoop`]s but [`w5::WakeLoop`]s (a wait and a waker, nothing registered), in
//!   [`wakers`].

pub(crate) mod floors;
pub(crate) mod ours;
pub(crate) mod peers;
pub(crate) mod w1;
pub(crate) mod w2;
pub(crate) mod w3;
pub(crate) mod w4;
pub(crate) mod w5;
pub(crate) mod wakers;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rustix::fd::OwnedFd;
use rustix::net::{AddressFamily, SocketFlags, SocketType, socketpair};
use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
use rustix::time::{ClockId, clock_gettime};

/// Measure wall-clock time instead of the measuring thread's CPU time (see [`Timer`]).
pub(crate) static WALL_CLOCK: AtomicBool = AtomicBool::new(false);

/// Times W1–W3. By default it reads the measuring thread's CPU time (user + system,
/// `CLOCK_THREAD_CPUTIME_ID`): these workloads never block, so on an idle machine that equals
/// the wall-clock time, and on a shared one it leaves out the time other processes ran while
/// this thread waited for a core. [`WALL_CLOCK`] switches to `Instant`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timer(Duration);

impl Timer {
    #[inline]
    pub(crate) fn start() -> Timer {
        Timer(Timer::now())
    }

    #[inline]
    pub(crate) fn elapsed(&self) -> Duration {
        Timer::now().saturating_sub(self.0)
    }

    #[inline]
    fn now() -> Duration {
        if WALL_CLOCK.load(Ordering::Relaxed) {
            static EPOCH: OnceLock<Instant> = OnceLock::new();
            EPOCH.get_or_init(Instant::now).elapsed()
        } else {
            let now = clock_gettime(ClockId::ThreadCPUTime);
            Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
        }
    }
}

/// How long one sample of a workload measures (setup excluded), in timed batches.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    /// Time spent in timed batches per sample.
    pub(crate) time: Duration,
    /// The fewest timed batches per sample, however long they take.
    pub(crate) min_batches: usize,
}

impl Budget {
    /// Whether a sample that started at `start` and has `batches` batches is done.
    #[inline]
    pub(crate) fn done(&self, start: Instant, batches: usize) -> bool {
        batches >= self.min_batches && start.elapsed() >= self.time
    }
}

/// What a workload asks a loop to watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interest {
    Read,
    Write,
}

/// The event loop under test: register fds with a token, and wait for the tokens of the
/// ready ones. `'fd` is the lifetime of the fds, which the workload owns.
pub(crate) trait EventLoop<'fd>: Sized {
    /// Readiness is reported once per change (edge-triggered): a handler must drain the fd
    /// until `EAGAIN`, or it may never hear of the rest of the data.
    const EDGE: bool = false;

    /// A loop sized for about `capacity` registrations.
    fn new(capacity: usize) -> Self;

    fn register(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest);

    fn modify(&mut self, fd: &'fd OwnedFd, token: u32, interest: Interest);

    fn unregister(&mut self, fd: &'fd OwnedFd);

    /// One wait: calls `on_ready(token)` once per ready registration; returns how many.
    fn poll(&mut self, timeout: Option<Duration>, on_ready: impl FnMut(u32)) -> usize;
}

/// An implementation family: its name, the floor it is compared with, and its loop type for
/// any fd lifetime.
pub(crate) trait Imp {
    /// The row name in the tables.
    const NAME: &'static str;
    /// The [`Imp::NAME`] of the raw loop this one is compared with.
    const FLOOR: &'static str;
    type Loop<'fd>: EventLoop<'fd>;
}

/// `n` one-way channels over `n / 2` Unix socketpairs: channel `i` is read on `ends[i]` and
/// written on `ends[i ^ 1]`, so each socketpair carries one channel per direction and each
/// channel costs one fd. N = 10,000 channels fit under a 20,000-fd limit.
#[derive(Debug)]
pub(crate) struct Channels {
    ends: Vec<OwnedFd>,
}

impl Channels {
    /// `n` (even) non-blocking channels.
    pub(crate) fn new(n: usize) -> Channels {
        assert!(n >= 2 && n % 2 == 0, "channels come in pairs");
        let mut ends = Vec::with_capacity(n);
        for _ in 0..n / 2 {
            let (a, b) = socketpair(
                AddressFamily::UNIX,
                SocketType::STREAM,
                SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
                None,
            )
            .expect("socketpair (is the fd limit raised?)");
            ends.push(a);
            ends.push(b);
        }
        Channels { ends }
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The fd channel `i` is read from (and registered with).
    #[inline]
    pub(crate) fn reader(&self, i: usize) -> &OwnedFd {
        &self.ends[i]
    }

    /// The fd that writes into channel `i`.
    #[inline]
    pub(crate) fn writer(&self, i: usize) -> &OwnedFd {
        &self.ends[i ^ 1]
    }

    /// Sends one byte into channel `i`.
    #[inline]
    pub(crate) fn send(&self, i: usize) {
        let sent = rustix::io::write(self.writer(i), b"e").expect("write to a channel");
        debug_assert_eq!(sent, 1);
    }

    /// Reads one byte from channel `i`.
    #[inline]
    pub(crate) fn recv(&self, i: usize) {
        let mut byte = [0_u8; 1];
        let read = rustix::io::read(self.reader(i), &mut byte).expect("read from a channel");
        debug_assert_eq!(read, 1);
    }
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (N = 10,000 needs more than the usual
/// soft limit of 1,024); returns the new soft limit.
pub(crate) fn raise_fd_limit() -> u64 {
    let limit = getrlimit(Resource::Nofile);
    if let Some(hard) = limit.maximum {
        if limit.current != Some(hard) {
            let raised = Rlimit {
                current: Some(hard),
                maximum: Some(hard),
            };
            if setrlimit(Resource::Nofile, raised).is_ok() {
                return hard;
            }
        }
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}
