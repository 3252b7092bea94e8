//! The system calls: the only place in this crate with `unsafe`, every block with a
//! `// SAFETY:` comment.
//!
//! - `real`: the real `/dev/poll` device (illumos, Solaris).
//! - `poll`: the `poll(2)` and `fcntl(2)` calls of the emulated device (feature `emulated`).

#[cfg(feature = "emulated")]
mod poll;
#[cfg(have_devpoll)]
mod real;

#[cfg(all(test, feature = "emulated", target_os = "linux"))]
pub(crate) use poll::{in_child, is_cloexec};
#[cfg(feature = "emulated")]
pub(crate) use poll::{is_open, poll, pollfd, revents};
#[cfg(have_devpoll)]
pub use real::RealDevpoll;
