//! The signal cases (PEP 475 with real signals), in a binary of their own because the
//! handler is process-wide: over the emulated kernel on every Unix, and over the real kernel
//! where there is one.
#![cfg(unix)]

use selectors_kqueue::{EmulatedKqueue, KqueueBackend};

selectors_core::signal_suite!(kqueue_emulated, KqueueBackend<EmulatedKqueue>);

selectors_kqueue::cfg_kqueue! {
    selectors_core::signal_suite!(kqueue, KqueueBackend);
}
