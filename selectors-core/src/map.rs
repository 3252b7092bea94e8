//! The fd → key map (slab storage plus an fd-indexed table) and its read-only view.

use std::fmt;

use rustix::fd::RawFd;
use slab::Slab;

use crate::{SelectorKey, Target};

/// Marks an unused slot of the fd table; slab indices are stored as `index + 1`.
const VACANT: u32 = 0;

/// Where a key sits in a [`KeyMap`]: valid until the map next changes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot(usize);

/// The registrations of one selector: keys in a [`Slab`] (dense, reused slots, so iteration
/// costs O(registrations)) and a table indexed by fd holding each key's slab slot, so every
/// lookup is two array reads: O(1), no hashing.
pub(crate) struct KeyMap<F, T> {
    keys: Slab<SelectorKey<F, T>>,
    slot_by_fd: Vec<u32>,
}

impl<F, T> KeyMap<F, T> {
    pub(crate) fn new() -> Self {
        KeyMap {
            keys: Slab::new(),
            slot_by_fd: Vec::new(),
        }
    }

    #[inline]
    fn slot(&self, fd: RawFd) -> Option<usize> {
        let index = usize::try_from(fd).ok()?;
        match *self.slot_by_fd.get(index)? {
            VACANT => None,
            stored => Some(stored as usize - 1),
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    #[inline]
    pub(crate) fn get(&self, fd: RawFd) -> Option<&SelectorKey<F, T>> {
        let slot = self.slot(fd)?;
        self.keys.get(slot)
    }

    #[inline]
    pub(crate) fn contains(&self, fd: RawFd) -> bool {
        self.slot(fd).is_some()
    }

    /// Inserts a key whose fd (non-negative) is not in the map yet. Always inlined into
    /// `register`, its one caller: a call here costs more than the insert itself.
    #[inline(always)]
    pub(crate) fn insert(&mut self, key: SelectorKey<F, T>) -> &mut SelectorKey<F, T> {
        let index = usize::try_from(key.fd).expect("the selector checks fds are non-negative");
        debug_assert!(!self.contains(key.fd));
        if index >= self.slot_by_fd.len() {
            self.grow_table(index);
        }
        let slot = self.keys.insert(key);
        self.slot_by_fd[index] = u32::try_from(slot + 1).expect("fewer than 2^32 registrations");
        &mut self.keys[slot]
    }

    /// Grows the fd table to hold `index`: rare, so kept out of `insert`'s inlined body.
    #[cold]
    #[inline(never)]
    fn grow_table(&mut self, index: usize) {
        self.slot_by_fd.resize(index + 1, VACANT);
    }

    /// The slot of `fd`'s key, for the `*_at` methods: one table read, however many of them
    /// follow.
    #[inline]
    pub(crate) fn find(&self, fd: RawFd) -> Option<Slot> {
        self.slot(fd).map(Slot)
    }

    /// The key in `slot` (found by [`find`](Self::find) since the map last changed).
    #[inline]
    pub(crate) fn at(&self, slot: Slot) -> &SelectorKey<F, T> {
        &self.keys[slot.0]
    }

    /// The key in `slot`, mutably. Its fd must not be changed.
    #[inline]
    pub(crate) fn at_mut(&mut self, slot: Slot) -> &mut SelectorKey<F, T> {
        &mut self.keys[slot.0]
    }

    /// Removes the key in `slot`.
    #[inline]
    pub(crate) fn remove_at(&mut self, slot: Slot) -> SelectorKey<F, T> {
        let key = self.keys.remove(slot.0);
        self.slot_by_fd[key.fd as usize] = VACANT;
        key
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &SelectorKey<F, T>> {
        self.keys.iter().map(|(_, key)| key)
    }
}

/// A read-only view of a selector's registrations, keyed by fd (Python's `get_map()`).
///
/// Lookups accept anything that names an fd ([`Target`]): the fd number or the file object.
/// Iteration yields `(fd, &key)` pairs; [`keys`](SelectorMap::keys) yields the fds, as
/// iterating Python's mapping does.
pub struct SelectorMap<'a, F, T = ()> {
    pub(crate) map: &'a KeyMap<F, T>,
}

impl<F, T> Clone for SelectorMap<'_, F, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F, T> Copy for SelectorMap<'_, F, T> {}

impl<'a, F, T> SelectorMap<'a, F, T> {
    /// The number of registrations.
    #[inline]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing is registered.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.map.len() == 0
    }

    /// The key registered for `target`, if any. A negative fd is simply not found.
    #[inline]
    pub fn get(&self, target: impl Target) -> Option<&'a SelectorKey<F, T>> {
        self.map.get(target.target_fd())
    }

    /// Whether `target` is registered.
    #[inline]
    pub fn contains(&self, target: impl Target) -> bool {
        self.map.contains(target.target_fd())
    }

    /// Every registration as `(fd, key)`, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (RawFd, &'a SelectorKey<F, T>)> + 'a {
        self.map.iter().map(|key| (key.fd, key))
    }

    /// The registered fds, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = RawFd> + 'a {
        self.map.iter().map(|key| key.fd)
    }

    /// The registered keys, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &'a SelectorKey<F, T>> + 'a {
        self.map.iter()
    }
}

impl<F: fmt::Debug, T: fmt::Debug> fmt::Debug for SelectorMap<'_, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Events;

    fn key(fd: RawFd) -> SelectorKey<(), u32> {
        SelectorKey {
            fileobj: (),
            fd,
            events: Events::READ,
            data: fd as u32,
        }
    }

    #[test]
    fn insert_get_remove_reuse() {
        let mut map = KeyMap::new();
        map.insert(key(5));
        map.insert(key(0));
        map.insert(key(900));
        assert_eq!(map.len(), 3);
        assert_eq!(map.get(900).map(|k| k.data), Some(900));
        assert!(map.get(-1).is_none());
        assert!(map.get(6).is_none());
        assert!(map.get(100_000).is_none());
        let five = map.find(5).expect("5 is in the map");
        assert_eq!(map.at(five).fd, 5);
        assert_eq!(map.remove_at(five).fd, 5);
        assert!(map.find(5).is_none());
        map.insert(key(7));
        assert_eq!(map.get(7).map(|k| k.data), Some(7));
        let mut fds: Vec<_> = map.iter().map(|k| k.fd).collect();
        fds.sort();
        assert_eq!(fds, [0, 7, 900]);
    }
}
