//! Signals during `select` (PEP 475), in a binary of their own: the handler is process-wide.
//! On Linux against the emulated `/dev/poll`, on illumos and Solaris against the real device.
#![cfg(any(target_os = "linux", have_devpoll))]

#[cfg(target_os = "linux")]
selectors_core::signal_suite!(
    devpoll_emulated,
    selectors_devpoll::DevpollBackend<selectors_devpoll::EmulatedDevpoll>
);

#[cfg(have_devpoll)]
selectors_core::signal_suite!(
    devpoll,
    selectors_devpoll::DevpollBackend<selectors_devpoll::RealDevpoll>
);
