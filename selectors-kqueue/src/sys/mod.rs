//! The only code with `unsafe`, each block with its `// SAFETY:` argument: the real
//! `kevent(2)` call ([`real`], on kqueue systems) and the raw-fd queries the emulated kernel
//! makes on descriptors it does not own ([`raw`]).

#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "watchos",
    target_os = "visionos",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
pub(crate) mod real;
pub(crate) mod raw;
