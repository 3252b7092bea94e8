//! The runner's `select` in each form the model exercises.

use std::time::Duration;

use rustix::fd::RawFd;

use super::super::model::{Outcome, Refusal};
use super::World;
use crate::{Backend, Events};

impl<B: Backend> World<B> {
    pub(super) fn select(&mut self, form: u8, expected: &Outcome) -> Outcome {
        // A pending wake ends even `select(None)` at once.
        let something_ready = matches!(expected, Outcome::Ready(ready) if !ready.is_empty())
            || self.woken_before_select;
        let mut ready: Vec<(RawFd, Events, u32)> = match form % 4 {
            1 => {
                let result = self
                    .selector
                    .select_into(Some(Duration::ZERO), &mut self.buffer);
                match result {
                    Ok(count) => {
                        assert_eq!(count, self.buffer.len(), "select_into's count");
                        let selector = &self.selector;
                        self.buffer
                            .iter()
                            .map(|&(fd, events)| {
                                let data = selector.get_key(fd).map_or(u32::MAX, |k| *k.data());
                                (fd, events, data)
                            })
                            .collect()
                    }
                    Err(err) => return Outcome::Refused(Refusal::from(&err)),
                }
            }
            2 => {
                let mut ready = Vec::new();
                let result = self
                    .selector
                    .select_with(Some(Duration::ZERO), |key, events| {
                        ready.push((key.fd(), events, *key.data()));
                    });
                match result {
                    Ok(count) => {
                        assert_eq!(count, ready.len(), "select_with's count");
                        ready
                    }
                    Err(err) => return Outcome::Refused(Refusal::from(&err)),
                }
            }
            form => {
                let timeout = if form == 3 && something_ready {
                    None
                } else {
                    Some(Duration::ZERO)
                };
                match self.selector.select(timeout) {
                    Ok(ready) => ready
                        .iter()
                        .map(|(key, events)| (key.fd(), *events, *key.data()))
                        .collect(),
                    Err(err) => return Outcome::Refused(Refusal::from(&err)),
                }
            }
        };
        ready.sort_unstable_by_key(|&(fd, _, _)| fd);
        Outcome::Ready(ready)
    }
}
