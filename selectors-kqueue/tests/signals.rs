//! The signal cases (PEP 475 with real signals), in a binary of their own because the
//! handler is process-wide: over the emulated kernel on every Unix, in both flavours, and
//! over the real kernel where there is one.
#![cfg(unix)]

use selectors_kqueue::{EmulatedKqueue, FreeBsd, KqueueBackend, Xnu};

selectors_core::signal_suite!(
    kqueue_emulated_freebsd,
    KqueueBackend<EmulatedKqueue<FreeBsd>>
);
selectors_core::signal_suite!(kqueue_emulated_xnu, KqueueBackend<EmulatedKqueue<Xnu>>);

selectors_kqueue::cfg_kqueue! {
    selectors_core::signal_suite!(kqueue, KqueueBackend<selectors_kqueue::RealKqueue>);
}
