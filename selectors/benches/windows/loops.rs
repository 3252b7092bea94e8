//! The event loops the Windows benchmark measures: ours (select and poll through
//! `BaseSelector`), the floors (a hand-written Winsock `select` and a `WSAPoll` loop: the
//! least work each call allows), polling and mio (both IOCP with AFD). Each reports the token of every
//! socket ready for reading; the workload does the I/O.

use std::net::TcpStream;
use std::os::windows::io::AsRawSocket;
use std::time::Duration;

use rustix::event::{FdSetElement, PollFd, PollFlags};
use rustix::fd::{AsFd, BorrowedFd};
use selectors::{Backend, BaseSelector, EVENT_READ};

/// One event loop over sockets registered for reading.
pub(crate) trait Wait {
    /// Waits (`None` blocks) and calls `ready` with each ready socket's index.
    fn wait(&mut self, timeout: Option<Duration>, ready: &mut dyn FnMut(usize));
}

/// The loops, in the order of the tables: each floor, then what it is the floor of.
pub(crate) const LOOPS: [&str; 6] = [
    "raw select",
    "select",
    "raw WSAPoll",
    "poll",
    "polling",
    "mio (re-armed)",
];

/// The floor each loop's ratio is taken against (polling's and mio's: select's).
pub(crate) const FLOOR_OF: [usize; 6] = [0, 0, 2, 2, 0, 0];

/// A new loop `LOOPS[i]` over `sockets`, each registered for reading.
pub(crate) fn make<'s>(i: usize, sockets: &'s [TcpStream]) -> Box<dyn Wait + 's> {
    match i {
        0 => Box::new(RawSelect::new(sockets)),
        1 => Box::new(Ours::<selectors::SelectBackend>::new(sockets)),
        2 => Box::new(RawPoll::new(sockets)),
        3 => Box::new(Ours::<selectors::PollBackend>::new(sockets)),
        4 => Box::new(Polling::new(sockets)),
        _ => Box::new(Mio::new(sockets)),
    }
}

/// Our backend `B` through `BaseSelector::select_with`.
pub(crate) struct Ours<'s, B>(BaseSelector<B, BorrowedFd<'s>, usize>);

impl<'s, B: Backend> Ours<'s, B> {
    fn new(sockets: &'s [TcpStream]) -> Self {
        let mut selector = BaseSelector::new().expect("selector");
        for (i, socket) in sockets.iter().enumerate() {
            selector
                .register(socket.as_fd(), EVENT_READ, i)
                .expect("register");
        }
        Ours(selector)
    }
}

impl<B: Backend> Wait for Ours<'_, B> {
    fn wait(&mut self, timeout: Option<Duration>, ready: &mut dyn FnMut(usize)) {
        self.0
            .select_with(timeout, |key, _| ready(*key.data()))
            .expect("select");
    }
}

/// The floor for select: a Winsock `fd_set` (a count, then the sockets) written once,
/// copied into a scratch set for each call.
pub(crate) struct RawSelect {
    set: Vec<u64>,
    scratch: Vec<u64>,
    index: std::collections::HashMap<u64, usize>,
}

impl RawSelect {
    fn new(sockets: &[TcpStream]) -> Self {
        let mut set = vec![sockets.len() as u64];
        set.extend(sockets.iter().map(AsRawSocket::as_raw_socket));
        let index = set[1..].iter().enumerate().map(|(i, &s)| (s, i)).collect();
        RawSelect {
            scratch: set.clone(),
            set,
            index,
        }
    }
}

impl Wait for RawSelect {
    fn wait(&mut self, timeout: Option<Duration>, ready: &mut dyn FnMut(usize)) {
        self.scratch.copy_from_slice(&self.set);
        let timeout = selectors_core::timeout::timespec_micros(timeout);
        // SAFETY: `FdSetElement` is a `#[repr(transparent)]` `u64` on 64-bit Windows, so the
        // scratch words are a valid slice of it; every socket in the set is one of the
        // workload's, open for the loop's lifetime.
        let n = unsafe {
            let words = std::slice::from_raw_parts_mut(
                self.scratch.as_mut_ptr().cast::<FdSetElement>(),
                self.scratch.len(),
            );
            rustix::event::select(0, Some(words), None, None, timeout.as_ref())
        }
        .expect("select");
        for socket in &self.scratch[1..=n as usize] {
            ready(self.index[socket]);
        }
    }
}

