//! The wait loop: result masking, the EINTR retry against a monotonic deadline (PEP 475), and
//! waiting again after a clamped timeout.

use std::io;
use std::time::{Duration, Instant};

use crate::map::KeyMap;
use crate::{Backend, Error, Events, Result, SelectorKey};

/// The caller's check run on every `EINTR` (see `BaseSelector::set_interrupt_check`).
pub(crate) type InterruptCheck = Box<dyn FnMut() -> io::Result<()> + Send>;

/// Waits on `backend` and calls `on_ready` for every ready key, with the kernel's events
/// masked by the key's events (a result is never empty). Returns how many keys were ready.
///
/// - `EINTR`: run the interrupt check, then retry with the time left until the deadline
///   (measured on the monotonic clock); past the deadline, return no events. The same rule as
///   CPython's C layer (`select_epoll_poll_impl` and friends).
/// - A wait that ends with nothing reported before the deadline (the backend clamped a long
///   timeout) waits again for the rest; a timeout never returns early.
/// - A wait that reported only fds missing from the map returns no events, as Python does,
///   rather than spinning inside `select`.
#[inline]
pub(crate) fn wait_loop<'m, B: Backend, F, T>(
    backend: &mut B,
    map: &'m KeyMap<F, T>,
    interrupt_check: &mut Option<InterruptCheck>,
    timeout: Option<Duration>,
    mut on_ready: impl FnMut(&'m SelectorKey<F, T>, Events),
) -> Result<usize> {
    let polling = timeout == Some(Duration::ZERO);
    // No clock read for the common cases (poll without waiting, block forever). A timeout so
    // large that the deadline overflows `Instant` is waited in clamped chunks forever.
    let deadline = match timeout {
        Some(timeout) if !polling => Instant::now().checked_add(timeout),
        _ => None,
    };
    let mut remaining = timeout;
    loop {
        let mut reported = 0_usize;
        let mut delivered = 0_usize;
        let waited = backend.wait(remaining, |fd, events| {
            reported += 1;
            if let Some(key) = map.get(fd) {
                let events = events & key.events;
                if !events.is_empty() {
                    delivered += 1;
                    on_ready(key, events);
                }
            }
        });
        match waited {
            Ok(()) if reported > 0 || polling => return Ok(delivered),
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {
                if let Some(check) = interrupt_check.as_mut() {
                    check().map_err(Error::Os)?;
                }
                if polling {
                    return Ok(0);
                }
            }
            Err(err) => return Err(Error::Os(err)),
        }
        if let Some(deadline) = deadline {
            let now = Instant::now();
            if now >= deadline {
                return Ok(0);
            }
            remaining = Some(deadline - now);
        }
    }
}
