//! Signals during `select` (PEP 475), in a binary of their own: the handler is process-wide.
// The targets where `selectors_select::SelectBackend` exists (build.rs) and signals exist.
#![cfg(all(have_select, unix))]

use selectors_select::SelectBackend;

selectors_core::signal_suite!(select, SelectBackend);
