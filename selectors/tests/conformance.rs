//! The conformance suite on `DefaultSelector`'s backend, as `default_selector::*`: the
//! backend the run-time probe picks (epoll on Linux), or the one `SELECTORS_BACKEND` names
//! when it is set, so `SELECTORS_BACKEND=poll cargo test` runs the suite through the facade
//! over poll.

use selectors::DefaultBackend;

selectors_core::conformance_suite!(default_selector, DefaultBackend, scalable);
