//! Signals during `select` (PEP 475), in a binary of their own: the handler is process-wide.
// The targets where `selectors_select::SelectBackend` exists (build.rs).
#![cfg(have_select)]

use selectors_select::SelectBackend;

selectors_core::signal_suite!(select, SelectBackend);
