//! A scripted in-memory backend for core's rule tests: it logs every call, fails the calls it
//! is told to, and plays a script of wait outcomes. It never touches the kernel; the fds are
//! real only because the file objects must be `AsFd` (files on Unix, sockets on Windows,
//! where `AsFd` is rustix's name for `AsSocket`).

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::io;
use std::rc::Rc;
use std::time::Duration;

use selectors_core::{
    AsFd, AsRawFd, Backend, BaseSelector, BorrowedFd, Error, Events, RawFd, Registration, Token,
};

pub(crate) const R: Events = Events::READ;
pub(crate) const W: Events = Events::WRITE;
pub(crate) const RW: Events = Events::all();
pub(crate) const EBADF: i32 = 9;
pub(crate) const ENOSPC: i32 = 28;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Call {
    Add(RawFd, Events),
    Modify(RawFd, Events, Events),
    Delete(RawFd, Events),
    Rebuild(Vec<RawFd>),
    Wait(Option<Duration>),
    Close,
}

/// What the next `wait` does.
#[derive(Debug)]
pub(crate) enum Step {
    /// Sleeps this long, then fails with `EINTR`.
    Interrupted(Duration),
    /// Returns at once with nothing, as a kernel does when a clamped timeout ends.
    Nothing,
    /// Reports these fds at once, each under the token it was added with (an fd never added,
    /// or deleted since, under a token no registration has).
    Report(Vec<(RawFd, Events)>),
    /// Fails with this errno.
    Fail(i32),
}

#[derive(Debug, Default)]
pub(crate) struct Script {
    pub(crate) calls: Vec<Call>,
    pub(crate) fail_add: Option<i32>,
    pub(crate) fail_modify: Option<i32>,
    pub(crate) fail_delete: Option<i32>,
    /// The token of each fd added and not deleted.
    pub(crate) tokens: HashMap<RawFd, Token>,
    /// Waits beyond the script sleep for their whole timeout and report nothing.
    pub(crate) waits: VecDeque<Step>,
}

#[derive(Debug, Default)]
pub(crate) struct Fake(pub(crate) Rc<RefCell<Script>>);

fn errno(errno: Option<i32>) -> io::Result<()> {
    errno.map_or(Ok(()), |errno| Err(io::Error::from_raw_os_error(errno)))
}

impl Backend for Fake {
    fn new() -> io::Result<Self> {
        Ok(Fake::default())
    }

    fn name(&self) -> &'static str {
        "fake"
    }

    fn add(&mut self, fd: BorrowedFd<'_>, token: Token, events: Events) -> io::Result<()> {
        let mut script = self.0.borrow_mut();
        script.calls.push(Call::Add(fd.as_raw_fd(), events));
        errno(script.fail_add.take())?;
        script.tokens.insert(fd.as_raw_fd(), token);
        Ok(())
    }

    fn modify(&mut self, fd: RawFd, _token: Token, old: Events, new: Events) -> io::Result<()> {
        let mut script = self.0.borrow_mut();
        script.calls.push(Call::Modify(fd, old, new));
        errno(script.fail_modify.take())
    }

    fn delete(&mut self, fd: RawFd, _token: Token, events: Events) -> io::Result<()> {
        let mut script = self.0.borrow_mut();
        script.calls.push(Call::Delete(fd, events));
        script.tokens.remove(&fd);
        errno(script.fail_delete.take())
    }

    fn rebuild<I>(&mut self, live: I) -> io::Result<()>
    where
        I: IntoIterator<Item = Registration>,
    {
        let mut script = self.0.borrow_mut();
        let live: Vec<Registration> = live.into_iter().collect();
        let mut fds: Vec<RawFd> = live.iter().map(|r| r.fd).collect();
        fds.sort_unstable();
        script.calls.push(Call::Rebuild(fds));
        script.tokens = live.iter().map(|r| (r.fd, r.token)).collect();
        Ok(())
    }

    fn wait<F>(&mut self, timeout: Option<Duration>, mut ready: F) -> io::Result<()>
    where
        F: FnMut(Token, Events),
    {
        let (step, tokens) = {
            let mut script = self.0.borrow_mut();
            script.calls.push(Call::Wait(timeout));
            (script.waits.pop_front(), script.tokens.clone())
        };
        match step {
            Some(Step::Interrupted(after)) => {
                std::thread::sleep(after);
                Err(io::ErrorKind::Interrupted.into())
            }
            Some(Step::Nothing) => Ok(()),
            Some(Step::Report(fds)) => {
                for (fd, events) in fds {
                    // Generation 2^31: no registration of these tests has it.
                    let unknown = Token(1 << 63 | u64::from(fd as u32));
                    ready(tokens.get(&fd).copied().unwrap_or(unknown), events);
                }
                Ok(())
            }
            Some(Step::Fail(code)) => errno(Some(code)),
            None => {
                std::thread::sleep(timeout.expect("an unscripted wait must have a timeout"));
                Ok(())
            }
        }
    }

    fn close(self) -> io::Result<()> {
        self.0.borrow_mut().calls.push(Call::Close);
        Ok(())
    }
}

