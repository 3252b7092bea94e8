//! Helpers shared by the cases: socket pairs, result checks, timing bounds, a seeded
//! generator, the fd-limit raise and the lock that keeps fd numbers stable.

use std::collections::BTreeSet;
#[cfg(unix)]
use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
#[cfg(unix)]
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use rustix::fd::{AsFd, AsRawFd, RawFd};

use crate::{Backend, BaseSelector, Events};

/// The value no open fd can have, for lookups that must say `InvalidFd`: `-1` on Unix,
/// `INVALID_SOCKET` on Windows.
#[cfg(unix)]
pub const INVALID_FD: RawFd = -1;
/// The value no open fd can have, for lookups that must say `InvalidFd`: `-1` on Unix,
/// `INVALID_SOCKET` on Windows.
#[cfg(windows)]
pub const INVALID_FD: RawFd = RawFd::MAX;

/// A raw fd number made into a `BorrowedFd<'static>`: the cases that register raw fds (as
/// Python's `register(int_fd, ...)` does) or close fds behind the selector's back take one.
/// Core has no `unsafe`, so the suite's macros supply it from the test crate.
pub type BorrowRaw = fn(RawFd) -> rustix::fd::BorrowedFd<'static>;

/// The longest a case waits for something that should be immediate. Generous: the suite runs
/// on shared machines, and only lower bounds are strict.
pub const PROMPT: Duration = Duration::from_secs(1);

/// Upper bound used when waiting for something that is surely ready, so a broken backend fails
/// the case instead of hanging it.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// Keeps fd numbers stable while a case depends on them.
///
/// The kernel hands out the lowest free fd number, so a case that closes a registered fd and
/// then asks the kernel about that number would see another case's new socket. The suite's
/// macros run every case under [`FdLock::shared`]; the few cases that close fds they still
/// observe, or that use every fd the process may open, take [`FdLock::exclusive`].
#[derive(Debug)]
pub struct FdLock;

static FD_NUMBERS: RwLock<()> = RwLock::new(());

impl FdLock {
    /// Held by ordinary cases: they may run side by side.
    pub fn shared() -> RwLockReadGuard<'static, ()> {
        FD_NUMBERS
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Held by cases that need no other case opening or closing fds meanwhile.
    pub fn exclusive() -> RwLockWriteGuard<'static, ()> {
        FD_NUMBERS
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The connected stream sockets the cases register: `AF_UNIX` on Unix, TCP on 127.0.0.1 on
/// Windows (whose selectors take sockets only; Winsock has no `socketpair`).
#[cfg(unix)]
pub type Stream = std::os::unix::net::UnixStream;
/// The connected stream sockets the cases register: `AF_UNIX` on Unix, TCP on 127.0.0.1 on
/// Windows (whose selectors take sockets only; Winsock has no `socketpair`).
#[cfg(windows)]
pub type Stream = TcpStream;

/// A connected [`Stream`] pair with 10 s read and write timeouts, so a case that expects data
/// never hangs: `socketpair(2)` on Unix, a loopback TCP connection on Windows (with
/// `TCP_NODELAY`, so a one-byte write is sent at once).
#[cfg(windows)]
pub fn socketpair() -> (Stream, Stream) {
    tcp_pair()
}

/// A connected [`Stream`] pair with 10 s read and write timeouts, so a case that expects data
/// never hangs: `socketpair(2)` on Unix, a loopback TCP connection on Windows (with
/// `TCP_NODELAY`, so a one-byte write is sent at once).
#[cfg(unix)]
pub fn socketpair() -> (Stream, Stream) {
    let (a, b) = Stream::pair().expect("socketpair");
    for end in [&a, &b] {
        end.set_read_timeout(Some(2 * PATIENCE))
            .expect("SO_RCVTIMEO");
        end.set_write_timeout(Some(2 * PATIENCE))
            .expect("SO_SNDTIMEO");
    }
    (a, b)
}

/// A connected TCP pair on 127.0.0.1 (client, server side), with the same timeouts.
pub fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let client = TcpStream::connect(listener.local_addr().expect("local_addr")).expect("connect");
    let (server, _) = listener.accept().expect("accept");
    for end in [&client, &server] {
        end.set_nodelay(true).expect("TCP_NODELAY");
        end.set_read_timeout(Some(2 * PATIENCE))
            .expect("SO_RCVTIMEO");
        end.set_write_timeout(Some(2 * PATIENCE))
            .expect("SO_SNDTIMEO");
    }
    (client, server)
}

/// Writes all of `bytes` to `stream`.
pub fn send(mut stream: impl Write, bytes: &[u8]) {
    stream.write_all(bytes).expect("write to a socket");
}

/// Reads exactly `len` bytes from `stream`.
pub fn recv(mut stream: impl Read, len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    stream.read_exact(&mut buf).expect("read from a socket");
    buf
}

/// Whether the peer of `stream` has closed: a read returns end-of-file. A peer that is still
/// open makes the read time out, and the case fails rather than hangs.
pub fn peer_closed(mut stream: impl Read) -> bool {
    let mut byte = [0];
    matches!(stream.read(&mut byte), Ok(0))
}

/// A regular file, already unlinked: epoll refuses such files (`EPERM`).
#[cfg(unix)]
pub fn regular_file() -> File {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "selectors-conformance-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let file = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .expect("create a temporary file");
    fs::remove_file(&path).expect("unlink the temporary file");
    file
}

/// Creates a selector, or fails the case with the OS error.
pub fn new_selector<B: Backend, F: AsFd, T>() -> BaseSelector<B, F, T> {
    BaseSelector::new().unwrap_or_else(|err| panic!("creating a selector failed: {err}"))
}