/// The floor for poll: one `WSAPoll` over a persistent array.
pub(crate) struct RawPoll<'s>(Vec<PollFd<'s>>);

impl<'s> RawPoll<'s> {
    fn new(sockets: &'s [TcpStream]) -> Self {
        RawPoll(
            sockets
                .iter()
                .map(|s| PollFd::new(s, PollFlags::IN))
                .collect(),
        )
    }
}

impl Wait for RawPoll<'_> {
    fn wait(&mut self, timeout: Option<Duration>, ready: &mut dyn FnMut(usize)) {
        let timeout = selectors_core::timeout::timespec_millis(timeout);
        let mut n = rustix::event::poll(&mut self.0, timeout.as_ref()).expect("WSAPoll");
        for (i, fd) in self.0.iter().enumerate() {
            if n == 0 {
                break;
            }
            if !fd.revents().is_empty() {
                n -= 1;
                ready(i);
            }
        }
    }
}

/// polling (IOCP with AFD): level-triggered where it supports it, else oneshot re-armed.
pub(crate) struct Polling<'s> {
    poller: polling::Poller,
    events: polling::Events,
    sockets: &'s [TcpStream],
    level: bool,
}

impl<'s> Polling<'s> {
    fn new(sockets: &'s [TcpStream]) -> Self {
        let poller = polling::Poller::new().expect("poller");
        let level = poller.supports_level();
        let mode = if level {
            polling::PollMode::Level
        } else {
            polling::PollMode::Oneshot
        };
        for (i, socket) in sockets.iter().enumerate() {
            // SAFETY: polling asks that a source be deleted before it is closed: the sockets
            // outlive the poller (they are borrowed for its lifetime), which deletes nothing
            // and is dropped first.
            unsafe { poller.add_with_mode(socket, polling::Event::readable(i), mode) }
                .expect("add");
        }
        Polling {
            poller,
            events: polling::Events::new(),
            sockets,
            level,
        }
    }
}

impl Wait for Polling<'_> {
    fn wait(&mut self, timeout: Option<Duration>, ready: &mut dyn FnMut(usize)) {
        self.events.clear();
        self.poller.wait(&mut self.events, timeout).expect("wait");
        for event in self.events.iter() {
            if !self.level {
                let socket = &self.sockets[event.key];
                self.poller
                    .modify(socket, polling::Event::readable(event.key))
                    .expect("re-arm");
            }
            ready(event.key);
        }
    }
}

/// mio (IOCP with AFD). It is edge-triggered, and on Windows registers only its own socket
/// types: it gets a duplicate of each socket (`try_clone`, the same socket under another
/// handle), and each reported socket is registered again, which re-arms its AFD poll (the
/// Linux runner's "level: re-arm" too).
pub(crate) struct Mio {
    poll: mio::Poll,
    events: mio::Events,
    sockets: Vec<mio::net::TcpStream>,
}

impl Mio {
    fn new(sockets: &[TcpStream]) -> Self {
        let poll = mio::Poll::new().expect("mio::Poll");
        let mut own: Vec<mio::net::TcpStream> = sockets
            .iter()
            .map(|s| mio::net::TcpStream::from_std(s.try_clone().expect("duplicate")))
            .collect();
        for (i, socket) in own.iter_mut().enumerate() {
            poll.registry()
                .register(socket, mio::Token(i), mio::Interest::READABLE)
                .expect("register");
        }
        Mio {
            poll,
            events: mio::Events::with_capacity(sockets.len().max(1)),
            sockets: own,
        }
    }
}

impl Wait for Mio {
    fn wait(&mut self, timeout: Option<Duration>, ready: &mut dyn FnMut(usize)) {
        self.poll.poll(&mut self.events, timeout).expect("poll");
        for event in self.events.iter() {
            let i = event.token().0;
            self.poll
                .registry()
                .reregister(&mut self.sockets[i], event.token(), mio::Interest::READABLE)
                .expect("re-arm");
            ready(i);
        }
    }
}
