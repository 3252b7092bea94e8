//! Runs a model sequence ([`Op`]s) on a real selector over real sockets and checks, after
//! every operation, that the selector returned what the [`Model`] says, that its map holds
//! what the model holds, and that the backend's interest list (the kernel's, where the kernel
//! keeps it) agrees.
// The thread-locals below are already `const`-initialised; nightly clippy still asks for it on
// targets without native thread-locals (rust-clippy#17566).
#![cfg_attr(
    any(target_os = "openbsd", target_os = "solaris"),
    allow(clippy::missing_const_for_thread_local)
)]

use crate::conformance::Stream;
use std::cell::Cell;
use std::io::{self, Read, Write};
use std::net::Shutdown;

use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};

mod check;
mod select;
mod settle;

use super::model::{Model, Outcome, Refusal};
use super::ops::{ENDPOINTS, NEGATIVE_FD, Op, PAIRS, UNKNOWN_FD, injected_errno, payload};
use super::view::InterestList;
use super::{BorrowRaw, Faulty};
use crate::{Backend, BaseSelector, Events, Waker};

/// A registered file object of a model run: an endpoint's own socket, or a borrowed alias of
/// its fd (another object for the same fd).
#[derive(Debug)]
pub enum ModelFile {
    /// The endpoint's socket, owned by the selector while registered.
    Socket(Stream),
    /// A `BorrowedFd` of the endpoint's fd; the socket stays with the runner.
    Alias(BorrowedFd<'static>),
}

impl AsFd for ModelFile {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            ModelFile::Socket(socket) => socket.as_fd(),
            ModelFile::Alias(fd) => fd.as_fd(),
        }
    }
}

type ModelSelector<B> = BaseSelector<Faulty<B>, ModelFile, u32>;

thread_local! {
    /// Dups closed behind the selector's back and the rebuilds that shed them, counted over
    /// the runs of this thread (a test's), for the summaries of `model_random_sequences`.
    pub(crate) static DROPPED_DUPS: Cell<u64> = const { Cell::new(0) };
    /// See `DROPPED_DUPS`.
    pub(crate) static REBUILDS: Cell<u64> = const { Cell::new(0) };
    /// The wakes made through the selector's waker, likewise.
    pub(crate) static WAKES: Cell<u64> = const { Cell::new(0) };
}

/// A model world on a real selector.
struct World<B: Backend> {
    selector: ModelSelector<B>,
    /// Each endpoint's socket while the selector does not hold it (and it is open).
    sockets: Vec<Option<Stream>>,
    model: Model,
    view: InterestList<B>,
    borrow: BorrowRaw,
    buffer: Vec<(RawFd, Events)>,
    /// The dup of `Op::RegisterDup`, while it is open.
    dup: Option<OwnedFd>,
    /// The selector's waker, once an `Op::Wake` asked for it.
    waker: Option<Waker>,
    /// Whether a wake was pending when the current operation began.
    woken_before_select: bool,
}

/// A connected, non-blocking pair.
fn pair() -> (Stream, Stream) {
    let (a, b) = super::socketpair();
    for end in [&a, &b] {
        end.set_nonblocking(true).expect("O_NONBLOCK");
    }
    (a, b)
}

/// Reads everything waiting on `socket`, up to end-of-file or `EAGAIN`. A reset (the peer
/// closed with data unread) is reported once by Linux, after the data, and read past.
fn drain(mut socket: &Stream) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut chunk = [0; 512];
    loop {
        match socket.read(&mut chunk) {
            Ok(0) => return bytes,
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => return bytes,
            Err(err) if err.kind() == io::ErrorKind::ConnectionReset => {}
            Err(err) => panic!("read from a model socket: {err}"),
        }
    }
}

fn key_outcome<F>(key: &crate::SelectorKey<F, u32>) -> Outcome {
    Outcome::Key(key.fd(), key.events(), *key.data())
}

impl<B: Backend> World<B> {
    fn new(view: InterestList<B>, borrow: BorrowRaw) -> Self {
        let mut sockets = Vec::with_capacity(ENDPOINTS);
        for _ in 0..PAIRS {
            let (a, b) = pair();
            sockets.push(Some(a));
            sockets.push(Some(b));
        }
        let fds: Vec<RawFd> = sockets
            .iter()
            .map(|s| s.as_ref().map_or(super::INVALID_FD, AsRawFd::as_raw_fd))
            .collect();
        World {
            selector: BaseSelector::new()
                .unwrap_or_else(|err| panic!("creating a selector failed: {err}")),
            sockets,
            model: Model::new(&fds),
            view,
            borrow,
            buffer: Vec::new(),
            dup: None,
            waker: None,
            woken_before_select: false,
        }
    }

