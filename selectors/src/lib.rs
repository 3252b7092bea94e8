//! Python's [`selectors`] module in Rust: level-triggered I/O multiplexing with one API over
//! `select(2)`, `poll(2)`, Linux's `epoll`, illumos and Solaris's `/dev/poll`, the BSDs'
//! and Apple's `kqueue`, and Windows sockets (Winsock `select`, `WSAPoll`).
//!
//! The package is `selectors-io` (`cargo add selectors-io`); its library is named `selectors`,
//! as Python's module is.
//!
//! Register file objects (anything [`AsFd`]: sockets, pipes, `OwnedFd`, ...) with the
//! [`Events`] to watch and some data of your own, then [`select`](BaseSelector::select) to
//! get the ready ones back. [`DefaultSelector`] picks the most efficient backend of the
//! running system, as Python's does; each backend is also available by its Python name.
//!
//! ```
//! # #[cfg(unix)] {
//! use std::io::Write;
//! use std::os::unix::net::UnixStream;
//! use std::time::Duration;
//! use selectors::{DefaultSelector, EVENT_READ};
//!
//! let (mut writer, reader) = UnixStream::pair()?;
//! let mut selector = DefaultSelector::<UnixStream, &str>::new()?;
//! selector.register(reader, EVENT_READ, "reader")?;
//! writer.write_all(b"ping")?;
//! for (key, events) in selector.select(Some(Duration::from_secs(1)))? {
//!     assert_eq!((*key.data(), events), ("reader", EVENT_READ));
//! }
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Backends
//!
//! | Operating system | Backends (Python name) | `DefaultSelector` |
//! |---|---|---|
//! | Linux, Android | `EpollSelector`, `PollSelector`, `SelectSelector` | epoll |
//! | macOS, iOS, tvOS, watchOS, visionOS | `KqueueSelector`, `PollSelector`, `SelectSelector` | kqueue |
//! | FreeBSD, NetBSD, OpenBSD, DragonFly | `KqueueSelector`, `PollSelector`, `SelectSelector` | kqueue |
//! | illumos, Solaris | `DevpollSelector`, `PollSelector`, `SelectSelector` | devpoll |
//! | other Unix systems | `PollSelector` | poll |
//! | Windows (sockets only) | `SelectSelector` (Winsock `select`), `PollSelector` (`WSAPoll`) | select |
//!
//! On Windows a file object is a socket (rustix's `AsFd` is std's `AsSocket` there, and
//! `RawFd` a `SOCKET`), `select` and `poll` follow CPython's Windows rules (see
//! `selectors-select` and `selectors-poll`), and the waker is a loopback TCP socket pair.
//!
//! `SelectSelector` watches fds of any number where the kernel accepts larger sets (Linux,
//! Android, the BSDs, Apple's systems); on illumos and Solaris the C library's `fd_set` ends
//! at `FD_SETSIZE`, and `register` refuses a larger fd with [`Error::FdOutOfRange`].
//!
//! Each backend is a crate of its own (`selectors-epoll`, ...), a dependency of this one only
//! on the targets that have it; this crate re-exports the ones the target has, as
//! `EpollSelector` and `EpollBackend` and as a module (`selectors::epoll`), and has one cargo
//! feature per backend (`select`, `poll`, `epoll`, `devpoll`, `kqueue`, all on by default). A build whose enabled
//! features leave no backend for the target fails to compile with a message saying so.
//!
//! # Choosing the backend
//!
//! [`DefaultSelector::new`](BaseSelector::new) probes at run time in CPython's order —
//! kqueue, epoll, devpoll, poll, select — and takes the first one the kernel lets it create.
//! On Windows (sockets only) the order is select, then poll: CPython's `DefaultSelector`
//! there is `SelectSelector`, and `WSAPoll` is available with `SELECTORS_BACKEND=poll`.
//! The environment variable [`SELECTORS_BACKEND`](BACKEND_ENV) (`select`, `poll`, `epoll`,
//! `devpoll` or `kqueue`) forces one, so an application can run its own tests under each
//! backend; a name that is unknown or not in this build is an error, not a silent fallback.
//! [`DefaultBackend::from_kind`] chooses in code (a [`BackendKind`], which also parses from
//! its name), and [`available_backends`] lists the choices.
//!
//! [`selectors`]: https://docs.python.org/3/library/selectors.html
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    docsrs,
    doc(auto_cfg(hide(have_select, have_epoll, have_devpoll, have_kqueue)))
)]

