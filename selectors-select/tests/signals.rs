//! Signals during `select` (PEP 475), in a binary of their own: the handler is process-wide.
// The targets where `selectors_select::SelectBackend` exists (`cfg_select!`).
#![cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris",
))]

use selectors_select::SelectBackend;

selectors_core::signal_suite!(select, SelectBackend);
