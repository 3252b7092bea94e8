//! The kqueue backend of `selectors` (macOS, iOS, tvOS, watchOS, visionOS, FreeBSD, NetBSD,
//! OpenBSD, DragonFly): Python's `selectors.KqueueSelector`.
//!
//! `KqueueSelector` is [`BaseSelector`] over [`KqueueBackend`]: one kqueue created
//! close-on-exec, level-triggered `EVFILT_READ` / `EVFILT_WRITE` filters, one `kevent` call
//! per register, modify and unregister (every change with `EV_RECEIPT`, so each change's
//! error is seen and a half-done register is undone), and one `kevent` call per `select`, with
//! room for every registered filter and a nanosecond timeout. An fd ready for reading and
//! writing gives one result with both events (CPython gives two). The rules for `EV_EOF`
//! and `EV_ERROR` are on [`KqueueBackend`].
//!
//! The backend's logic talks to the kernel through the small [`KqueueSys`] trait:
//! - `RealKqueue` (on kqueue systems) is the kernel's kqueue, through rustix;
//! - [`EmulatedKqueue`] (on every Unix, with the cargo feature `emulated`, off by default) is
//!   an **emulation** of the kqueue semantics documented in kqueue(2), over poll(2), so the
//!   logic can run where there is no kqueue. It behaves as FreeBSD's kernel ([`FreeBsd`],
//!   the default) or macOS's ([`Xnu`]) where the two differ: the flags of returned events and
//!   receipts, the error for a change naming a closed descriptor, and the errors for filters a
//!   program may not add.
//!
//! # What was tested where
//!
//! - **On Linux** the backend's logic runs against
//!   [`EmulatedKqueue`], **not the real kernel**, once in each flavour: the shared
//!   conformance suite (`tests/conformance.rs`, tests named `kqueue_emulated_freebsd::*` and
//!   `kqueue_emulated_xnu::*`), the signal suite (`tests/signals.rs`) and the reliability
//!   cases (`tests/reliability.rs`), this crate's own cases on real sockets and files
//!   (`tests/kqueue.rs`, `emulated_freebsd::*` and `emulated_xnu::*`: a bad fd, an empty
//!   select's timeout, read and write merged, a partial register or modify undone,
//!   unregister after close, hang-up and half-close, a regular file at its end), the logic
//!   over a scripted kernel (`tests/logic.rs`: the changes submitted, receipts, merging, flag
//!   mapping, timeouts), and the emulation itself against the man pages and the kernels'
//!   sources (`tests/emulator.rs` and `tests/emulator_waits.rs` in both flavours,
//!   `tests/emulator_flavours.rs` for where they differ).
//! - **The real-kernel path** (`RealKqueue`, `KqueueSelector`) is only compile-checked
//!   and linted on that Linux host (`cargo check` and `cargo clippy -D warnings`, all
//!   targets) for x86_64 and aarch64 macOS, aarch64 iOS, and x86_64 FreeBSD, NetBSD,
//!   OpenBSD and DragonFly. It runs for real only in the macOS and BSD jobs of the project's
//!   CI, where `tests/conformance.rs`, `tests/signals.rs` and `tests/kqueue.rs` also
//!   instantiate every case over the real kernel (`kqueue::*`, `real::*`).
//!
//! On other Unix systems this crate has [`KqueueBackend`] over the emulation only, and on
//! non-Unix systems nothing: it compiles everywhere so that `cargo test --workspace` works on
//! every host.
//!
//! ```
//! # #[cfg(all(unix, feature = "emulated"))] {
//! use std::io::Write;
//! use std::os::unix::net::UnixStream;
//! use std::time::Duration;
//! use selectors_kqueue::{EmulatedKqueueSelector, EVENT_READ, EVENT_WRITE};
//!
//! // On macOS and the BSDs, `KqueueSelector` is the same over the real kernel.
//! let mut selector = EmulatedKqueueSelector::<UnixStream, &str>::new()?;
//! let (mut a, b) = UnixStream::pair()?;
//! selector.register(b, EVENT_READ | EVENT_WRITE, "b")?;
//! a.write_all(b"ping")?;
//! let ready = selector.select(Some(Duration::from_secs(1)))?;
//! assert_eq!(ready.len(), 1); // one entry for both filters
//! assert_eq!((*ready[0].0.data(), ready[0].1), ("b", EVENT_READ | EVENT_WRITE));
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Without the feature, the links to `EmulatedKqueue` in these docs have no target; docs.rs builds with
// every feature.
#![cfg_attr(not(feature = "emulated"), allow(rustdoc::broken_intra_doc_links))]
#![cfg_attr(docsrs, doc(auto_cfg(hide(have_kqueue))))]
// `unsafe` only in `sys`, where every block has its `// SAFETY:` argument.
#![deny(unsafe_code)]

