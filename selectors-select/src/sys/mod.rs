//! The `select(2)` call and the fd sets it takes: the only place in this crate with `unsafe`,
//! every block with a `// SAFETY:` comment.
//!
//! - `unlimited` (Linux, Android, the BSDs, Apple's systems): rustix's `select` and its fd
//!   sets, which grow to any fd the kernel accepts.
//! - `fixed` (illumos, Solaris): rustix has no `select` there, so the C library's `select`
//!   over its fixed-size `fd_set`, which holds fds below `FD_SETSIZE` only.
//! - `windows`: Winsock's `select`, whose `fd_set` is a count and an array of sockets,
//!   written here at whatever size the registrations need.

#[cfg(fixed_fd_set)]
mod fixed;
#[cfg(all(not(fixed_fd_set), not(windows)))]
mod unlimited;
#[cfg(windows)]
mod windows;

#[cfg(fixed_fd_set)]
pub(crate) use fixed::*;
#[cfg(all(not(fixed_fd_set), not(windows)))]
pub(crate) use unlimited::*;
#[cfg(windows)]
pub(crate) use windows::*;
