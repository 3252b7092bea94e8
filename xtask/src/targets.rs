//! The table of targets `cargo xtask cross` checks, and the backends each must compile.
//!
//! This is the one place that says which OS gets which backend as far as CI is concerned: a
//! row's `backends` is compared with what really compiled (the facade built with that
//! backend's feature alone), so a gate that silently drops a backend, or adds one, fails CI.

/// A backend, by its facade feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Kqueue,
    Epoll,
    Devpoll,
    Poll,
    Select,
}

use Backend::{Devpoll, Epoll, Kqueue, Poll, Select};

impl Backend {
    /// CPython's `DefaultSelector` order, which the facade's run-time probe follows: the
    /// first one that compiled is the `DefaultSelector` of a target.
    pub(crate) const PROBE_ORDER: [Backend; 5] = [Kqueue, Epoll, Devpoll, Poll, Select];

    /// The facade's probe order on Windows: select first (CPython's `DefaultSelector` there),
    /// then poll (`WSAPoll`).
    pub(crate) const WINDOWS_PROBE_ORDER: [Backend; 5] = [Select, Poll, Kqueue, Epoll, Devpoll];

    /// The probe order of the facade built for `triple`.
    pub(crate) fn probe_order(triple: &str) -> [Backend; 5] {
        if triple.contains("-windows") {
            Backend::WINDOWS_PROBE_ORDER
        } else {
            Backend::PROBE_ORDER
        }
    }

    /// The facade's cargo feature for this backend.
    pub(crate) fn feature(self) -> &'static str {
        match self {
            Kqueue => "kqueue",
            Epoll => "epoll",
            Devpoll => "devpoll",
            Poll => "poll",
            Select => "select",
        }
    }

    /// The public selector type this backend provides.
    pub(crate) fn selector(self) -> &'static str {
        match self {
            Kqueue => "KqueueSelector",
            Epoll => "EpollSelector",
            Devpoll => "DevpollSelector",
            Poll => "PollSelector",
            Select => "SelectSelector",
        }
    }
}

/// How a target's standard library is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Toolchain {
    /// The toolchain running xtask, with the target's prebuilt std (`rustup target add`).
    Stable,
    /// [`NIGHTLY`] building std from source (`-Zbuild-std`, needs the `rust-src` component):
    /// for tier-3 targets, which have no prebuilt std.
    Nightly,
}

/// The rustup toolchain used for [`Toolchain::Nightly`] rows. Pin a date here
/// (`nightly-2026-05-01`) if a new nightly's lints or a build-std breakage get in the way.
pub(crate) const NIGHTLY: &str = "nightly";

/// One row of the table.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) triple: &'static str,
    pub(crate) toolchain: Toolchain,
    /// The backends that must compile there, in [`Backend::probe_order`].
    pub(crate) backends: &'static [Backend],
}

const KQUEUE_OS: &[Backend] = &[Kqueue, Poll, Select];
const DEVPOLL_OS: &[Backend] = &[Devpoll, Poll, Select];
const EPOLL_OS: &[Backend] = &[Epoll, Poll, Select];
/// Winsock `select` and `WSAPoll`, select first (CPython's `DefaultSelector` on Windows).
const WINDOWS: &[Backend] = &[Select, Poll];

/// Every target CI checks. OpenBSD, DragonFly and Solaris are tier 3 (rustup lists
/// `x86_64-pc-solaris`, but its std download is missing), so they build std from source.
/// The MSVC Windows targets are checked and linted only (`check` and `clippy` link nothing,
/// so no Microsoft linker is needed); the GNU one is built and its tests run under Wine
/// (`cargo xtask windows`).
pub(crate) const TARGETS: &[Target] = &[
    row("x86_64-unknown-linux-gnu", Toolchain::Stable, EPOLL_OS),
    row("aarch64-linux-android", Toolchain::Stable, EPOLL_OS),
    row("x86_64-apple-darwin", Toolchain::Stable, KQUEUE_OS),
    row("aarch64-apple-darwin", Toolchain::Stable, KQUEUE_OS),
    row("aarch64-apple-ios", Toolchain::Stable, KQUEUE_OS),
    row("x86_64-unknown-freebsd", Toolchain::Stable, KQUEUE_OS),
    row("x86_64-unknown-netbsd", Toolchain::Stable, KQUEUE_OS),
    row("x86_64-unknown-illumos", Toolchain::Stable, DEVPOLL_OS),
    row("x86_64-unknown-openbsd", Toolchain::Nightly, KQUEUE_OS),
    row("x86_64-unknown-dragonfly", Toolchain::Nightly, KQUEUE_OS),
    row("x86_64-pc-solaris", Toolchain::Nightly, DEVPOLL_OS),
    row("x86_64-pc-windows-msvc", Toolchain::Stable, WINDOWS),
    row("aarch64-pc-windows-msvc", Toolchain::Stable, WINDOWS),
];

const fn row(triple: &'static str, toolchain: Toolchain, backends: &'static [Backend]) -> Target {
    Target {
        triple,
        toolchain,
        backends,
    }
}

/// The `DefaultSelector` of `triple` given the backends that compiled: the first in its
/// probe order.
pub(crate) fn default_selector(triple: &str, compiled: &[Backend]) -> Option<Backend> {
    Backend::probe_order(triple)
        .into_iter()
        .find(|b| compiled.contains(b))
}

/// `kqueue poll select`, or `none`.
pub(crate) fn names(backends: &[Backend]) -> String {
    if backends.is_empty() {
        return "none".to_owned();
    }
    let names: Vec<_> = backends.iter().map(|b| b.feature()).collect();
    names.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_unique_and_in_probe_order() {
        for (i, target) in TARGETS.iter().enumerate() {
            assert!(
                TARGETS[..i].iter().all(|t| t.triple != target.triple),
                "{} twice",
                target.triple
            );
            let ordered: Vec<_> = Backend::probe_order(target.triple)
                .into_iter()
                .filter(|b| target.backends.contains(b))
                .collect();
            assert_eq!(ordered, target.backends, "{}", target.triple);
        }
    }

    #[test]
    fn default_selector_is_the_first_in_probe_order() {
        let linux = "x86_64-unknown-linux-gnu";
        assert_eq!(
            default_selector(linux, &[Poll, Kqueue, Select]),
            Some(Kqueue)
        );
        assert_eq!(default_selector(linux, &[Select, Poll]), Some(Poll));
        assert_eq!(default_selector(linux, &[Select, Devpoll]), Some(Devpoll));
        assert_eq!(default_selector(linux, &[]), None);
        let windows = "x86_64-pc-windows-msvc";
        assert_eq!(default_selector(windows, &[Poll, Select]), Some(Select));
        assert_eq!(default_selector(windows, &[Poll]), Some(Poll));
        assert_eq!(names(&[Epoll, Poll]), "epoll poll");
        assert_eq!(names(&[]), "none");
    }
}
