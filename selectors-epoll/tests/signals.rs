//! Signals during `select` (PEP 475), in a binary of their own: the handler is process-wide.
#![cfg(have_epoll)]

mod common;

use common::EpollMillis;
use selectors_epoll::EpollBackend;

selectors_core::signal_suite!(epoll, EpollBackend);
selectors_core::signal_suite!(epoll_millis, EpollMillis);
