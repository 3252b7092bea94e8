//! The W5 implementations: a loop that blocks with no timeout and the waker that ends its
//! wait, for the raw floors, our backends, mio and polling. Nothing else is registered.
//!
//! - Raw floors, over an `eventfd`: **raw epoll** registers it edge-triggered, so a wake is
//!   one `write` and the return needs no `read` (every write is a new edge; the counter never
//!   comes near overflow); **raw epoll (level: read)** registers it level-triggered and reads
//!   it after each return, the least a level-triggered loop can do; **raw poll** and **raw
//!   select** have no edge mode and read it likewise.
//! - Ours: `BaseSelector::waker()` and `select(None)`: `wake` makes one `write` (an atomic
//!   swap keeps the wakes until the next return from making more); on epoll the eventfd is
//!   edge-triggered and nothing is read, on poll and select the return reads it.
//! - mio: a `mio::Waker` registered with the `Poll` (an eventfd, edge-triggered as all of
//!   mio's registrations) and `Poll::poll(None)`.
//! - polling: `Poller::notify` and `Poller::wait(None)`, which also re-arms its timerfd
//!   before the wait and reads and re-arms its notifier after it.

use std::num::NonZeroUsize;
use std::sync::Arc;

use rustix::buffer::spare_capacity;
use rustix::event::epoll::{self, CreateFlags, EventData, EventFlags};
use rustix::event::{EventfdFlags, FdSetElement, PollFd, PollFlags, eventfd, fd_set_insert};
use rustix::event::{fd_set_num_elements, poll};
use rustix::fd::{AsRawFd, OwnedFd};
use rustix::io::Errno;
use selectors_core::{Backend, BaseSelector};

use super::w5::{WakeImp, WakeLoop};

/// A non-blocking eventfd, shared by the loop and its waker.
fn new_eventfd() -> Arc<OwnedFd> {
    Arc::new(eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK).expect("eventfd"))
}

/// Adds one to the eventfd's counter: the wake.
#[inline]
fn signal(fd: &OwnedFd) {
    rustix::io::write(fd, &1_u64.to_ne_bytes()).expect("write the eventfd");
}

/// Resets the eventfd's counter after a level-triggered wait reported it.
#[inline]
fn drain(fd: &OwnedFd) {
    let mut counter = [0_u8; 8];
    match rustix::io::read(fd, &mut counter) {
        Ok(_) | Err(Errno::AGAIN) => {}
        Err(err) => panic!("read the eventfd: {err}"),
    }
}

/// The raw epoll floor: the eventfd registered edge-triggered (`LEVEL`: level-triggered, and
/// read after each return).
pub(crate) struct RawEpollWake<const LEVEL: bool> {
    epoll: OwnedFd,
    events: Vec<epoll::Event>,
    eventfd: Arc<OwnedFd>,
}

impl<const LEVEL: bool> WakeLoop for RawEpollWake<LEVEL> {
    type Waker = Arc<OwnedFd>;

    fn new() -> (Self, Arc<OwnedFd>) {
        let epoll = epoll::create(CreateFlags::CLOEXEC).expect("epoll_create1");
        let fd = new_eventfd();
        let flags = if LEVEL {
            EventFlags::IN
        } else {
            EventFlags::IN | EventFlags::ET
        };
        epoll::add(&epoll, &*fd, EventData::new_u64(0), flags).expect("epoll_ctl");
        let event_loop = RawEpollWake {
            epoll,
            events: Vec::with_capacity(8),
            eventfd: Arc::clone(&fd),
        };
        (event_loop, fd)
    }

    #[inline]
    fn wait(&mut self) {
        loop {
            self.events.clear();
            match epoll::wait(&self.epoll, spare_capacity(&mut self.events), None) {
                Ok(n) if n > 0 => break,
                Ok(_) | Err(Errno::INTR) => {}
                Err(err) => panic!("epoll_wait: {err}"),
            }
        }
        if LEVEL {
            drain(&self.eventfd);
        }
    }

    #[inline]
    fn wake(waker: &Arc<OwnedFd>) {
        signal(waker);
    }
}

/// The raw poll floor: `poll` on the eventfd, then a `read`.
#[derive(Debug)]
pub(crate) struct RawPollWake {
    eventfd: Arc<OwnedFd>,
}

impl WakeLoop for RawPollWake {
    type Waker = Arc<OwnedFd>;

    fn new() -> (Self, Arc<OwnedFd>) {
        let eventfd = new_eventfd();
        let event_loop = RawPollWake {
            eventfd: Arc::clone(&eventfd),
        };
        (event_loop, eventfd)
    }

    #[inline]
    fn wait(&mut self) {
        let mut fds = [PollFd::new(&*self.eventfd, PollFlags::IN)];
        loop {
            match poll(&mut fds, None) {
                Ok(n) if n > 0 => break,
                Ok(_) | Err(Errno::INTR) => {}
                Err(err) => panic!("poll: {err}"),
            }
        }
        drain(&self.eventfd);
    }

    #[inline]
    fn wake(waker: &Arc<OwnedFd>) {
        signal(waker);
    }
}

/// The raw select floor: `select` on the eventfd, then a `read`.
pub(crate) struct RawSelectWake {
    eventfd: Arc<OwnedFd>,
    set: Vec<FdSetElement>,
}

impl WakeLoop for RawSelectWake {
    type Waker = Arc<OwnedFd>;

