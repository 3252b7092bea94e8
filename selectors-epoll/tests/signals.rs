//! Signals during `select` (PEP 475), in a binary of their own: the handler is process-wide.
#![cfg(any(target_os = "linux", target_os = "android"))]

mod common;

use common::EpollMillis;
use selectors_epoll::EpollBackend;

selectors_core::signal_suite!(epoll, EpollBackend);
selectors_core::signal_suite!(epoll_millis, EpollMillis);
