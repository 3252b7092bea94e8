//! The poll backend of `selectors`: Python's `selectors.PollSelector`, on every Unix.
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
//! ```
//! use std::os::unix::net::UnixStream;
//! use std::time::Duration;
//! use selectors_poll::{PollSelector, EVENT_WRITE};
//!
//! let (a, _b) = UnixStream::pair()?;
//! let mut selector = PollSelector::<UnixStream>::new()?;
//! selector.register(a, EVENT_WRITE, ())?;
//! let ready = selector.select(Some(Duration::ZERO))?;
//! assert_eq!(ready[0].1, EVENT_WRITE);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]
// `unsafe` only in `sys`, where every block has its `// SAFETY:` argument.
#![deny(unsafe_code)]

#[cfg(unix)]
mod poll;
#[cfg(unix)]
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

/// Expands its items only on targets that have this backend (every Unix), so other crates gate
/// their use of it without repeating the OS list; on docs.rs each item is labelled "Unix".
#[macro_export]
macro_rules! cfg_poll {
    ($($item:item)*) => {
        $(
            #[cfg(unix)]
            #[cfg_attr(docsrs, doc(cfg(unix)))]
            $item
        )*
    };
}
