//! The kqueue backend of `selectors` (macOS, iOS, tvOS, watchOS, visionOS, FreeBSD, NetBSD,
//! OpenBSD, DragonFly): Python's `selectors.KqueueSelector`.
//!
//! [`KqueueSelector`] is [`BaseSelector`] over [`KqueueBackend`]: one kqueue, level-triggered
//! `EVFILT_READ` / `EVFILT_WRITE` filters, and one `kevent` call per `select`.
//!
//! On other operating systems this crate has no backend items: it compiles everywhere so
//! that `cargo test --workspace` works on every host.
#![doc(test(attr(deny(warnings))))]

#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
mod kqueue {
    use selectors_core::BaseSelector;

    /// A kqueue instance.
    #[derive(Debug)]
    pub struct KqueueBackend {
        _kqueue: rustix::fd::OwnedFd,
    }

    /// Python's `selectors.KqueueSelector`: a [`BaseSelector`] over [`KqueueBackend`].
    pub type KqueueSelector<F, T = ()> = BaseSelector<KqueueBackend, F, T>;
}

cfg_kqueue! {
    pub use kqueue::{KqueueBackend, KqueueSelector};
}

#[doc(no_inline)]
pub use selectors_core::{
    Backend, BaseSelector, EVENT_READ, EVENT_WRITE, Error, Events, RegisterError, Result,
    SelectorKey, SelectorMap, Target,
};

/// Expands its items only on targets that have kqueue (Apple's systems and the BSDs), so other
/// crates gate their use of this backend without repeating the OS list.
#[macro_export]
macro_rules! cfg_kqueue {
    ($($item:item)*) => {
        $(
            #[cfg(any(
                target_os = "macos",
                target_os = "ios",
                target_os = "tvos",
                target_os = "watchos",
                target_os = "visionos",
                target_os = "freebsd",
                target_os = "netbsd",
                target_os = "openbsd",
                target_os = "dragonfly"
            ))]
            $item
        )*
    };
}