/// A file object the fake backend never uses but whose fd is its own: a file on Unix, a
/// socket on Windows (the only file objects a Windows selector takes).
#[cfg(unix)]
pub(crate) type Handle = std::fs::File;
/// A file object the fake backend never uses but whose fd is its own: a file on Unix, a
/// socket on Windows (the only file objects a Windows selector takes).
#[cfg(windows)]
pub(crate) type Handle = std::net::UdpSocket;

/// A new [`Handle`].
#[cfg(unix)]
pub(crate) fn open() -> Handle {
    std::fs::File::open("/dev/null").expect("open /dev/null")
}

/// A new [`Handle`].
#[cfg(windows)]
pub(crate) fn open() -> Handle {
    std::net::UdpSocket::bind("127.0.0.1:0").expect("a UDP socket on 127.0.0.1")
}

/// The fd value no open file can have: `-1` on Unix, `INVALID_SOCKET` on Windows.
#[cfg(unix)]
pub(crate) const INVALID: RawFd = -1;
/// The fd value no open file can have: `-1` on Unix, `INVALID_SOCKET` on Windows.
#[cfg(windows)]
pub(crate) const INVALID: RawFd = RawFd::MAX;

pub(crate) type Selector<F = Rc<Handle>, T = u32> = BaseSelector<Fake, F, T>;

/// A selector over a fresh script, and the script.
pub(crate) fn selector<F: AsFd, T>() -> (BaseSelector<Fake, F, T>, Rc<RefCell<Script>>) {
    let script = Rc::new(RefCell::new(Script::default()));
    (BaseSelector::with_backend(Fake(Rc::clone(&script))), script)
}

/// An open file object with an fd of its own (the fake backend never uses it).
pub(crate) fn file() -> Rc<Handle> {
    Rc::new(open())
}

pub(crate) fn fd(file: &Rc<Handle>) -> RawFd {
    file.as_raw_fd()
}

pub(crate) fn calls(script: &Rc<RefCell<Script>>) -> Vec<Call> {
    std::mem::take(&mut script.borrow_mut().calls)
}

pub(crate) fn waits(script: &Rc<RefCell<Script>>, steps: impl IntoIterator<Item = Step>) {
    script.borrow_mut().waits.extend(steps);
}

pub(crate) fn timeouts(calls: &[Call]) -> Vec<Option<Duration>> {
    calls
        .iter()
        .filter_map(|call| match call {
            Call::Wait(timeout) => Some(*timeout),
            _ => None,
        })
        .collect()
}

pub(crate) fn error_name(error: &Error) -> &'static str {
    match error {
        Error::InvalidEvents(_) => "InvalidEvents",
        Error::InvalidFd(_) => "InvalidFd",
        Error::AlreadyRegistered(_) => "AlreadyRegistered",
        Error::NotRegistered(_) => "NotRegistered",
        Error::Os(_) => "Os",
        _ => "other",
    }
}
