//! The fd → key map (slab storage plus an fd index) and its read-only view.

use std::fmt;

use rustix::fd::RawFd;
use slab::Slab;

use crate::backend::{Registration, Token};
use crate::{SelectorKey, Target};

/// Where a key sits in a [`KeyMap`]: valid until the map next changes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot(usize);

/// A key and the generation its token carries.
struct Entry<F, T> {
    key: SelectorKey<F, T>,
    generation: u32,
}

/// The registrations of one selector: keys in a [`Slab`] (dense, reused slots, so iteration
/// costs O(registrations)) and an index from fd to slot.
///
/// Each registration's [`Token`] is its slot and a generation (a counter bumped at every
/// insert), so the token the kernel reports finds its key with one slab read, and a token of
/// a registration that is gone — even one whose slot was reused since — finds nothing.
pub(crate) struct KeyMap<F, T> {
    entries: Slab<Entry<F, T>>,
    by_fd: FdIndex,
    next_generation: u32,
}

impl<F, T> KeyMap<F, T> {
    pub(crate) fn new() -> Self {
        KeyMap {
            entries: Slab::new(),
            by_fd: FdIndex::default(),
            next_generation: 0,
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    #[inline]
    pub(crate) fn get(&self, fd: RawFd) -> Option<&SelectorKey<F, T>> {
        let slot = self.by_fd.get(fd)?;
        self.entries.get(slot).map(|entry| &entry.key)
    }

    #[inline]
    pub(crate) fn contains(&self, fd: RawFd) -> bool {
        self.by_fd.get(fd).is_some()
    }

    /// The key a token names, if its registration still exists.
    #[inline]
    pub(crate) fn by_token(&self, token: Token) -> Option<&SelectorKey<F, T>> {
        let (slot, generation) = split(token);
        match self.entries.get(slot) {
            Some(entry) if entry.generation == generation => Some(&entry.key),
            _ => None,
        }
    }

    /// The token the next [`insert`](Self::insert) gives its key.
    #[inline]
    pub(crate) fn next_token(&self) -> Token {
        join(self.entries.vacant_key(), self.next_generation)
    }

    /// Inserts a key whose fd (a valid number) is not in the map yet, under
    /// [`next_token`](Self::next_token). Always inlined into `register`, its one caller: a
    /// call here costs more than the insert itself.
    #[inline(always)]
    pub(crate) fn insert(&mut self, key: SelectorKey<F, T>) -> &mut SelectorKey<F, T> {
        debug_assert!(!self.contains(key.fd));
        let fd = key.fd;
        let generation = self.next_generation;
        self.next_generation = generation.wrapping_add(1);
        let slot = self.entries.insert(Entry { key, generation });
        self.by_fd.set(fd, slot);
        &mut self.entries[slot].key
    }

    /// The slot of `fd`'s key, for the `*_at` methods: one index read, however many of them
    /// follow.
    #[inline]
    pub(crate) fn find(&self, fd: RawFd) -> Option<Slot> {
        self.by_fd.get(fd).map(Slot)
    }

    /// The key in `slot` (found by [`find`](Self::find) since the map last changed).
    #[inline]
    pub(crate) fn at(&self, slot: Slot) -> &SelectorKey<F, T> {
        &self.entries[slot.0].key
    }

    /// The token of the key in `slot`.
    #[inline]
    pub(crate) fn token_at(&self, slot: Slot) -> Token {
        join(slot.0, self.entries[slot.0].generation)
    }

    /// The key in `slot`, mutably. Its fd must not be changed.
    #[inline]
    pub(crate) fn at_mut(&mut self, slot: Slot) -> &mut SelectorKey<F, T> {
        &mut self.entries[slot.0].key
    }

    /// Removes the key in `slot`.
    #[inline]
    pub(crate) fn remove_at(&mut self, slot: Slot) -> SelectorKey<F, T> {
        let key = self.entries.remove(slot.0).key;
        self.by_fd.clear(key.fd);
        key
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &SelectorKey<F, T>> {
        self.entries.iter().map(|(_, entry)| &entry.key)
    }

    /// Every registration as the backend knows it: fd, token and events.
    pub(crate) fn registrations(&self) -> impl Iterator<Item = Registration> + '_ {
        self.entries.iter().map(|(slot, entry)| Registration {
            fd: entry.key.fd,
            token: join(slot, entry.generation),
            events: entry.key.events,
        })
    }
}

/// A token from a slot and a generation: the slot in the low 32 bits.
#[inline]
fn join(slot: usize, generation: u32) -> Token {
    // Slots stay below 2^32: `FdIndex` stores them as `u32`.
    Token((u64::from(generation) << 32) | (slot as u64 & u64::from(u32::MAX)))
}

#[inline]
fn split(token: Token) -> (usize, u32) {
    (
        (token.0 & u64::from(u32::MAX)) as usize,
        (token.0 >> 32) as u32,
    )
}

/// The fd → slot index. On Unix a table indexed by fd (fds are small, dense numbers: two
/// array reads per lookup, no hashing); on Windows a hash map, since a SOCKET is a kernel
/// handle whose value may be anything.
#[derive(Default)]
struct FdIndex {
    #[cfg(unix)]
    slots: Vec<u32>,
    #[cfg(not(unix))]
    slots: std::collections::HashMap<RawFd, u32>,
}

/// Marks an unused entry of the Unix table; slots are stored as `slot + 1`.
#[cfg(unix)]
const VACANT: u32 = 0;

#[cfg(unix)]
impl FdIndex {
    #[inline]
    fn get(&self, fd: RawFd) -> Option<usize> {
        let index = usize::try_from(fd).ok()?;
        match *self.slots.get(index)? {
            VACANT => None,
            stored => Some(stored as usize - 1),
        }
    }

    /// Records `fd` (non-negative, below the fd limit: the selector checked) at `slot`.
    #[inline]
    fn set(&mut self, fd: RawFd, slot: usize) {
        let index = fd as usize;
        if index >= self.slots.len() {
            self.grow(index);
        }
        self.slots[index] = u32::try_from(slot + 1).expect("fewer than 2^32 registrations");
    }

    /// Grows the table to hold `index`: rare, so kept out of `set`'s inlined body.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, index: usize) {
        self.slots.resize(index + 1, VACANT);
    }

    #[inline]
    fn clear(&mut self, fd: RawFd) {
        if let Some(entry) = usize::try_from(fd).ok().and_then(|i| self.slots.get_mut(i)) {
            *entry = VACANT;
        }
    }
}

#[cfg(not(unix))]
impl FdIndex {
    #[inline]
    fn get(&self, fd: RawFd) -> Option<usize> {
        self.slots.get(&fd).map(|&slot| slot as usize)
    }

