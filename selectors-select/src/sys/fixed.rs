//! `select(3C)` on illumos and Solaris, over the C library's fixed-size `fd_set`.
//!
//! rustix has no `select` on these systems, so this layer offers the same small API as
//! rustix's fd sets (`FdSetElement`, `fd_set_insert`, `fd_set_remove`, `fd_set_bound`,
//! `FdSetIter`) over `libc::fd_set`, `FD_SET`, `FD_CLR`, `FD_ISSET` and `FD_ZERO`. A set is one
//! `fd_set` holding fds `0..FD_SETSIZE` (65536 on 64-bit, 1024 on 32-bit targets), so
//! [`FD_LIMIT`] makes the selector refuse larger fds at `register`; CPython fails every later
//! `select` instead.
//!
//! - illumos select(3C): <https://illumos.org/man/3C/select>
//! - Solaris select(3C): <https://docs.oracle.com/cd/E88353_01/html/E37843/select-3c.html>

use std::io;
use std::ptr;
use std::time::Duration;

use rustix::fd::RawFd;
use selectors_core::timeout;

/// The first fd an `fd_set` cannot hold.
pub(crate) const FD_LIMIT: Option<RawFd> = Some(libc::FD_SETSIZE as RawFd);

/// A whole `fd_set`, with one more than its highest member (0 when empty), so that the bound
/// and the iteration cost O(highest fd), not O(`FD_SETSIZE`).
#[derive(Clone, Copy)]
pub(crate) struct FdSetElement {
    set: libc::fd_set,
    bound: RawFd,
}

impl Default for FdSetElement {
    fn default() -> Self {
        // SAFETY: `fd_set` is a plain array of integers, for which all-zero bits are a valid
        // value.
        let mut set: libc::fd_set = unsafe { std::mem::zeroed() };
        // SAFETY: `set` is a valid, initialised `fd_set`; FD_ZERO empties it.
        unsafe { libc::FD_ZERO(&mut set) };
        FdSetElement { set, bound: 0 }
    }
}

/// Whether `fd` fits in an `fd_set`.
#[inline]
fn in_range(fd: RawFd) -> bool {
    (0..libc::FD_SETSIZE as RawFd).contains(&fd)
}

/// The number of set elements that hold fds below `nfds`: the one `fd_set`, or none.
#[inline]
pub(crate) fn set_elements(nfds: RawFd) -> usize {
    usize::from(nfds > 0)
}

/// Whether `select` can watch `fd`: only below `FD_SETSIZE`. The selector checks
/// [`FD_LIMIT`] first and reports `Error::FdOutOfRange`; this is the backend's own guard.
#[inline]
pub(crate) fn check_fd(fd: RawFd) -> io::Result<()> {
    if in_range(fd) {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(libc::EINVAL))
    }
}

/// Adds `fd` (checked by `check_fd`) to the set.
pub(crate) fn fd_set_insert(sets: &mut [FdSetElement], fd: RawFd) {
    assert!(in_range(fd), "fd {fd} outside the fd_set");
    let element = &mut sets[0];
    // SAFETY: `element.set` is a valid `fd_set` and `fd` is in `0..FD_SETSIZE`.
    unsafe { libc::FD_SET(fd, &mut element.set) };
    element.bound = element.bound.max(fd + 1);
}

/// Removes `fd` from the set, if it is there.
pub(crate) fn fd_set_remove(sets: &mut [FdSetElement], fd: RawFd) {
    let Some(element) = sets.first_mut() else {
        return;
    };
    if !(0..element.bound).contains(&fd) {
        return;
    }
    // SAFETY: `element.set` is a valid `fd_set` and `fd` is below its bound, so in range.
    unsafe { libc::FD_CLR(fd, &mut element.set) };
    if fd + 1 == element.bound {
        // The highest member left: walk down to the next one.
        let mut bound = fd;
        // SAFETY: `bound - 1` is below the old bound, so in range, and the set is valid.
        while bound > 0 && !unsafe { libc::FD_ISSET(bound - 1, &element.set) } {
            bound -= 1;
        }
        element.bound = bound;
    }
}

/// One more than the highest fd in the set; 0 when it is empty.
#[inline]
pub(crate) fn fd_set_bound(sets: &[FdSetElement]) -> RawFd {
    sets.first().map_or(0, |element| element.bound)
}

/// The fds of a set in ascending order.
pub(crate) struct FdSetIter<'a> {
    element: Option<&'a FdSetElement>,
    next: RawFd,
}

