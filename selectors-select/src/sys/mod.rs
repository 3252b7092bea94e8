//! The `select(2)` call and the fd sets it takes: the only place in this crate with `unsafe`,
//! every block with a `// SAFETY:` comment.
//!
//! - `unlimited` (Linux, Android, the BSDs, Apple's systems): rustix's `select` and its fd
//!   sets, which grow to any fd the kernel accepts.
//! - `fixed` (illumos, Solaris): rustix has no `select` there, so the C library's `select`
//!   over its fixed-size `fd_set`, which holds fds below `FD_SETSIZE` only.

#[cfg(any(target_os = "illumos", target_os = "solaris"))]
mod fixed;
#[cfg(not(any(target_os = "illumos", target_os = "solaris")))]
mod unlimited;

#[cfg(any(target_os = "illumos", target_os = "solaris"))]
pub(crate) use fixed::*;
#[cfg(not(any(target_os = "illumos", target_os = "solaris")))]
pub(crate) use unlimited::*;