/// Runs `select(timeout)` and returns `(fd, events)` sorted by fd, after checking what every
/// result must satisfy on every backend: events not empty and within the key's events, the
/// key's fd is the reported fd, no fd twice, and every fd registered.
pub fn ready<B: Backend, F: AsFd, T>(
    selector: &mut BaseSelector<B, F, T>,
    timeout: Option<Duration>,
) -> Vec<(RawFd, Events)> {
    let results = selector
        .select(timeout)
        .unwrap_or_else(|err| panic!("select({timeout:?}) failed: {err}"));
    let mut ready = Vec::with_capacity(results.len());
    for (key, events) in results {
        assert!(
            !events.is_empty(),
            "fd {} reported with no events",
            key.fd()
        );
        assert!(
            key.events().contains(events),
            "fd {} reported {events:?}, outside its key's {:?}",
            key.fd(),
            key.events()
        );
        assert_eq!(
            key.fd(),
            key.fileobj().as_fd().as_raw_fd(),
            "a key's fd is its file object's"
        );
        ready.push((key.fd(), events));
    }
    ready.sort_unstable_by_key(|&(fd, _)| fd);
    let unique: BTreeSet<RawFd> = ready.iter().map(|&(fd, _)| fd).collect();
    assert_eq!(
        unique.len(),
        ready.len(),
        "an fd was reported twice: {ready:?}"
    );
    for &(fd, _) in &ready {
        assert!(
            selector.get_map().contains(fd),
            "unregistered fd {fd} reported"
        );
    }
    ready
}

/// Runs `select(timeout)` and asserts its result is exactly `expected` (in any order).
pub fn expect_ready<B: Backend, F: AsFd, T>(
    selector: &mut BaseSelector<B, F, T>,
    timeout: Option<Duration>,
    expected: &[(RawFd, Events)],
) {
    let mut expected = expected.to_vec();
    expected.sort_unstable_by_key(|&(fd, _)| fd);
    let got = ready(selector, timeout);
    assert_eq!(
        got,
        expected,
        "{} select({timeout:?}) reported {got:?}, expected {expected:?}",
        selector.backend_name()
    );
}

/// Asserts `start.elapsed()` is at least `min` (strict: a timeout never ends early) and below
/// `max` (generous), and returns it.
pub fn assert_elapsed(what: &str, start: Instant, min: Duration, max: Duration) -> Duration {
    let elapsed = start.elapsed();
    assert!(
        elapsed >= min,
        "{what} returned early: after {elapsed:?}, before {min:?}"
    );
    assert!(
        elapsed < max,
        "{what} took {elapsed:?}, expected under {max:?}"
    );
    elapsed
}

#[cfg(unix)]
/// Raises the soft `RLIMIT_NOFILE` to the hard limit (capped at 65 536, as CPython's
/// `test_above_fd_setsize` does) and returns the soft limit now in force.
pub fn raise_fd_limit() -> u64 {
    // rustix rather than nix: nix has no `setrlimit` on Solaris.
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    const CAP: u64 = 1 << 16;
    let limit = getrlimit(Resource::Nofile);
    let soft = limit.current.unwrap_or(u64::MAX);
    let hard = limit.maximum.unwrap_or(u64::MAX);
    let wanted = hard.min(CAP);
    if soft >= wanted {
        return soft;
    }
    // macOS refuses a soft limit above OPEN_MAX (10 240) even when the hard limit is higher.
    const OPEN_MAX: u64 = 10_240;
    for candidate in [wanted, wanted.min(OPEN_MAX)] {
        let raised = Rlimit {
            current: Some(candidate),
            maximum: limit.maximum,
        };
        if candidate > soft && setrlimit(Resource::Nofile, raised).is_ok() {
            return candidate;
        }
    }
    soft
}

/// A small seeded generator (SplitMix64) for the randomised cases: reproducible, no
/// dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// The registrations as `(fd, events, data)` sorted by fd: a case compares two of these to
/// show a failed call changed nothing.
pub fn registrations<B: Backend, F: AsFd, T: Clone>(
    selector: &BaseSelector<B, F, T>,
) -> Vec<(RawFd, Events, T)> {
    let mut all: Vec<_> = selector
        .get_map()
        .iter()
        .map(|(fd, key)| (fd, key.events(), key.data().clone()))
        .collect();
    all.sort_unstable_by_key(|&(fd, _, _)| fd);
    all
}

/// A record of a selector over [`Faulty`](super::Faulty) — its registrations and the backend
/// calls made so far — to show that a refused call changed nothing and reached no kernel.
#[derive(Debug)]
pub struct Unchanged<T> {
    registrations: Vec<(RawFd, Events, T)>,
    calls: super::Calls,
}

impl<T: Clone + PartialEq + std::fmt::Debug> Unchanged<T> {
    /// Records the selector's state now.
    pub fn capture<B: Backend, F: AsFd>(selector: &BaseSelector<super::Faulty<B>, F, T>) -> Self {
        Unchanged {
            registrations: registrations(selector),
            calls: selector.backend().calls(),
        }
    }

    /// Asserts the registrations are as recorded and no backend operation was called since.
    pub fn check<B: Backend, F: AsFd>(
        &self,
        selector: &BaseSelector<super::Faulty<B>, F, T>,
        what: &str,
    ) {
        assert_eq!(
            registrations(selector),
            self.registrations,
            "{what} changed the registrations"
        );
        assert_eq!(
            selector.backend().calls(),
            self.calls,
            "{what} reached the backend"
        );
    }
}
