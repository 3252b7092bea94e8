//! Signals during `select` (PEP 475), in a binary of their own: the handler is process-wide.
#![cfg(unix)]

use selectors_poll::PollBackend;

selectors_core::signal_suite!(poll, PollBackend);
