//! The poll backend of `selectors`: Python's `selectors.PollSelector`, on every Unix, and
//! over `WSAPoll` on Windows.
//!
//! [`PollSelector`] is [`BaseSelector`] over [`PollBackend`]. The backend keeps the `pollfd`
//! array between calls and changes only the entry that a register, modify or unregister
//! touches (O(1) each: an fd-indexed table gives each fd's position, and unregister moves the
//! last entry into the hole). A `select` is one `poll(2)` over the array; its cost grows with
//! the number of registered fds, as poll's does.
//!
//! Timeouts are whole milliseconds, rounded **up** (so a sub-millisecond timeout waits 1 ms,
//! never 0). A registered fd that is closed behind the selector's back is reported ready
//! (`POLLNVAL` counts as READ | WRITE before masking, as in Python) until it is unregistered.
//!
//! # Windows
//!
//! On Windows the same backend runs over [`WSAPoll`] (sockets only; Python has no
//! `PollSelector` there). The position table is a hash map keyed by socket, since a `SOCKET`
//! is a handle whose value may be anything. `WSAPoll` refuses an empty array (`WSAEINVAL`),
//! so a selector with nothing registered sleeps for the timeout instead (for good, an hour at
//! a time, without one), as on Unix. `POLLIN` is `POLLRDNORM | POLLRDBAND` there and
//! `POLLOUT` is `POLLWRNORM`; Python's rule on the flags is unchanged.
//!
//! A known gap: before Windows 10 version 2004, `WSAPoll` does not report a failed
//! non-blocking `connect` at all (no `POLLERR`, no `POLLHUP`: the socket is never reported,
//! and a wait for its WRITE only times out). Later versions report it with `POLLERR` (Wine 8
//! reports `POLLERR` alone), which counts as READ | WRITE, so a socket registered for WRITE is
//! reported WRITE. `SelectSelector`, the default on Windows, reports it on every version
//! (through the except set). See the remarks of [`WSAPoll`].
//!
//! [`WSAPoll`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-wsapoll
//!
//! ```
//! # #[cfg(unix)] {
//! use std::os::unix::net::UnixStream;
//! use std::time::Duration;
//! use selectors_poll::{PollSelector, EVENT_WRITE};
//!
//! let (a, _b) = UnixStream::pair()?;
//! let mut selector = PollSelector::<UnixStream>::new()?;
//! selector.register(a, EVENT_WRITE, ())?;
//! let ready = selector.select(Some(Duration::ZERO))?;
//! assert_eq!(ready[0].1, EVENT_WRITE);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]
// `unsafe` only in `sys`, where every block has its `// SAFETY:` argument.
#![deny(unsafe_code)]

#[cfg(any(unix, windows))]
mod poll;
#[cfg(any(unix, windows))]
#[allow(unsafe_code)]
mod sys;

cfg_poll! {
    pub use poll::{PollBackend, PollSelector};
}

#[doc(no_inline)]
pub use selectors_core::{
    AsFd, AsRawFd, Backend, BaseSelector, BorrowedFd, EVENT_READ, EVENT_WRITE, Error, Events,
    ModifyError, OwnedFd, RawFd, RegisterError, Registration, Result, SelectorKey, SelectorMap,
    Target, Token, Waker,
};

/// Expands its items only on targets that have this backend (every Unix, and Windows), so
/// other crates gate their use of it without repeating the OS list; on docs.rs each item is
/// labelled with those.
#[macro_export]
macro_rules! cfg_poll {
    ($($item:item)*) => {
        $(
            #[cfg(any(unix, windows))]
            #[cfg_attr(docsrs, doc(cfg(any(unix, windows))))]
            $item
        )*
    };
}
