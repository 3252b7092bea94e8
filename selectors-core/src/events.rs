//! The event mask: Python's `EVENT_READ` and `EVENT_WRITE` as bitflags.

use bitflags::bitflags;

bitflags! {
    /// The events a registration asks for, or that `select` reports.
    ///
    /// Python's `EVENT_READ` is [`Events::READ`] and `EVENT_WRITE` is [`Events::WRITE`]; the
    /// only valid registration masks are `READ`, `WRITE` and `READ | WRITE`. A mask built with
    /// [`Events::from_bits_retain`] may carry other bits; `register` and `modify` reject it
    /// with [`Error::InvalidEvents`](crate::Error::InvalidEvents).
    ///
    /// ```
    /// use selectors_core::{Events, EVENT_READ, EVENT_WRITE};
    ///
    /// let both = EVENT_READ | EVENT_WRITE;
    /// assert!(both.contains(Events::READ));
    /// assert_eq!(both.bits(), 3);
    /// assert!(Events::from_bits_retain(4).is_valid_mask() == false);
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
    pub struct Events: u8 {
        /// The file descriptor is readable (Python's `EVENT_READ`, `1 << 0`).
        const READ = 1 << 0;
        /// The file descriptor is writable (Python's `EVENT_WRITE`, `1 << 1`).
        const WRITE = 1 << 1;
    }
}

/// Python's `selectors.EVENT_READ`.
pub const EVENT_READ: Events = Events::READ;
/// Python's `selectors.EVENT_WRITE`.
pub const EVENT_WRITE: Events = Events::WRITE;

impl Events {
    /// Whether this mask is valid for `register` or `modify`: not empty, and no bit outside
    /// `READ | WRITE`.
    #[inline]
    #[must_use]
    pub const fn is_valid_mask(self) -> bool {
        let bits = self.bits();
        bits != 0 && bits & !Self::all().bits() == 0
    }

    /// Translates a kernel readiness word into events with Python's rule
    /// (`Lib/selectors.py`, `_PollLikeSelector.select`): any bit other than `in_flag` counts
    /// as WRITE and any bit other than `out_flag` counts as READ.
    ///
    /// So `IN` alone is READ, `OUT` alone is WRITE, and a hang-up, error or invalid-fd bit
    /// (`POLLHUP`, `POLLERR`, `POLLNVAL`, `EPOLLPRI`, ...) is `READ | WRITE`. The caller then
    /// masks the result with the key's events, which removes the half that was not asked for
    /// (gh-106686).
    ///
    /// ```
    /// use selectors_core::Events;
    /// const IN: u32 = 0x1;
    /// const OUT: u32 = 0x4;
    /// const HUP: u32 = 0x10;
    /// assert_eq!(Events::from_kernel(IN, IN, OUT), Events::READ);
    /// assert_eq!(Events::from_kernel(OUT, IN, OUT), Events::WRITE);
    /// assert_eq!(Events::from_kernel(OUT | HUP, IN, OUT), Events::READ | Events::WRITE);
    /// assert_eq!(Events::from_kernel(0, IN, OUT), Events::empty());
    /// ```
    #[inline]
    #[must_use]
    pub const fn from_kernel(flags: u32, in_flag: u32, out_flag: u32) -> Events {
        let mut bits = 0;
        if flags & !in_flag != 0 {
            bits |= Self::WRITE.bits();
        }
        if flags & !out_flag != 0 {
            bits |= Self::READ.bits();
        }
        Events::from_bits_retain(bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_masks_are_exactly_one_two_three() {
        for bits in 0..=u8::MAX {
            let valid = Events::from_bits_retain(bits).is_valid_mask();
            assert_eq!(valid, matches!(bits, 1..=3), "bits {bits}");
        }
    }

    #[test]
    fn kernel_flags_follow_pythons_rule() {
        const IN: u32 = 0x1;
        const PRI: u32 = 0x2;
        const OUT: u32 = 0x4;
        const ERR: u32 = 0x8;
        assert_eq!(Events::from_kernel(IN | OUT, IN, OUT), Events::all());
        assert_eq!(Events::from_kernel(PRI, IN, OUT), Events::all());
        assert_eq!(Events::from_kernel(ERR, IN, OUT), Events::all());
        assert_eq!(Events::from_kernel(IN | ERR, IN, OUT), Events::all());
    }
}
