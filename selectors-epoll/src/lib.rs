//! The epoll backend of `selectors` (Linux, Android): Python's `selectors.EpollSelector`.
//!
//! [`EpollSelector`] is [`BaseSelector`] over [`EpollBackend`]: one `epoll` instance created
//! close-on-exec, level-triggered registrations (`EPOLLIN`, `EPOLLOUT`; no `EPOLLET`), one
//! `epoll_ctl` per register, modify (only when the events change) and unregister, and one
//! `epoll_wait` per `select`. The kernel keeps the interest list, so `select` costs O(ready
//! fds), not O(registered fds).
//!
//! Timeouts have nanosecond resolution through `epoll_pwait2(2)` on kernels that have it
//! (Linux 5.11 and later, probed once per process); elsewhere they are rounded **up** to whole
//! milliseconds, so a timeout never ends early and a sub-millisecond timeout never becomes a
//! busy poll.
//!
//! A registered fd closed behind the selector's back (possible only through a raw
//! `BorrowedFd`) is dropped by the kernel and never reported; `unregister` still succeeds.
//! If another descriptor still refers to the same open file (a `dup`, or a copy inherited
//! across `fork`), epoll keeps the registration alive under the closed number (epoll(7), Q6),
//! and `EPOLL_CTL_DEL` can no longer name it. CPython then reports nothing and returns at
//! once from every later `select` while the file is ready (a busy loop), and mixes the stale
//! registration up with whatever file takes the number next. Here each registration's event
//! data is a token that names it, not the fd: the first event of a stale registration is
//! recognised, never reported, and the selector sheds it by rebuilding the interest set in a
//! fresh epoll instance moved onto the same fd number (O(registrations), once). `select`
//! then waits on for the rest of its timeout.
//!
//! On other operating systems this crate is empty: it compiles everywhere so that
//! `cargo test --workspace` works on every host.
//!
//! ```
//! # #[cfg(have_epoll)] {
//! use std::io::Write;
//! use std::os::unix::net::UnixStream;
//! use std::time::Duration;
//! use selectors_epoll::{EpollSelector, EVENT_READ};
//!
//! let (mut a, b) = UnixStream::pair()?;
//! let mut selector = EpollSelector::<UnixStream, &str>::new()?;
//! selector.register(b, EVENT_READ, "b")?;
//! a.write_all(b"ping")?;
//! let ready = selector.select(Some(Duration::from_secs(1)))?;
//! assert_eq!(ready.len(), 1);
//! assert_eq!(*ready[0].0.data(), "b");
//! assert_eq!(ready[0].1, EVENT_READ);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(docsrs, doc(auto_cfg(hide(have_epoll))))]
// `unsafe` only in `sys`, where every block has its `// SAFETY:` argument.
#![deny(unsafe_code)]

#[cfg(have_epoll)]
mod epoll;
#[cfg(have_epoll)]
mod millis;
#[cfg(have_epoll)]
#[allow(unsafe_code)]
mod sys;

cfg_epoll! {
    pub use epoll::{EpollBackend, EpollSelector};
    pub use millis::EpollMillisBackend;
}

#[doc(no_inline)]
pub use selectors_core::{
    AsFd, AsRawFd, Backend, BaseSelector, BorrowedFd, EVENT_READ, EVENT_WRITE, Error, Events,
    ModifyError, OwnedFd, RawFd, RegisterError, Registration, Result, SelectorKey, SelectorMap,
    Target, Token, Waker,
};

/// Expands its items only on targets that have epoll (Linux and Android), so other crates
/// gate their use of this backend without repeating the OS list.
///
/// The list is the one `build.rs` sets this crate's own cfg from; on docs.rs each item is
/// labelled with these systems.
#[macro_export]
macro_rules! cfg_epoll {
    // Each item in turn, with the list of systems: a list cannot repeat inside the items'
    // repetition.
    (@os [$($os:literal),* $(,)?] $item:item $($rest:item)*) => {
        #[cfg(any($(target_os = $os),*))]
        #[cfg_attr(docsrs, doc(cfg(any($(target_os = $os),*))))]
        $item
        $crate::cfg_epoll! { @os [$($os),*] $($rest)* }
    };
    (@os [$($os:literal),* $(,)?]) => {};
    ($($item:item)*) => {
        $crate::cfg_epoll! {
            @os [
                "linux",
                "android",
            ]
            $($item)*
        }
    };
}
