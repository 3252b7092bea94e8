//! Many fds (CPython's `test_above_fd_setsize`, for the scalable selectors): as many socket
//! pairs as the fd limit allows, every writer reported exactly once by one `select`.

use crate::conformance::Stream;
use std::io;
use std::time::Duration;

use rustix::fd::{AsRawFd, RawFd};

use super::support::{FdLock, new_selector, raise_fd_limit, ready};
use crate::{Backend, Events};

/// Fds left free for the test harness and the process's own files (CPython leaves 32).
const MARGIN: u64 = 64;

/// Raises the soft fd limit to the hard limit (at most 65 536), registers socket pairs up to
/// it (readers for READ, writers for WRITE), and checks that one `select` reports every writer
/// with WRITE and no reader, each once; then that the readers follow once data arrives.
pub fn many_fds<B: Backend>() {
    let _only_case = FdLock::exclusive();
    let limit = raise_fd_limit();
    let wanted = (limit.saturating_sub(MARGIN) / 2) as usize;
    let mut selector = new_selector::<B, Stream, ()>();
    let mut pairs: Vec<(RawFd, RawFd)> = Vec::with_capacity(wanted);
    while pairs.len() < wanted {
        let (rd, wr) = match Stream::pair() {
            Ok(pair) => pair,
            // The limit counts every open fd, and other files may be open: stop at it.
            Err(err) if err.raw_os_error() == Some(rustix::io::Errno::MFILE.raw_os_error()) => {
                break;
            }
            Err(err) => panic!("socketpair #{} failed: {err}", pairs.len()),
        };
        pairs.push((rd.as_raw_fd(), wr.as_raw_fd()));
        selector
            .register(rd, Events::READ, ())
            .unwrap_or_else(|err| panic!("register of reader #{}: {err}", pairs.len()));
        selector
            .register(wr, Events::WRITE, ())
            .unwrap_or_else(|err| panic!("register of writer #{}: {err}", pairs.len()));
    }
    assert!(
        pairs.len() >= 256,
        "only {} socket pairs fit under the fd limit {limit}",
        pairs.len()
    );
    println!(
        "many_fds on {}: {} socket pairs ({} fds) registered under the soft fd limit {limit}",
        selector.backend_name(),
        pairs.len(),
        2 * pairs.len()
    );
    let reported = ready(&mut selector, None);
    assert_eq!(reported.len(), pairs.len(), "one entry per writer");
    let mut writers: Vec<(RawFd, Events)> =
        pairs.iter().map(|&(_, wr)| (wr, Events::WRITE)).collect();
    writers.sort_unstable_by_key(|&(fd, _)| fd);
    assert_eq!(reported, writers, "exactly the writers, each with WRITE");

    // Every writer sends a byte: now every fd is reported, still once each.
    for &(_, wr) in &pairs {
        let writer = selector.get_key(wr).expect("get_key").fileobj();
        io::Write::write_all(&mut &*writer, b"x").expect("write");
    }
    let reported = ready(&mut selector, Some(Duration::ZERO));
    assert_eq!(
        reported.len(),
        2 * pairs.len(),
        "every reader and writer, once each"
    );
}