    fn new() -> (Self, Arc<OwnedFd>) {
        let eventfd = new_eventfd();
        let raw = eventfd.as_raw_fd();
        let elements = fd_set_num_elements(raw as usize + 1, raw + 1);
        let event_loop = RawSelectWake {
            eventfd: Arc::clone(&eventfd),
            set: vec![FdSetElement::default(); elements],
        };
        (event_loop, eventfd)
    }

    #[inline]
    fn wait(&mut self) {
        let raw = self.eventfd.as_raw_fd();
        loop {
            self.set.fill(FdSetElement::default());
            fd_set_insert(&mut self.set, raw);
            // SAFETY: the set holds only the eventfd, which this loop keeps open.
            match unsafe { rustix::event::select(raw + 1, Some(&mut self.set), None, None, None) } {
                Ok(n) if n > 0 => break,
                Ok(_) | Err(Errno::INTR) => {}
                Err(err) => panic!("select: {err}"),
            }
        }
        drain(&self.eventfd);
    }

    #[inline]
    fn wake(waker: &Arc<OwnedFd>) {
        signal(waker);
    }
}

/// One of our backends: a selector with nothing registered and its waker.
#[derive(Debug)]
pub(crate) struct Ours<B: Backend> {
    selector: BaseSelector<B, OwnedFd, ()>,
}

impl<B: Backend> WakeLoop for Ours<B> {
    type Waker = selectors_core::Waker;

    fn new() -> (Self, selectors_core::Waker) {
        let mut selector = BaseSelector::new().expect("create the selector");
        let waker = selector.waker().expect("create the waker");
        (Ours { selector }, waker)
    }

    #[inline]
    fn wait(&mut self) {
        let ready = self.selector.select(None).expect("select");
        debug_assert!(ready.is_empty(), "nothing but the waker is registered");
    }

    #[inline]
    fn wake(waker: &selectors_core::Waker) {
        waker.wake().expect("wake");
    }
}

/// The token of mio's waker.
const MIO_WAKER: mio::Token = mio::Token(0);

/// mio: a `Poll` with a `mio::Waker` registered.
#[derive(Debug)]
pub(crate) struct MioWake {
    poll: mio::Poll,
    events: mio::Events,
}

impl WakeLoop for MioWake {
    type Waker = mio::Waker;

    fn new() -> (Self, mio::Waker) {
        let poll = mio::Poll::new().expect("mio::Poll::new");
        let waker = mio::Waker::new(poll.registry(), MIO_WAKER).expect("mio::Waker::new");
        let events = mio::Events::with_capacity(8);
        (MioWake { poll, events }, waker)
    }

    #[inline]
    fn wait(&mut self) {
        loop {
            match self.poll.poll(&mut self.events, None) {
                Ok(()) if self.events.iter().any(|e| e.token() == MIO_WAKER) => return,
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => panic!("mio poll: {err}"),
            }
        }
    }

    #[inline]
    fn wake(waker: &mio::Waker) {
        waker.wake().expect("mio::Waker::wake");
    }
}

/// polling: a `Poller`, shared with the thread that notifies it.
#[derive(Debug)]
pub(crate) struct PollingWake {
    poller: Arc<polling::Poller>,
    events: polling::Events,
}

impl WakeLoop for PollingWake {
    type Waker = Arc<polling::Poller>;

    fn new() -> (Self, Arc<polling::Poller>) {
        let poller = Arc::new(polling::Poller::new().expect("Poller::new"));
        let events = polling::Events::with_capacity(NonZeroUsize::new(8).expect("not zero"));
        let event_loop = PollingWake {
            poller: Arc::clone(&poller),
            events,
        };
        (event_loop, poller)
    }

    #[inline]
    fn wait(&mut self) {
        // `wait` returns once notified (or retries an interrupted wait itself); nothing else
        // is registered to end it.
        self.events.clear();
        self.poller
            .wait(&mut self.events, None)
            .expect("Poller::wait");
    }

    #[inline]
    fn wake(waker: &Arc<polling::Poller>) {
        waker.notify().expect("Poller::notify");
    }
}

/// Declares a [`WakeImp`] family.
macro_rules! wake_family {
    ($family:ident, $name:literal, $floor:literal, $loop:ty) => {
        #[doc = concat!("W5: ", $name, ".")]
        #[derive(Debug)]
        pub(crate) enum $family {}

        impl WakeImp for $family {
            const NAME: &'static str = $name;
            const FLOOR: &'static str = $floor;
            type Loop = $loop;
        }
    };
}

wake_family!(
    RawEpollWakeImp,
    "raw epoll",
    "raw epoll",
    RawEpollWake<false>
);
wake_family!(
    RawEpollLevelWakeImp,
    "raw epoll (level: read)",
    "raw epoll",
    RawEpollWake<true>
);
wake_family!(
    EpollWakeImp,
    "epoll",
    "raw epoll",
    Ours<selectors_epoll::EpollBackend>
);
wake_family!(MioWakeImp, "mio (Waker)", "raw epoll", MioWake);
wake_family!(PollingWakeImp, "polling (notify)", "raw epoll", PollingWake);
wake_family!(RawPollWakeImp, "raw poll", "raw poll", RawPollWake);
wake_family!(
    PollWakeImp,
    "poll",
    "raw poll",
    Ours<selectors_poll::PollBackend>
);
wake_family!(RawSelectWakeImp, "raw select", "raw select", RawSelectWake);
wake_family!(
    SelectWakeImp,
    "select",
    "raw select",
    Ours<selectors_select::SelectBackend>
);
