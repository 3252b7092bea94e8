//! The only code with `unsafe`, each block with its `// SAFETY:` argument: the real
//! `kevent(2)` call ([`real`], on kqueue systems), the raw-fd queries the emulated kernel
//! makes on descriptors it does not own ([`raw`], feature `emulated`), and the backend's
//! check that a descriptor is open ([`fd_is_open`]).

use std::io;

use rustix::fd::{BorrowedFd, RawFd};
use rustix::io::Errno;

#[cfg(feature = "emulated")]
pub(crate) mod raw;
#[cfg(have_kqueue)]
pub(crate) mod real;

/// `fcntl(fd, F_GETFD)`: `Ok` when `fd` is open, `EBADF` when it is not.
pub(crate) fn fd_is_open(fd: RawFd) -> io::Result<()> {
    if fd < 0 {
        return Err(Errno::BADF.into());
    }
    // SAFETY: `fd` is not negative, so not the niche -1; the borrow reaches only
    // `fcntl(F_GETFD)`, which inspects the descriptor table (`EBADF` for a closed number),
    // and ends with this call.
    let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
    rustix::io::fcntl_getfd(borrowed)?;
    Ok(())
}
