//! The system calls: the only place in this crate with `unsafe`, every block with a
//! `// SAFETY:` comment.
//!
//! - `real`: the real `/dev/poll` device (illumos, Solaris).
//! - `poll`: the `poll(2)` and `fcntl(2)` calls of the emulated device.

mod poll;
#[cfg(any(target_os = "illumos", target_os = "solaris"))]
mod real;

#[cfg(all(test, target_os = "linux"))]
pub(crate) use poll::{in_child, is_cloexec};
pub(crate) use poll::{is_open, poll, pollfd, revents};
#[cfg(any(target_os = "illumos", target_os = "solaris"))]
pub use real::RealDevpoll;
