//! `Backend::fd_limit`: the selector refuses fds at or above a backend's limit at `register`,
//! before the backend sees them.
#![cfg(unix)]

use std::io;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use selectors_core::{
    AsFd, AsRawFd, Backend, BaseSelector, BorrowedFd, Error, Events, OwnedFd, RawFd, Token,
};

/// A backend that accepts everything below `limit` and records what reached it.
#[derive(Debug)]
struct Limited {
    limit: Option<RawFd>,
    added: Vec<RawFd>,
}

impl Backend for Limited {
    fn new() -> io::Result<Self> {
        Ok(Limited {
            limit: None,
            added: Vec::new(),
        })
    }

    fn name(&self) -> &'static str {
        "limited"
    }

    fn add(&mut self, fd: BorrowedFd<'_>, _token: Token, _events: Events) -> io::Result<()> {
        self.added.push(fd.as_raw_fd());
        Ok(())
    }

    fn modify(&mut self, _fd: RawFd, _: Token, _old: Events, _new: Events) -> io::Result<()> {
        Ok(())
    }

    fn delete(&mut self, _fd: RawFd, _token: Token, _events: Events) -> io::Result<()> {
        Ok(())
    }

    fn wait<R>(&mut self, _timeout: Option<Duration>, _ready: R) -> io::Result<()>
    where
        R: FnMut(Token, Events),
    {
        Ok(())
    }

    fn fd_limit(&self) -> Option<RawFd> {
        self.limit
    }
}

fn selector(limit: Option<RawFd>) -> BaseSelector<Limited, OwnedFd> {
    BaseSelector::with_backend(Limited {
        limit,
        added: Vec::new(),
    })
}

fn socket() -> (OwnedFd, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    (OwnedFd::from(a), b)
}

#[test]
fn an_fd_at_or_above_the_limit_is_refused_before_the_backend_sees_it() {
    let (a, _peer_a) = socket();
    let (b, _peer_b) = socket();
    let (low, high) = if a.as_raw_fd() < b.as_raw_fd() {
        (a, b)
    } else {
        (b, a)
    };
    let (low_fd, high_fd) = (low.as_raw_fd(), high.as_raw_fd());
    // The limit is the higher fd itself: the lower one is accepted, the higher one is not.
    let mut selector = selector(Some(high_fd));
    selector.register(low, Events::READ, ()).unwrap();
    let err = selector.register(high, Events::READ, ()).unwrap_err();
    assert!(
        matches!(err.error(), Error::FdOutOfRange { fd, limit } if *fd == high_fd && *limit == high_fd),
        "{err:?}"
    );
    assert_eq!(
        io::Error::from(err.into_parts().0).kind(),
        io::ErrorKind::InvalidInput
    );
    assert_eq!(selector.backend().added, [low_fd]);
    assert_eq!(selector.len(), 1);
    assert!(selector.get_key(high_fd).is_err());
}

#[test]
fn invalid_events_are_reported_before_the_limit() {
    let (a, _peer) = socket();
    let mut selector = selector(Some(0));
    let err = selector.register(a, Events::empty(), ()).unwrap_err();
    assert!(matches!(err.error(), Error::InvalidEvents(0)), "{err:?}");
}

#[test]
fn without_a_limit_every_fd_reaches_the_backend() {
    let (a, _peer) = socket();
    let fd = a.as_fd().as_raw_fd();
    let mut selector = selector(None);
    selector.register(a, Events::WRITE, ()).unwrap();
    assert_eq!(selector.backend().added, [fd]);
}