    /// Makes what an operation needs before the model can say what it returns: the dup of
    /// `Op::RegisterDup`, whose number only the kernel chooses.
    fn prepare(&mut self, op: Op) {
        self.woken_before_select = self.model.woken;
        // Dups are not made on Windows (`Op::applies_here`).
        #[cfg(windows)]
        let _ = op;
        #[cfg(unix)]
        if let Op::RegisterDup { ep, .. } = op {
            let e = usize::from(ep);
            if self.model.endpoints[e].open && self.model.dup.is_none() {
                // Above every endpoint's number, open or closed, so a call that names an
                // endpoint's number never reaches the dup; the lowest free one from there,
                // so a dropped dup's number is taken again.
                let above = self
                    .model
                    .endpoints
                    .iter()
                    .map(|ep| ep.fd)
                    .max()
                    .unwrap_or(0)
                    + 1;
                let dup = rustix::io::fcntl_dupfd_cloexec(self.socket(e), above)
                    .expect("fcntl(F_DUPFD_CLOEXEC)");
                self.model.next_dup_fd = dup.as_raw_fd();
                self.dup = Some(dup);
            }
        }
    }

    /// Endpoint `e`'s socket, wherever it is (it must be open).
    fn socket(&self, e: usize) -> &Stream {
        if let Some(socket) = &self.sockets[e] {
            return socket;
        }
        let fd = self.model.endpoints[e].fd;
        match self.selector.get_key(fd).map(|key| key.fileobj()) {
            Ok(ModelFile::Socket(socket)) => socket,
            other => panic!("endpoint {e} (fd {fd}) has no socket: {other:?}"),
        }
    }

