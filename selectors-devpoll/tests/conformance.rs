//! The conformance suite on the devpoll backend: on Linux against the emulated `/dev/poll`
//! (an emulation over `poll(2)`, not the real kernel), on illumos and Solaris against the real
//! device.
#![cfg(any(target_os = "linux", have_devpoll))]

// CPython runs its many-fds case for DevpollSelector: it is one of the "scalable" selectors.
#[cfg(target_os = "linux")]
selectors_core::conformance_suite!(
    devpoll_emulated,
    selectors_devpoll::DevpollBackend<selectors_devpoll::EmulatedDevpoll>,
    scalable
);

#[cfg(have_devpoll)]
selectors_core::conformance_suite!(
    devpoll,
    selectors_devpoll::DevpollBackend<selectors_devpoll::RealDevpoll>,
    scalable
);