#[cfg(all(unix, feature = "emulated"))]
mod emulated;
#[cfg(unix)]
mod kevent;
#[cfg(unix)]
mod kqueue;
#[cfg(unix)]
#[allow(unsafe_code)]
mod sys;

#[cfg(all(unix, feature = "emulated"))]
#[cfg_attr(docsrs, doc(cfg(all(unix, feature = "emulated"))))]
pub use emulated::{EmulatedKqueue, Flavour, FreeBsd, Xnu};
#[cfg(unix)]
pub use kevent::{
    EV_ADD, EV_CLEAR, EV_DELETE, EV_DISABLE, EV_ENABLE, EV_EOF, EV_ERROR, EV_ONESHOT, EV_RECEIPT,
    EVFILT_READ, EVFILT_USER, EVFILT_WRITE, Kevent, KqueueSys, NOTE_TRIGGER,
};
#[cfg(unix)]
pub use kqueue::KqueueBackend;

cfg_kqueue! {
    pub use sys::real::RealKqueue;

    /// Python's `selectors.KqueueSelector`: a [`BaseSelector`] over [`KqueueBackend`] on the
    /// real kernel.
    pub type KqueueSelector<F, T = ()> = BaseSelector<KqueueBackend<RealKqueue>, F, T>;
}

/// A [`BaseSelector`] over [`KqueueBackend`] on the **emulated** kernel ([`EmulatedKqueue`],
/// FreeBSD's flavour), for running the kqueue logic where there is no kqueue. Not the real
/// kernel.
#[cfg(all(unix, feature = "emulated"))]
#[cfg_attr(docsrs, doc(cfg(all(unix, feature = "emulated"))))]
pub type EmulatedKqueueSelector<F, T = ()> = BaseSelector<KqueueBackend<EmulatedKqueue>, F, T>;

#[doc(no_inline)]
pub use selectors_core::{
    AsFd, AsRawFd, Backend, BaseSelector, BorrowedFd, EVENT_READ, EVENT_WRITE, Error, Events,
    ModifyError, OwnedFd, RawFd, RegisterError, Registration, Result, SelectorKey, SelectorMap,
    Target, Token, Waker,
};

/// Expands its items only on targets that have kqueue (Apple's systems and the BSDs), so other
/// crates gate their use of this backend without repeating the OS list.
///
/// The list is the one `build.rs` sets this crate's own cfg from; on docs.rs each item is
/// labelled with these systems.
#[macro_export]
macro_rules! cfg_kqueue {
    // Each item in turn, with the list of systems: a list cannot repeat inside the items'
    // repetition.
    (@os [$($os:literal),* $(,)?] $item:item $($rest:item)*) => {
        #[cfg(any($(target_os = $os),*))]
        #[cfg_attr(docsrs, doc(cfg(any($(target_os = $os),*))))]
        $item
        $crate::cfg_kqueue! { @os [$($os),*] $($rest)* }
    };
    (@os [$($os:literal),* $(,)?]) => {};
    ($($item:item)*) => {
        $crate::cfg_kqueue! {
            @os [
                "macos",
                "ios",
                "tvos",
                "watchos",
                "visionos",
                "freebsd",
                "netbsd",
                "openbsd",
                "dragonfly",
            ]
            $($item)*
        }
    };
}

/// Every kqueue selector is `Send` whenever its file objects and data are: checked at compile
/// time, for the emulated kernel here and the real one where it exists.
#[cfg(all(unix, feature = "emulated"))]
const _: () = {
    const fn assert_send<S: Send>() {}
    assert_send::<selectors_core::BaseSelector<KqueueBackend<EmulatedKqueue>, rustix::fd::OwnedFd>>(
    );
    assert_send::<
        selectors_core::BaseSelector<KqueueBackend<EmulatedKqueue<Xnu>>, rustix::fd::OwnedFd>,
    >();
};

#[cfg(have_kqueue)]
const _: () = {
    const fn assert_send<S: Send>() {}
    assert_send::<KqueueSelector<rustix::fd::OwnedFd>>();
};
