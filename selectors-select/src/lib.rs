//! The select backend of `selectors`: Python's `selectors.SelectSelector`, on Unix and on
//! Windows (Winsock).
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
//! # Windows
//!
//! On Windows the same `SelectSelector` runs over Winsock's `select` (sockets only), with
//! CPython's Windows rules (`Lib/selectors.py`, `_select` on win32): the write set is also
//! passed as the except set, and a socket in it is reported as WRITE (that is how a failed
//! non-blocking `connect` shows up); a selector with nothing registered sleeps for the
//! timeout, since Winsock refuses three empty sets (`WSAEINVAL`), and without a timeout
//! sleeps for good, as `select` with no fds does on Unix. A Winsock `fd_set` is a count and an
//! array of sockets; this crate writes it at whatever size the registrations need, so there
//! is no 64- or 512-socket cap (CPython's build has 512). Registrations are kept in a hash map
//! keyed by socket (a `SOCKET` is a handle whose value may be anything), so each register,
//! modify and unregister is O(1). A registered socket closed behind the selector's back makes
//! every `select` fail with `WSAENOTSOCK` until it is unregistered. Winsock is started once
//! (`WSAStartup`) when the first backend is created. See [`select`] (Winsock).
//!
//! [`select`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-select
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
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(docsrs, doc(auto_cfg(hide(have_select, fixed_fd_set))))]
// `unsafe` only in `sys`, where every block has its `// SAFETY:` argument.
#![deny(unsafe_code)]

#[cfg(all(have_select, not(windows)))]
mod select;
#[cfg(windows)]
#[path = "windows.rs"]
mod select;
#[cfg(have_select)]
#[allow(unsafe_code)]
mod sys;

cfg_select! {
    pub use select::{SelectBackend, SelectSelector};
}

/// The selector is `Send` (and the backend `Sync`) whenever its file objects and data are,
/// on Unix and on Windows alike: checked at compile time.
#[cfg(have_select)]
const _: () = {
    const fn assert_send_sync<S: Send + Sync>() {}
    const fn assert_send<S: Send>() {}
    assert_send_sync::<SelectBackend>();
    assert_send::<SelectSelector<rustix::fd::OwnedFd, ()>>();
};

#[doc(no_inline)]
pub use selectors_core::{
    AsFd, AsRawFd, Backend, BaseSelector, BorrowedFd, EVENT_READ, EVENT_WRITE, Error, Events,
    ModifyError, OwnedFd, RawFd, RegisterError, Registration, Result, SelectorKey, SelectorMap,
    Target, Token, Waker,
};

/// Expands its items only on targets that have this backend, so other crates gate their use of
/// it without repeating the OS list.
///
/// The list is the one `build.rs` sets this crate's own cfg from; on docs.rs each item is
/// labelled with these systems.
#[macro_export]
macro_rules! cfg_select {
    // Each item in turn, with the list of systems: a list cannot repeat inside the items'
    // repetition.
    (@os [$($os:literal),* $(,)?] $item:item $($rest:item)*) => {
        #[cfg(any($(target_os = $os),*))]
        #[cfg_attr(docsrs, doc(cfg(any($(target_os = $os),*))))]
        $item
        $crate::cfg_select! { @os [$($os),*] $($rest)* }
    };
    (@os [$($os:literal),* $(,)?]) => {};
    ($($item:item)*) => {
        $crate::cfg_select! {
            @os [
                "linux",
                "android",
                "macos",
                "ios",
                "tvos",
                "watchos",
                "visionos",
                "freebsd",
                "netbsd",
                "openbsd",
                "dragonfly",
                "illumos",
                "solaris",
                "windows",
            ]
            $($item)*
        }
    };
}
