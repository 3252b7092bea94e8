//! The model of dups closed behind the selector's back (`Op::RegisterDup`, `Op::DropDup`):
//! what the selector returns, and what a kernel may keep.

use super::model::{Dup, Model, ModelKey, Outcome, Refusal, Stale};
use crate::Events;

impl Model {
    /// `Op::RegisterDup` of endpoint `e`, whose dup the runner made at
    /// [`next_dup_fd`](Model::next_dup_fd).
    pub(crate) fn register_dup(&mut self, e: usize, events: u8, data: u8) -> Outcome {
        if !self.endpoints[e].open || self.dup.is_some() {
            return Outcome::Skipped;
        }
        let fd = self.next_dup_fd;
        let events = Events::from_bits_retain(events);
        if !events.is_valid_mask() {
            // Refused: the runner closes the dup again.
            return Outcome::Refused(Refusal::InvalidEvents(events.bits()));
        }
        // A kernel that kept a registration for this very file and number has shed it now:
        // before, or when the new one collided with it (epoll's `EEXIST`, then a rebuild).
        self.stale
            .retain(|stale| !(stale.of == e && stale.fd == fd));
        let key = ModelKey {
            events,
            data: u32::from(data),
            alias: true,
        };
        self.dup = Some(Dup {
            of: e,
            fd,
            key: Some(key),
        });
        Outcome::Key(fd, events, key.data)
    }

    /// `Op::DropDup`: the dup is closed, then unregistered; the key comes back, and a kernel
    /// may keep its registration, as the endpoint's own fd keeps the file open.
    pub(crate) fn drop_dup(&mut self) -> Outcome {
        let Some(Dup {
            of,
            fd,
            key: Some(key),
        }) = self.dup.take()
        else {
            return Outcome::Skipped;
        };
        self.stale.push(Stale {
            of,
            fd,
            events: key.events,
        });
        Outcome::Key(fd, key.events, key.data)
    }
}

/// Whether `kernel` (an interest list, sorted) holds exactly the `live` registrations and,
/// besides, only some of `stale`, each at most once: the check for a backend whose kernel
/// keeps closed dups' registrations until it sheds them.
pub(crate) fn holds_live_and_some_stale(
    kernel: &[(rustix::fd::RawFd, Events)],
    live: &[(rustix::fd::RawFd, Events)],
    stale: &[Stale],
) -> bool {
    let mut rest = kernel.to_vec();
    for entry in live {
        match rest.iter().position(|held| held == entry) {
            Some(i) => {
                rest.remove(i);
            }
            None => return false,
        }
    }
    let mut candidates: Vec<_> = stale.iter().map(|s| (s.fd, s.events)).collect();
    rest.into_iter()
        .all(|held| match candidates.iter().position(|c| *c == held) {
            Some(i) => {
                candidates.remove(i);
                true
            }
            None => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_may_hold_some_stale_registrations_but_nothing_else() {
        let live = [(5, Events::READ), (7, Events::WRITE)];
        let stale = [
            Stale {
                of: 0,
                fd: 9,
                events: Events::READ,
            },
            Stale {
                of: 1,
                fd: 7,
                events: Events::READ,
            },
        ];
        let check = |kernel: &[_]| holds_live_and_some_stale(kernel, &live, &stale);
        assert!(check(&[(5, Events::READ), (7, Events::WRITE)]));
        assert!(check(&[
            (5, Events::READ),
            (7, Events::READ),
            (7, Events::WRITE)
        ]));
        assert!(check(&[
            (5, Events::READ),
            (7, Events::WRITE),
            (9, Events::READ)
        ]));
        assert!(!check(&[(5, Events::READ)]), "a live registration missing");
        assert!(!check(&[
            (5, Events::READ),
            (7, Events::WRITE),
            (8, Events::READ)
        ]));
        assert!(!check(&[
            (5, Events::READ),
            (7, Events::WRITE),
            (9, Events::READ),
            (9, Events::READ)
        ]));
    }
}
