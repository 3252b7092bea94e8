//! Winsock's `select` over socket sets of any size, written by hand.
//!
//! A Winsock `fd_set` is not a bitset: it is a count followed by an array of `SOCKET`s
//! (`struct fd_set { u_int fd_count; SOCKET fd_array[FD_SETSIZE]; }`, winsock2.h), and
//! `select` reads `fd_count` entries, whatever `FD_SETSIZE` the caller was compiled with
//! ([`select`]: "The parameter readfds identifies the sockets that are to be checked for
//! readability"; `FD_SETSIZE` only sizes the C declaration, "modified by defining FD_SETSIZE
//! to another value before including Winsock2.h"). So a set here is a vector of words: word 0
//! holds the count (a `u_int` in the low half, zero padding above it on 64-bit targets, where
//! the array is aligned to 8), words `1..=count` the sockets, and it grows as sockets are
//! added: there is no 64- or 512-socket cap (CPython's build has 512). On return `select`
//! rewrites the count and moves the ready sockets to the front.
//!
//! rustix's `select` is called with the sets as its `FdSetElement` slices (a
//! `#[repr(transparent)]` word of the same size); rustix's own Windows set helpers are not
//! used.
//!
//! [`select`]: https://learn.microsoft.com/en-us/windows/win32/api/winsock2/nf-winsock2-select

use std::io;
use std::sync::OnceLock;
use std::time::Duration;

use rustix::event::FdSetElement;
use rustix::fd::RawFd;
use selectors_core::timeout;

/// One word of a set: a `SOCKET` (`UINT_PTR`) and the slot that holds the count.
#[cfg(target_pointer_width = "64")]
type Word = u64;
/// One word of a set: a `SOCKET` (`UINT_PTR`) and the slot that holds the count.
#[cfg(target_pointer_width = "32")]
type Word = u32;

// The reinterpretation in `elements` relies on this.
const _: () = assert!(
    size_of::<FdSetElement>() == size_of::<Word>()
        && align_of::<FdSetElement>() == align_of::<Word>()
);

/// A Winsock `fd_set` of any size: the count, then the sockets.
#[derive(Debug, Clone)]
pub(crate) struct SocketSet {
    words: Vec<Word>,
}

impl Default for SocketSet {
    fn default() -> Self {
        SocketSet { words: vec![0] }
    }
}

impl SocketSet {
    /// The number of sockets in the set (after a `select`, the number it reported).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        // `fd_count` is a `u_int`: the low half of word 0 (little-endian).
        (self.words[0] & Word::from(u32::MAX)) as usize
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sockets, in the set's order.
    #[inline]
    pub(crate) fn sockets(&self) -> impl Iterator<Item = RawFd> + '_ {
        self.words[1..=self.len()].iter().map(|&s| s as RawFd)
    }

    /// Appends `socket` and returns its position.
    #[inline]
    pub(crate) fn push(&mut self, socket: RawFd) -> usize {
        let position = self.len();
        self.words.truncate(position + 1);
        self.words.push(socket as Word);
        self.words[0] = (position + 1) as Word;
        position
    }

    /// Removes the socket at `position` by moving the last one into its place; returns the
    /// moved socket, whose position is now `position`, if there was one.
    #[inline]
    pub(crate) fn swap_remove(&mut self, position: usize) -> Option<RawFd> {
        let len = self.len();
        debug_assert!(position < len);
        self.words.truncate(len + 1);
        self.words.swap_remove(position + 1);
        self.words[0] = (len - 1) as Word;
        (position + 1 < len).then(|| self.words[position + 1] as RawFd)
    }

    /// Makes room for `sockets` sockets, so that adding up to that many never allocates.
    #[inline]
    pub(crate) fn reserve(&mut self, sockets: usize) {
        let words = sockets + 1;
        if self.words.capacity() < words {
            self.words.reserve(words - self.words.len());
        }
    }

    /// Makes this set a copy of `other`, reusing its allocation.
    #[inline]
    pub(crate) fn copy_from(&mut self, other: &SocketSet) {
        self.words.clear();
        self.words.extend_from_slice(&other.words[..=other.len()]);
    }

    /// The set as `select` takes it, or `None` (a null pointer) when it is empty.
    #[inline]
    fn elements(&mut self) -> Option<&mut [FdSetElement]> {
        if self.is_empty() {
            return None;
        }
        let len = self.len();
        let words = &mut self.words[..=len];
        // SAFETY: `FdSetElement` is `#[repr(transparent)]` over a word of the same size and
        // alignment as `Word` (checked at compile time above), so the same memory is a valid
        // slice of it, of the same length; the borrow is exclusive for the slice's lifetime.
        Some(unsafe {
            std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<FdSetElement>(), words.len())
        })
    }
}

/// Starts Winsock once per process (`WSAStartup`, version 2.2). std starts it on its first
/// socket too; sockets made by other means (a C library, `windows-sys`) would not have.
///
/// # Errors
/// The error `WSAStartup` gave, every time.
pub(crate) fn startup() -> io::Result<()> {
    static STARTED: OnceLock<Result<(), i32>> = OnceLock::new();
    let started = STARTED.get_or_init(|| {
        rustix::net::wsa_startup()
            .map(drop)
            .map_err(|err| err.raw_os_error())
    });
    started.map_err(io::Error::from_raw_os_error)
}

/// `select(0, readers, writers, except, timeout)`, the timeout rounded up to whole
/// microseconds; returns the number of (socket, set) pairs reported. Each set is rewritten
/// to hold the sockets ready in it.
///
/// All three sets empty is refused by Winsock (`WSAEINVAL`), so the caller sleeps instead.
#[inline]
pub(crate) fn select(
    readers: &mut SocketSet,
    writers: &mut SocketSet,
    except: &mut SocketSet,
    timeout: Option<Duration>,
) -> io::Result<usize> {
    let timespec = timeout::timespec_micros(timeout);
    // SAFETY: rustix requires the sockets in the sets to be open. The sets hold only sockets
    // of registered keys, whose file objects `BaseSelector` owns (keeping them open) until
    // `delete` removes them; one that the caller closed anyway through a raw borrow makes
    // Winsock fail with `WSAENOTSOCK`, which is the documented behaviour of a closed
    // registered socket. Each slice is a whole set: its count and that many sockets.
    let count = unsafe {
        rustix::event::select(
            0,
            readers.elements(),
            writers.elements(),
            except.elements(),
            timespec.as_ref(),
        )
    }?;
    Ok(count as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_and_swap_remove_keep_count_and_positions() {
        let mut set = SocketSet::default();
        assert!(set.is_empty() && set.elements().is_none());
        for socket in [56, 60, 64] {
            set.push(socket);
        }
        assert_eq!(set.sockets().collect::<Vec<_>>(), [56, 60, 64]);
        // The last socket moves into the hole and is reported.
        assert_eq!(set.swap_remove(0), Some(64));
        assert_eq!(set.sockets().collect::<Vec<_>>(), [64, 60]);
        assert_eq!(set.swap_remove(1), None, "the last one moves nothing");
        assert_eq!(set.sockets().collect::<Vec<_>>(), [64]);
        let mut copy = SocketSet::default();
        copy.copy_from(&set);
        assert_eq!(copy.sockets().collect::<Vec<_>>(), [64]);
        assert_eq!(set.swap_remove(0), None);
        assert!(set.is_empty());
        for socket in 0..3000 {
            assert_eq!(set.push(socket * 4), socket as usize);
        }
        assert_eq!(set.len(), 3000, "no FD_SETSIZE cap");
        assert_eq!(set.elements().map(|e| e.len()), Some(3001));
    }
}
