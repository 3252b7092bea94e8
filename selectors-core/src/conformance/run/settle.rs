//! Loopback TCP, the pairs of a Windows model world, delivers a write or a close a little
//! after the call returns; `AF_UNIX` delivers it before. On Windows the runner waits for the
//! delivery, so the model's rules (readable as soon as data or a hang-up waits; a read gets
//! every byte written) hold when the next operation runs.

use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags};

use super::super::model::Outcome;
use super::super::support::PATIENCE;
use super::{World, drain};
use crate::Backend;

impl<B: Backend> World<B> {
    /// On Windows, waits until endpoint `e`, if it is open, is readable: the write to it or
    /// the close of its peer has arrived. Nothing to wait for on Unix.
    pub(super) fn settle(&self, e: usize) {
        if cfg!(unix) || !self.model.endpoints[e].open {
            return;
        }
        let mut fds = [PollFd::new(self.socket(e), PollFlags::IN)];
        let timeout = rustix::event::Timespec::try_from(PATIENCE).expect("a small timeout");
        let ready = rustix::event::poll(&mut fds, Some(&timeout)).expect("poll");
        assert_eq!(
            ready, 1,
            "endpoint {e}: a write or close did not arrive in {PATIENCE:?}"
        );
    }

    /// `Op::Read`: everything waiting for endpoint `e`. On Windows the bytes the model
    /// expects are waited for (some may still be in flight: `settle` only knows the socket
    /// became readable), then whatever else waits is read too, for the check to see.
    pub(super) fn read(&self, e: usize, expected: &Outcome) -> Vec<u8> {
        let socket = self.socket(e);
        let mut bytes = drain(socket);
        if let (true, Outcome::Bytes(want)) = (cfg!(windows), expected) {
            let deadline = Instant::now() + PATIENCE;
            while bytes.len() < want.len() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
                bytes.extend(drain(socket));
            }
        }
        bytes
    }
}
