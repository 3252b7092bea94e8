//! The only code with `unsafe`, each block with its `// SAFETY:` argument: the real
//! `kevent(2)` call ([`real`], on kqueue systems) and the raw-fd queries the emulated kernel
//! makes on descriptors it does not own ([`raw`], feature `emulated`).

#[cfg(feature = "emulated")]
pub(crate) mod raw;
#[cfg(have_kqueue)]
pub(crate) mod real;
