//! `FdWaker` on its own: what `wake` and `reset` do to the eventfd or pipe, level-triggered
//! and edge-triggered, a full counter or pipe included.
#![cfg(unix)]

use std::io;

use rustix::fd::BorrowedFd;
use rustix::io::Errno;
use selectors_core::{FdWaker, Reset, WakeSource};

/// Runs `f` on the fd the source would have registered.
fn with_fd<R>(source: &FdWaker, f: impl FnOnce(BorrowedFd<'_>) -> R) -> R {
    let mut f = Some(f);
    let mut out = None;
    source
        .lend_fd(&mut |fd| {
            out = f.take().map(|f| f(fd));
            Ok(())
        })
        .expect("an FdWaker has an fd");
    out.expect("lend_fd called back")
}

/// Whether anything is waiting to be read (the source's fd is non-blocking), consuming it.
fn readable(source: &FdWaker) -> bool {
    with_fd(source, |fd| {
        let mut buf = [0_u8; 1 << 16];
        match rustix::io::read(fd, &mut buf) {
            Ok(n) => n > 0,
            Err(Errno::AGAIN) => false,
            Err(err) => panic!("read: {err}"),
        }
    })
}

/// Fills the counter until a write would block: an eventfd holds at most 2^64 - 2.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn fill(source: &FdWaker) -> io::Result<()> {
    with_fd(source, |fd| {
        rustix::io::write(fd, &(u64::MAX - 1).to_ne_bytes())
            .map(drop)
            .map_err(Into::into)
    })
}

/// Fills the pipe: the source lends only its read end, so through `wake`, one byte each,
/// past any pipe's capacity.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn fill(source: &FdWaker) -> io::Result<()> {
    for _ in 0..(1 << 20) {
        source.wake()?;
    }
    Ok(())
}

#[test]
fn level_triggered_wake_writes_and_reset_drains() {
    let source = FdWaker::new().expect("waker");
    source.wake().expect("wake");
    source.wake().expect("a second wake before a reset");
    assert_eq!(source.reset().expect("reset"), Reset::Rearmed);
    assert!(!readable(&source), "reset drained every wake");
}

#[test]
fn edge_triggered_reset_leaves_the_writes_and_a_wake_on_a_full_source_still_writes() {
    let source = FdWaker::edge_triggered().expect("waker");
    source.wake().expect("wake");
    assert_eq!(source.reset().expect("reset"), Reset::Rearmed);
    assert!(
        readable(&source),
        "reset left the write (each write is an edge)"
    );
    fill(&source).expect("fill");
    source.wake().expect("a wake on a full source");
    assert!(readable(&source), "the wake drained and wrote again");
    assert!(!readable(&source), "one read took it all");
}

#[test]
fn level_triggered_wake_on_a_full_source_is_a_pending_wake() {
    let source = FdWaker::new().expect("waker");
    fill(&source).expect("fill");
    source
        .wake()
        .expect("a full source means a wake is pending");
    assert!(readable(&source), "still full");
}

#[test]
fn both_are_signal_safe_and_lend_the_fd_they_report() {
    for source in [FdWaker::new(), FdWaker::edge_triggered()] {
        let source = source.expect("waker");
        assert!(source.signal_safe());
        let lent = with_fd(&source, |fd| rustix::fd::AsRawFd::as_raw_fd(&fd));
        assert_eq!(source.fd(), Some(lent));
    }
}
