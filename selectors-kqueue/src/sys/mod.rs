//! The only code with `unsafe`, each block with its `// SAFETY:` argument: the real
//! `kevent(2)` call ([`real`], on kqueue systems) and the raw-fd queries the emulated kernel
//! makes on descriptors it does not own ([`raw`]).

crate::cfg_kqueue! {
    pub(crate) mod real;
}
pub(crate) mod raw;

pub(crate) use raw::check_open as fd_is_open;