impl<'a> FdSetIter<'a> {
    /// Iterates over the fds in `sets`.
    pub(crate) fn new(sets: &'a [FdSetElement]) -> Self {
        FdSetIter {
            element: sets.first(),
            next: 0,
        }
    }
}

impl Iterator for FdSetIter<'_> {
    type Item = RawFd;

    fn next(&mut self) -> Option<RawFd> {
        let element = self.element?;
        while self.next < element.bound {
            let fd = self.next;
            self.next += 1;
            // SAFETY: `fd` is below the bound, so in range, and the set is valid.
            if unsafe { libc::FD_ISSET(fd, &element.set) } {
                return Some(fd);
            }
        }
        None
    }
}

/// `select(nfds, readers, writers, NULL, timeout)` with the timeout rounded up to whole
/// microseconds; returns the number of ready (fd, direction) pairs. Empty slices (nothing
/// registered) pass null sets, and `select` then only sleeps.
pub(crate) fn select(
    nfds: RawFd,
    readers: &mut [FdSetElement],
    writers: &mut [FdSetElement],
    timeout: Option<Duration>,
) -> io::Result<usize> {
    // Clamped below 10^8 seconds, which select(3C) refuses with EINVAL.
    let mut timeval = timeout::timespec_micros(timeout).map(|ts| libc::timeval {
        tv_sec: ts.tv_sec as libc::time_t,
        tv_usec: (ts.tv_nsec / 1_000) as libc::suseconds_t,
    });
    let set_ptr = |sets: &mut [FdSetElement]| {
        sets.first_mut()
            .map_or(ptr::null_mut(), |element| ptr::from_mut(&mut element.set))
    };
    let (readfds, writefds) = (set_ptr(readers), set_ptr(writers));
    let timeval_ptr = timeval.as_mut().map_or(ptr::null_mut(), ptr::from_mut);
    // SAFETY: the set pointers are null or point to valid `fd_set`s borrowed mutably for the
    // call, holding fds below `nfds <= FD_SETSIZE`; the timeout is null or a valid `timeval`
    // that outlives the call. The sets hold only fds of registered keys, which `BaseSelector`
    // keeps open; an fd closed anyway makes `select` fail with EBADF.
    let count = unsafe { libc::select(nfds, readfds, writefds, ptr::null_mut(), timeval_ptr) };
    if count < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(count as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_of(fds: &[RawFd]) -> Vec<FdSetElement> {
        let mut sets = vec![FdSetElement::default(); set_elements(1)];
        for &fd in fds {
            fd_set_insert(&mut sets, fd);
        }
        sets
    }

    #[test]
    fn a_set_iterates_its_fds_in_order_and_knows_its_bound() {
        let limit = FD_LIMIT.unwrap();
        let sets = set_of(&[70, 3, limit - 1, 0]);
        assert_eq!(fd_set_bound(&sets), limit);
        assert_eq!(
            FdSetIter::new(&sets).collect::<Vec<_>>(),
            [0, 3, 70, limit - 1]
        );
        assert_eq!(FdSetIter::new(&[]).count(), 0);
        assert_eq!(fd_set_bound(&[]), 0);
    }

    #[test]
    fn removing_the_highest_fd_lowers_the_bound_to_the_next_one() {
        let mut sets = set_of(&[2, 9, 40]);
        fd_set_remove(&mut sets, 40);
        assert_eq!(fd_set_bound(&sets), 10);
        fd_set_remove(&mut sets, 5);
        assert_eq!(fd_set_bound(&sets), 10);
        fd_set_remove(&mut sets, 9);
        fd_set_remove(&mut sets, 2);
        assert_eq!(fd_set_bound(&sets), 0);
        assert_eq!(FdSetIter::new(&sets).count(), 0);
    }

    #[test]
    fn only_fds_below_fd_setsize_are_accepted() {
        let limit = FD_LIMIT.unwrap();
        assert_eq!(limit, libc::FD_SETSIZE as RawFd);
        assert!(check_fd(0).is_ok());
        assert!(check_fd(limit - 1).is_ok());
        let err = check_fd(limit).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
        assert!(check_fd(-1).is_err());
    }

    #[test]
    fn an_empty_select_sleeps_for_its_timeout() {
        let timeout = Duration::from_millis(50);
        let start = std::time::Instant::now();
        assert_eq!(select(0, &mut [], &mut [], Some(timeout)).unwrap(), 0);
        assert!(start.elapsed() >= timeout);
    }
}
