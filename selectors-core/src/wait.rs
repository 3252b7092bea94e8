//! The wait loop: result masking, the EINTR retry against a monotonic deadline (PEP 475),
//! waiting again after a clamped timeout, and shedding registrations the kernel kept but the
//! selector no longer holds.

use std::io;
use std::time::{Duration, Instant};

use crate::map::KeyMap;
use crate::waker::WakerShared;
use crate::{Backend, Error, Events, RawFd, Registration, Reset, Result, SelectorKey, Token};

/// The caller's check run on every `EINTR` (see `BaseSelector::set_interrupt_check`).
pub(crate) type InterruptCheck = Box<dyn FnMut() -> io::Result<()> + Send>;

/// Waits on `backend` and calls `on_ready` for every ready key, with the kernel's events
/// masked by the key's events (a result is never empty). Returns how many keys were ready.
///
/// - `EINTR`: run the interrupt check, then retry with the time left until the deadline
///   (measured on the monotonic clock); past the deadline, return no events. The same rule as
///   CPython's C layer (`select_epoll_poll_impl` and friends).
/// - A wait that ends with nothing for the caller before the deadline (the backend clamped a
///   long timeout, or reported only registrations that are gone) waits again for the rest: a
///   positive timeout never returns early.
/// - A token the map does not know is a registration the kernel kept after the selector let
///   go of it (epoll(7) Q6: a closed fd whose file a `dup` keeps open). It is never reported;
///   the backend rebuilds its registrations from the map once, so it cannot come back and
///   make every later `select` return at once (CPython's busy loop, bpo-30014's cousin).
#[inline]
pub(crate) fn wait_loop<'m, B: Backend, F, T>(
    backend: &mut B,
    map: &'m KeyMap<F, T>,
    interrupt_check: &mut Option<InterruptCheck>,
    waker: Option<&WakerShared>,
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
    // After a batch that held stale registrations (which may have taken the room of live
    // events) the wait is made again at once: after the rebuild those events are there
    // (level-triggered). Once per call, so a backend that kept reporting stale tokens could
    // not spin here.
    let mut retried = false;
    let mut at_once = false;
    // The waker fired in this call: `select` returns after this wait, whatever it found.
    let mut woken = false;
    loop {
        let mut delivered = 0_usize;
        let mut stale = false;
        let mut woke_now = false;
        let wait_for = if at_once {
            Some(Duration::ZERO)
        } else {
            remaining
        };
        at_once = false;
        let waited = if B::MAY_REPORT_STALE {
            // Check the batch first, and deliver it only if it holds no stale token: stale
            // registrations may have taken the room of live ones, so such a batch is not
            // handed out half; the backend rebuilds and the wait is made again.
            let waited = backend.wait(wait_for, |token, _| {
                if token == Token::WAKER {
                    woke_now = true;
                } else {
                    stale |= map.by_token(token).is_none();
                }
            });
            if waited.is_ok() && !stale {
                backend.replay(|token, events| {
                    if token != Token::WAKER {
                        deliver(map, token, events, &mut on_ready, &mut delivered);
                    }
                });
            }
            waited
        } else {
            backend.wait(wait_for, |token, events| {
                if token == Token::WAKER {
                    woke_now = true;
                } else {
                    stale |= !deliver(map, token, events, &mut on_ready, &mut delivered);
                }
            })
        };
        match waited {
            Ok(()) => {
                if let (true, Some(waker)) = (woke_now, waker) {
                    let (reset, requested) = waker.reset();
                    woken |= requested;
                    if let Reset::Replaced { old } = reset.map_err(Error::Os)? {
                        watch_replaced_waker(backend, waker, old)?;
                    }
                }
                if stale {
                    backend.rebuild(live(map, waker)).map_err(Error::Os)?;
                    if !retried && delivered == 0 {
                        (retried, at_once) = (true, true);
                        continue;
                    }
                }
                if delivered > 0 || polling || woken {
                    return Ok(delivered);
                }
            }
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

/// Hands one reported event to `on_ready`, masked by its key's events, if the token names a
/// registration; returns whether it did.
#[inline]
fn deliver<'m, F, T>(
    map: &'m KeyMap<F, T>,
    token: Token,
    events: Events,
    on_ready: &mut impl FnMut(&'m SelectorKey<F, T>, Events),
    delivered: &mut usize,
) -> bool {
    let Some(key) = map.by_token(token) else {
        return false;
    };
    let events = events & key.events;
    if !events.is_empty() {
        *delivered += 1;
        on_ready(key, events);
    }
    true
}

/// After the waker's source replaced its broken fd (`old`): the backend stops watching `old`
/// and watches the new fd under [`Token::WAKER`]. The source keeps `old` open until then, so
/// the delete names the socket it registered.
#[cold]
fn watch_replaced_waker<B: Backend>(
    backend: &mut B,
    waker: &WakerShared,
    old: RawFd,
) -> Result<()> {
    let _ignored = backend.delete(old, Token::WAKER, Events::READ);
    waker
        .source
        .lend_fd(&mut |fd| backend.add(fd, Token::WAKER, Events::READ))
        .map_err(Error::Os)
}

/// Every registration the backend must hold: the map's, and the waker's fd if it has one.
pub(crate) fn live<'a, F, T>(
    map: &'a KeyMap<F, T>,
    waker: Option<&WakerShared>,
) -> impl Iterator<Item = Registration> + 'a {
    let waker = waker.and_then(WakerShared::fd).map(|fd| Registration {
        fd,
        token: Token::WAKER,
        events: Events::READ,
    });
    map.registrations().chain(waker)
}