/// Expands its items when at least one backend feature is on; with none, the build stops at
/// the `compile_error!` below, alone.
macro_rules! cfg_any_backend_feature {
    ($($item:item)*) => {$(
        #[cfg(any(
            feature = "select",
            feature = "poll",
            feature = "epoll",
            feature = "devpoll",
            feature = "kqueue"
        ))]
        $item
    )*};
}

// Module declarations stay outside macro calls, where rustfmt can see them.
#[cfg(any(
    feature = "select",
    feature = "poll",
    feature = "epoll",
    feature = "devpoll",
    feature = "kqueue"
))]
mod default;
#[cfg(any(
    feature = "select",
    feature = "poll",
    feature = "epoll",
    feature = "devpoll",
    feature = "kqueue"
))]
mod host;
mod kind;

pub use kind::{BackendKind, ParseBackendKindError};

cfg_any_backend_feature! {
    pub use default::{BACKEND_ENV, DefaultBackend, DefaultSelector, available_backends};
}

#[cfg(not(any(
    feature = "select",
    feature = "poll",
    feature = "epoll",
    feature = "devpoll",
    feature = "kqueue"
)))]
compile_error!(
    "selectors: no backend feature is enabled; enable at least one of the features \
     `select`, `poll`, `epoll`, `devpoll`, `kqueue` (all are on by default)"
);

pub use selectors_core::{
    AsFd, AsRawFd, Backend, BaseSelector, BorrowedFd, EVENT_READ, EVENT_WRITE, Error, Events,
    FdWaker, ModifyError, OwnedFd, RawFd, RegisterError, Registration, Result, SelectorKey,
    SelectorMap, Target, Token, WakeSource, Waker,
};

#[cfg(all(feature = "kqueue", have_kqueue))]
selectors_kqueue::cfg_kqueue! {
    #[cfg_attr(docsrs, doc(cfg(feature = "kqueue")))]
    pub use selectors_kqueue::{KqueueBackend, KqueueSelector, RealKqueue};

    /// The kqueue backend crate, `selectors-kqueue`.
    #[cfg_attr(docsrs, doc(cfg(feature = "kqueue")))]
    pub mod kqueue {
        pub use selectors_kqueue::*;
    }
}

#[cfg(all(feature = "epoll", have_epoll))]
selectors_epoll::cfg_epoll! {
    #[cfg_attr(docsrs, doc(cfg(feature = "epoll")))]
    pub use selectors_epoll::{EpollBackend, EpollSelector};

    /// The epoll backend crate, `selectors-epoll`.
    #[cfg_attr(docsrs, doc(cfg(feature = "epoll")))]
    pub mod epoll {
        pub use selectors_epoll::*;
    }
}

#[cfg(all(feature = "devpoll", have_devpoll))]
selectors_devpoll::cfg_devpoll! {
    #[cfg_attr(docsrs, doc(cfg(feature = "devpoll")))]
    pub use selectors_devpoll::{DevpollBackend, DevpollSelector, RealDevpoll};

    /// The /dev/poll backend crate, `selectors-devpoll`.
    #[cfg_attr(docsrs, doc(cfg(feature = "devpoll")))]
    pub mod devpoll {
        pub use selectors_devpoll::*;
    }
}

#[cfg(all(feature = "poll", any(unix, windows)))]
selectors_poll::cfg_poll! {
    #[cfg_attr(docsrs, doc(cfg(feature = "poll")))]
    pub use selectors_poll::{PollBackend, PollSelector};

    /// The poll backend crate, `selectors-poll`.
    #[cfg_attr(docsrs, doc(cfg(feature = "poll")))]
    pub mod poll {
        pub use selectors_poll::*;
    }
}

#[cfg(all(feature = "select", have_select))]
selectors_select::cfg_select! {
    #[cfg_attr(docsrs, doc(cfg(feature = "select")))]
    pub use selectors_select::{SelectBackend, SelectSelector};

    /// The select backend crate, `selectors-select`.
    #[cfg_attr(docsrs, doc(cfg(feature = "select")))]
    pub mod select {
        pub use selectors_select::*;
    }
}

/// The code blocks of the repository's README, run as doc tests. Unix only: they use
/// `UnixStream` pairs (the Windows usage is in the crate documentation's tests).
#[cfg(all(doctest, unix))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The code blocks of this crate's README (its crates.io page), run as doc tests, on Unix
/// (they use `UnixStream` pairs).
#[cfg(all(doctest, unix))]
#[doc = include_str!("../README.md")]
pub struct CrateReadmeDoctests;
