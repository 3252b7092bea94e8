//! The /dev/poll backend of `selectors` (illumos, Solaris): Python's `selectors.DevpollSelector`.
//!
//! `DevpollSelector` (illumos, Solaris) is [`BaseSelector`] over [`DevpollBackend`]: one
//! `/dev/poll` interest set opened `O_RDWR | O_CLOEXEC`, changes written to it as `pollfd`
//! records, and one `ioctl(DP_POLL)` per `select`. The kernel keeps the interest list, so
//! `select` costs O(ready fds), not O(registered fds).
//!
//! - `register` writes `{fd, mask}`.
//! - `modify` writes `{fd, POLLREMOVE}` then `{fd, new mask}` in one write: `/dev/poll` ORs
//!   a written mask into an existing entry, so the old interest must be dropped first.
//! - `unregister` writes `{fd, POLLREMOVE}`; its errors are ignored (the fd may be closed).
//! - `select` passes a result buffer sized to the number of registrations (at least 1) and a
//!   timeout in whole milliseconds, rounded **up**.
//! - A write the kernel takes only in part is an error.
//!
//! CPython buffers the writes until the next `select`, so a refused change surfaces there;
//! here every change is written at once, so its error comes back from the call that made it.
//!
//! Kernel behaviours worth knowing (poll(7D)):
//!
//! - A registered fd closed behind the selector's back is reported with `POLLNVAL`, which
//!   Python's rule turns into ready (masked with the key's events) on every `select`, until it
//!   is unregistered. poll(7D) says it "may" be: the driver looks only at fds that had an
//!   event since it last found them idle, and a socket's last close is such an event
//!   (illumos's `sonode_fini` wakes the set); a number whose file stays open through another
//!   descriptor may go unreported.
//! - The driver cannot refuse an fd that is not open (a write cannot say which record was
//!   bad): registering one succeeds and it is never reported.
//! - A child process cannot use a set inherited through `fork`: every call fails with
//!   `EACCES`; it must create its own selector.
//!
//! # What runs where
//!
//! The backend logic talks to the kernel through the small [`DevpollSys`] trait:
//!
//! - `RealDevpoll` (illumos and Solaris only) opens `/dev/poll`, writes with `pwrite` at offset
//!   0 (Solaris needs the offset) and polls with `ioctl(DP_POLL)`. On the Linux development
//!   host this path is **compile-checked and linted** (clippy) for `x86_64-unknown-illumos` and
//!   `x86_64-pc-solaris`, including its test of the `pollfd` and `dvpoll` layouts; it **runs
//!   for real** only in the OmniOS and Solaris CI jobs, where the conformance suite and this
//!   crate's own cases use the real device.
//! - [`EmulatedDevpoll`] (cargo feature `emulated`, off by default) is an **emulation** of the
//!   `/dev/poll` driver over `poll(2)`, written from the illumos and Solaris poll(7D) manual
//!   pages. On Linux the backend logic, the whole
//!   conformance suite, the signal cases and this crate's own cases run against it: they
//!   exercise the logic, not a real `/dev/poll`.
//! - The backend logic is also unit-tested against a scripted device that records each write
//!   and poll (records, buffer size, timeout).
//!
//! On other operating systems `DevpollSelector` and `RealDevpoll` do not exist; the crate
//! still compiles everywhere so that `cargo test --workspace` works on every host.
//!
//! ```
//! # #[cfg(all(unix, feature = "emulated"))] {
//! use std::io::Write;
//! use std::os::unix::net::UnixStream;
//! use std::time::Duration;
//! use selectors_devpoll::{EmulatedDevpollSelector, EVENT_READ};
//!
//! // On illumos and Solaris, `DevpollSelector` is the same over the real device.
//! let mut selector = EmulatedDevpollSelector::<UnixStream, &str>::new()?;
//! let (mut a, b) = UnixStream::pair()?;
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
// Without the feature, the links to `EmulatedDevpoll` in these docs have no target; docs.rs builds with
// every feature.
#![cfg_attr(not(feature = "emulated"), allow(rustdoc::broken_intra_doc_links))]
#![cfg_attr(docsrs, doc(auto_cfg(hide(have_devpoll))))]
// `unsafe` only in `sys`, where every block has its `// SAFETY:` argument.
#![deny(unsafe_code)]

#[cfg(unix)]
mod devpoll;
#[cfg(all(unix, feature = "emulated"))]
mod emulated;
#[cfg(unix)]
#[allow(unsafe_code)]
mod sys;

#[cfg(unix)]
pub use devpoll::{
    DevpollBackend, DevpollSys, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLREMOVE,
    PollFdRecord,
};
#[cfg(all(unix, feature = "emulated"))]
#[cfg_attr(docsrs, doc(cfg(all(unix, feature = "emulated"))))]
pub use emulated::EmulatedDevpoll;

/// A [`BaseSelector`] over [`DevpollBackend`] on the **emulated** device ([`EmulatedDevpoll`]),
/// for running the /dev/poll logic where there is no `/dev/poll`. Not the real kernel.
#[cfg(all(unix, feature = "emulated"))]
#[cfg_attr(docsrs, doc(cfg(all(unix, feature = "emulated"))))]
pub type EmulatedDevpollSelector<F, T = ()> = BaseSelector<DevpollBackend<EmulatedDevpoll>, F, T>;

cfg_devpoll! {
    pub use devpoll::DevpollSelector;
    pub use sys::RealDevpoll;
}

#[doc(no_inline)]
pub use selectors_core::{
    AsFd, AsRawFd, Backend, BaseSelector, BorrowedFd, EVENT_READ, EVENT_WRITE, Error, Events,
    ModifyError, OwnedFd, RawFd, RegisterError, Registration, Result, SelectorKey, SelectorMap,
    Target, Token, Waker,
};

/// Expands its items only on targets that have `/dev/poll` (illumos and Solaris), so other
/// crates gate their use of this backend without repeating the OS list.
///
/// The list is the one `build.rs` sets this crate's own cfg from; on docs.rs each item is
/// labelled with these systems.
#[macro_export]
macro_rules! cfg_devpoll {
    // Each item in turn, with the list of systems: a list cannot repeat inside the items'
    // repetition.
    (@os [$($os:literal),* $(,)?] $item:item $($rest:item)*) => {
        #[cfg(any($(target_os = $os),*))]
        #[cfg_attr(docsrs, doc(cfg(any($(target_os = $os),*))))]
        $item
        $crate::cfg_devpoll! { @os [$($os),*] $($rest)* }
    };
    (@os [$($os:literal),* $(,)?]) => {};
    ($($item:item)*) => {
        $crate::cfg_devpoll! {
            @os [
                "illumos",
                "solaris",
            ]
            $($item)*
        }
    };
}
