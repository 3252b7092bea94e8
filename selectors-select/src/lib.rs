//! The select backend of `selectors`: Python's `selectors.SelectSelector`.
//!
//! [`SelectSelector`] is [`BaseSelector`] over [`SelectBackend`]: two interest bitsets (read,
//! write) kept between calls, copied into scratch sets for each `select(2)`. Registration is
//! O(1); a `select` costs O(highest registered fd), as select's does.
//!
//! There is no `FD_SETSIZE` cap where the kernel accepts larger sets (Linux, Android, the BSDs
//! and macOS, through rustix's unlimited `fd_set`s), so fds above 1024 work here, unlike in
//! CPython. On illumos and Solaris, where rustix has no `select`, the C library's fixed-size
//! `fd_set` is used: an fd at or above its `FD_SETSIZE` (65536 on 64-bit targets) is refused at
//! `register` with [`Error::FdOutOfRange`], where CPython would fail every later `select`.
//! Timeouts have microsecond resolution, rounded **up**.
//!
//! A registered fd closed behind the selector's back makes every `select` fail with `EBADF`
//! until it is unregistered (select(2) refuses closed fds; Python behaves the same).
//!
//! ```
//! # #[cfg(any(target_os = "linux", target_os = "macos"))] {
//! use std::os::unix::net::UnixStream;
//! use std::time::Duration;
//! use selectors_select::{SelectSelector, EVENT_READ, EVENT_WRITE};
//!
//! let (a, _b) = UnixStream::pair()?;
//! let mut selector = SelectSelector::<UnixStream>::new()?;
//! selector.register(a, EVENT_READ | EVENT_WRITE, ())?;
//! let ready = selector.select(Some(Duration::from_millis(10)))?;
//! assert_eq!(ready[0].1, EVENT_WRITE);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![doc(test(attr(deny(warnings))))]
// `unsafe` only in `sys`, where every block has its `// SAFETY:` argument.
#![deny(unsafe_code)]

#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris",
))]
mod select;
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris",
))]
#[allow(unsafe_code)]
mod sys;

#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris",
))]
pub use select::{SelectBackend, SelectSelector};

#[doc(no_inline)]
pub use selectors_core::{
    AsFd, AsRawFd, Backend, BaseSelector, BorrowedFd, EVENT_READ, EVENT_WRITE, Error, Events,
    ModifyError, OwnedFd, RawFd, RegisterError, Registration, Result, SelectorKey, SelectorMap,
    Target, Token,
};

/// Expands its items only on targets that have this backend, so other crates gate their use of
/// it without repeating the OS list.
#[macro_export]
macro_rules! cfg_select {
    ($($item:item)*) => {
        $(
            #[cfg(any(
                target_os = "linux",
                target_os = "android",
                target_os = "macos",
                target_os = "ios",
                target_os = "tvos",
                target_os = "watchos",
                target_os = "visionos",
                target_os = "freebsd",
                target_os = "netbsd",
                target_os = "openbsd",
                target_os = "dragonfly",
                target_os = "illumos",
                target_os = "solaris",
            ))]
            $item
        )*
    };
}
