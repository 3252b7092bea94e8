//! The runner's check after every operation: the map, and the backend's interest list,
//! against the model.

use rustix::fd::RawFd;

use super::super::dups::holds_live_and_some_stale;
use super::super::registrations;
use super::World;
use crate::{Backend, Events, Token};

impl<B: Backend> World<B> {
    /// The map and the interest list against the model.
    pub(super) fn check_state(&self) -> Result<(), String> {
        let expected = self.model.registrations();
        let map = registrations(&self.selector);
        if map != expected {
            return Err(format!("the map holds {map:?}, the model {expected:?}"));
        }
        if let Some(kernel) = (self.view)(self.selector.backend().inner()) {
            let mut expected: Vec<(RawFd, Events)> = expected
                .iter()
                .map(|&(fd, events, _)| (fd, events))
                .collect();
            // The waker's fd, where it is one, is registered for READ like any fd.
            if let Some(fd) = self.selector.backend().fd_of(Token::WAKER) {
                expected.push((fd, Events::READ));
                expected.sort_unstable();
            }
            // A kernel that keeps closed dups' registrations may still hold some of them.
            let agrees = if B::MAY_REPORT_STALE {
                holds_live_and_some_stale(&kernel, &expected, &self.model.stale)
            } else {
                kernel == expected
            };
            if !agrees {
                return Err(format!(
                    "the {} interest list holds {kernel:?}, the model {expected:?} (and may \
                     still hold {:?})",
                    self.selector.backend_name(),
                    self.model.stale
                ));
            }
        }
        Ok(())
    }
}