    /// Runs `op` on the selector and sockets, when the model says it applies.
    fn run(&mut self, index: usize, op: Op, expected: &Outcome) -> Outcome {
        if *expected == Outcome::Skipped {
            return Outcome::Skipped;
        }
        let fd = |ep: u8| self.model.endpoints[usize::from(ep)].fd;
        match op {
            Op::Register { ep, events, data } | Op::FailRegister { ep, events, data } => {
                let e = usize::from(ep);
                let socket = self.sockets[e].take().expect("the runner holds the socket");
                if matches!(op, Op::FailRegister { .. }) {
                    self.selector.backend().fail_next_add(injected_errno(data));
                }
                let events = Events::from_bits_retain(events);
                match self
                    .selector
                    .register(ModelFile::Socket(socket), events, u32::from(data))
                {
                    Ok(key) => key_outcome(key),
                    Err(err) => {
                        let (error, file, _) = err.into_parts();
                        match file {
                            ModelFile::Socket(socket) => self.sockets[e] = Some(socket),
                            ModelFile::Alias(_) => unreachable!("registered a socket"),
                        }
                        Outcome::Refused(Refusal::from(&error))
                    }
                }
            }
            Op::RegisterAlias { ep, events, data } => {
                let alias = ModelFile::Alias((self.borrow)(fd(ep)));
                let events = Events::from_bits_retain(events);
                match self.selector.register(alias, events, u32::from(data)) {
                    Ok(key) => key_outcome(key),
                    Err(err) => Outcome::Refused(Refusal::from(err.error())),
                }
            }
            // Not generated on Windows (`Op::applies_here`).
            Op::RegisterNegative { events } => {
                let negative = ModelFile::Alias((self.borrow)(NEGATIVE_FD));
                match self
                    .selector
                    .register(negative, Events::from_bits_retain(events), 0)
                {
                    Ok(key) => key_outcome(key),
                    Err(err) => Outcome::Refused(Refusal::from(err.error())),
                }
            }
            Op::Modify { ep, events, data }
            | Op::FailModify {
                ep, events, data, ..
            } => {
                let target = fd(ep);
                if let Op::FailModify { apply_first, .. } = op {
                    let errno = injected_errno(data);
                    self.selector.backend().fail_next_modify(errno, apply_first);
                }
                let events = Events::from_bits_retain(events);
                let owner = self.model.target(ep);
                match self.selector.modify(target, events, u32::from(data)) {
                    Ok(key) => key_outcome(key),
                    Err(err) => {
                        let (error, key) = err.into_parts();
                        if let Some(ModelFile::Socket(socket)) = key.map(|k| k.into_fileobj()) {
                            self.sockets[owner] = Some(socket);
                        }
                        Outcome::Refused(Refusal::from(&error))
                    }
                }
            }
            Op::Unregister { ep } | Op::FailUnregister { ep } => {
                if matches!(op, Op::FailUnregister { .. }) {
                    // EBADF, as for an fd closed behind the selector's back.
                    self.selector.backend().fail_next_delete(9);
                }
                let owner = self.model.target(ep);
                match self.selector.unregister(fd(ep)) {
                    Ok(key) => {
                        let outcome = key_outcome(&key);
                        if let ModelFile::Socket(socket) = key.into_fileobj() {
                            self.sockets[owner] = Some(socket);
                        }
                        outcome
                    }
                    Err(err) => Outcome::Refused(Refusal::from(&err)),
                }
            }
            Op::GetKey { ep } => match self.selector.get_key(fd(ep)) {
                Ok(key) => key_outcome(key),
                Err(err) => Outcome::Refused(Refusal::from(&err)),
            },
            Op::UnknownFd { call, events } => {
                let target = if call & 4 != 0 {
                    NEGATIVE_FD
                } else {
                    UNKNOWN_FD
                };
                let result = match call % 3 {
                    0 => self
                        .selector
                        .modify(target, Events::from_bits_retain(events), 0)
                        .map(key_outcome)
                        .map_err(crate::ModifyError::into_error),
                    1 => self
                        .selector
                        .unregister(target)
                        .map(|key| key_outcome(&key)),
                    _ => self.selector.get_key(target).map(key_outcome),
                };
                result.unwrap_or_else(|err| Outcome::Refused(Refusal::from(&err)))
            }
            Op::Write { ep, len } => {
                let mut socket = self.socket(usize::from(ep));
                socket
                    .write_all(&payload(index, len))
                    .expect("write to a model socket");
                self.settle(usize::from(ep) ^ 1);
                Outcome::Done
            }
            Op::Read { ep } => Outcome::Bytes(self.read(usize::from(ep), expected)),
            Op::Shutdown { ep } => {
                self.socket(usize::from(ep))
                    .shutdown(Shutdown::Write)
                    .expect("shutdown(Write)");
                Outcome::Done
            }
            Op::Close { ep } => {
                let socket = self.sockets[usize::from(ep)].take();
                drop(socket.expect("the runner holds an unregistered socket"));
                self.settle(usize::from(ep) ^ 1);
                Outcome::Done
            }
            Op::Reopen { pair: p } => {
                let p = usize::from(p);
                drop((self.sockets[2 * p].take(), self.sockets[2 * p + 1].take()));
                let (a, b) = pair();
                let fds = [a.as_raw_fd(), b.as_raw_fd()];
                self.sockets[2 * p] = Some(a);
                self.sockets[2 * p + 1] = Some(b);
                self.model.reopen(p, fds);
                Outcome::Done
            }
            Op::Select { form } => self.select(form, expected),
            Op::Wake => {
                let waker = match &self.waker {
                    Some(waker) => waker,
                    None => self
                        .waker
                        .insert(self.selector.waker().expect("creating the waker")),
                };
                waker.wake().expect("wake");
                WAKES.set(WAKES.get() + 1);
                Outcome::Done
            }
            Op::RegisterDup { events, data, .. } => {
                let fd = self.model.next_dup_fd;
                let alias = ModelFile::Alias((self.borrow)(fd));
                let events = Events::from_bits_retain(events);
                match self.selector.register(alias, events, u32::from(data)) {
                    Ok(key) => key_outcome(key),
                    Err(err) => {
                        self.dup = None;
                        Outcome::Refused(Refusal::from(err.error()))
                    }
                }
            }
            Op::DropDup => {
                DROPPED_DUPS.set(DROPPED_DUPS.get() + 1);
                let dup = self.dup.take().expect("the runner holds the dup");
                let fd = dup.as_raw_fd();
                // Behind the selector's back: the file stays open through the endpoint.
                drop(dup);
                match self.selector.unregister(fd) {
                    Ok(key) => key_outcome(&key),
                    Err(err) => Outcome::Refused(Refusal::from(&err)),
                }
            }
        }
    }
}

/// Runs `ops` on a new selector over backend `B` and new sockets, and returns the first
/// disagreement with the model (or with the interest list `view` gives) as a message naming
/// the operation, what was expected and what happened.
pub fn run_ops<B: Backend>(
    ops: &[Op],
    view: InterestList<B>,
    borrow: BorrowRaw,
) -> Result<(), String> {
    let mut world = World::<B>::new(view, borrow);
    for (index, &op) in ops.iter().enumerate() {
        world.prepare(op);
        let before = world.model.clone();
        let expected = world.model.apply(index, op);
        let got = world.run(index, op, &expected);
        let state = world.check_state();
        if got != expected || state.is_err() {
            return Err(format!(
                "{backend}: operation #{index} {op:?}\n  expected {expected:?}\n  got      \
                 {got:?}\n  {state}\n  model before: {endpoints:?}",
                backend = world.selector.backend_name(),
                state = state.err().unwrap_or_else(|| "map and kernel agree".into()),
                endpoints = before.endpoints,
            ));
        }
    }
    let rebuilds = world.selector.backend().calls().rebuild;
    REBUILDS.set(REBUILDS.get() + rebuilds as u64);
    Ok(())
}