    #[inline]
    fn set(&mut self, fd: RawFd, slot: usize) {
        let slot = u32::try_from(slot).expect("fewer than 2^32 registrations");
        self.slots.insert(fd, slot);
    }

    #[inline]
    fn clear(&mut self, fd: RawFd) {
        self.slots.remove(&fd);
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

    /// The key registered for `target`, if any. An invalid fd is simply not found.
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

    /// No open file has this number.
    #[cfg(unix)]
    const INVALID: RawFd = -1;
    /// No open file has this number (`INVALID_SOCKET`).
    #[cfg(windows)]
    const INVALID: RawFd = RawFd::MAX;

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
        assert!(map.get(INVALID).is_none());
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

    #[test]
    fn a_token_finds_its_key_and_only_while_it_is_registered() {
        let mut map = KeyMap::new();
        let first = map.next_token();
        map.insert(key(5));
        assert_eq!(map.by_token(first).map(|k| k.fd), Some(5));
        let slot = map.find(5).expect("registered");
        assert_eq!(map.token_at(slot), first);
        map.remove_at(slot);
        assert!(map.by_token(first).is_none(), "removed");
        // The slot is reused with a new generation: the old token still finds nothing.
        let second = map.next_token();
        map.insert(key(6));
        assert_ne!(first, second);
        assert_eq!(split(first).0, split(second).0, "same slot");
        assert!(map.by_token(first).is_none(), "stale token, reused slot");
        assert_eq!(map.by_token(second).map(|k| k.fd), Some(6));
        assert!(map.by_token(Token(u64::MAX)).is_none());
        let all: Vec<_> = map.registrations().collect();
        assert_eq!(
            all,
            [Registration {
                fd: 6,
                token: second,
                events: Events::READ
            }]
        );
    }
}
