//! The core of `selectors`: Python's [`selectors`] module semantics, written once.
//!
//! This crate holds what is the same for every readiness mechanism:
//!
//! - [`Events`] (`EVENT_READ`, `EVENT_WRITE`) and [`SelectorKey`];
//! - [`Error`], Python's `ValueError` / `KeyError` / `OSError` as one typed enum;
//! - the [`Backend`] trait, the few raw operations a kernel mechanism offers;
//! - [`BaseSelector`], the selector over any backend: validation order, the fd → key map
//!   (O(1), no hashing), rollback on failure, result masking, timeouts rounded up once, and
//!   the `EINTR` retry against a monotonic deadline (PEP 475);
//! - with the `conformance` feature, the test suite every backend must pass.
//!
//! Applications use the `selectors-io` facade crate, imported as `selectors` (it picks
//! `DefaultSelector`), or one backend crate (`selectors-epoll`, `selectors-poll`, ...), each
//! of which re-exports this crate's types.
//!
//! [`selectors`]: https://docs.python.org/3/library/selectors.html
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backend;
mod error;
mod events;
mod fd;
mod key;
mod map;
mod selector;
mod target;
pub mod timeout;
mod wait;
mod waker;

#[cfg(feature = "conformance")]
#[cfg_attr(docsrs, doc(cfg(feature = "conformance")))]
pub mod conformance;

pub use backend::{Backend, Registration, Token};
pub use error::{Error, ModifyError, RegisterError, Result};
pub use events::{EVENT_READ, EVENT_WRITE, Events};
pub use fd::{check_fd_range, is_invalid_fd};
pub use key::SelectorKey;
pub use map::SelectorMap;
pub use selector::BaseSelector;
pub use target::Target;
pub use waker::{FdWaker, Reset, WakeSource, Waker};

/// The fd types the API takes, re-exported from rustix (on Unix they are std's own types).
pub use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
