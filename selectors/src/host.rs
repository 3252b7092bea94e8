//! Which backends this build has: for each backend, its real type when its cargo feature is on
//! and the target has it, else an uninhabited stand-in of the same name.
//!
//! A backend crate is a dependency only on the systems that have it, with its feature on;
//! `cfg(have_<name>)` (from `build.rs`) says where, and each backend crate's own
//! `cfg_<name>!` macro gates its items the same way. Those can only say "if"; the "else"
//! comes from name resolution: the stand-ins arrive here through a glob import, and a `use`
//! of the real type shadows the glob. The same holds for the `bool` constants that say
//! whether a backend is usable.

pub(crate) use unavailable::*;

#[cfg(all(feature = "kqueue", have_kqueue))]
selectors_kqueue::cfg_kqueue! {
    pub(crate) type KqueueBackend = selectors_kqueue::KqueueBackend<selectors_kqueue::RealKqueue>;
    pub(crate) const KQUEUE: bool = true;
}

#[cfg(all(feature = "epoll", have_epoll))]
selectors_epoll::cfg_epoll! {
    pub(crate) use selectors_epoll::EpollBackend;
    pub(crate) const EPOLL: bool = true;
}

#[cfg(all(feature = "devpoll", have_devpoll))]
selectors_devpoll::cfg_devpoll! {
    pub(crate) type DevpollBackend = selectors_devpoll::DevpollBackend<selectors_devpoll::RealDevpoll>;
    pub(crate) const DEVPOLL: bool = true;
}

#[cfg(all(feature = "poll", any(unix, windows)))]
selectors_poll::cfg_poll! {
    pub(crate) use selectors_poll::PollBackend;
    pub(crate) const POLL: bool = true;
}

#[cfg(all(feature = "select", have_select))]
selectors_select::cfg_select! {
    pub(crate) use selectors_select::SelectBackend;
    pub(crate) const SELECT: bool = true;
}

/// The stand-ins: a backend that this build lacks has no values, so `DefaultBackend`'s arm
/// for it is dead code the compiler removes, and creating one always fails.
#[allow(
    dead_code,
    reason = "a stand-in is unused where the real backend shadows it or its feature is off"
)]
mod unavailable {
    use std::io;
    use std::time::Duration;

    use selectors_core::{Backend, BorrowedFd, Events, RawFd, Token};

    macro_rules! unavailable {
        ($($backend:ident $flag:ident,)*) => {$(
            /// A backend this build does not have (no cargo feature, or not on this target).
            #[derive(Debug)]
            pub(crate) enum $backend {}

            pub(crate) const $flag: bool = false;

            impl Backend for $backend {
                fn new() -> io::Result<Self> {
                    Err(io::ErrorKind::Unsupported.into())
                }

                fn name(&self) -> &'static str {
                    match *self {}
                }

                fn add(&mut self, _: BorrowedFd<'_>, _: Token, _: Events) -> io::Result<()> {
                    match *self {}
                }

                fn modify(&mut self, _: RawFd, _: Token, _: Events, _: Events) -> io::Result<()> {
                    match *self {}
                }

                fn delete(&mut self, _: RawFd, _: Token, _: Events) -> io::Result<()> {
                    match *self {}
                }

                fn wait<R>(&mut self, _: Option<Duration>, _: R) -> io::Result<()>
                where
                    R: FnMut(Token, Events),
                {
                    match *self {}
                }
            }
        )*};
    }

    unavailable! {
        KqueueBackend KQUEUE,
        EpollBackend EPOLL,
        DevpollBackend DEVPOLL,
        PollBackend POLL,
        SelectBackend SELECT,
    }
}
