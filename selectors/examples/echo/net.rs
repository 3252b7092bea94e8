//! What the examples' servers and clients share: a selector of the chosen backend, the file
//! object of a server (a listener or a connection), and non-blocking writes.

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};

use selectors::{AsFd, BackendKind, BorrowedFd, DefaultBackend, DefaultSelector};

/// A selector of this build: the backend of `kind`, or `DefaultSelector`'s own choice
/// (which honours `SELECTORS_BACKEND`).
pub(crate) fn selector<F: AsFd, T>(kind: Option<BackendKind>) -> io::Result<DefaultSelector<F, T>> {
    match kind {
        Some(kind) => Ok(DefaultSelector::with_backend(DefaultBackend::from_kind(
            kind,
        )?)),
        None => Ok(DefaultSelector::new()?),
    }
}

/// What the server's selector watches: a server mixes a listener and connections, so the
/// file object is an enum of both that lends its fd.
pub(crate) enum Socket {
    /// The listening socket: ready to read means a connection can be accepted.
    Listener(TcpListener),
    /// An accepted connection.
    Stream(TcpStream),
}

impl AsFd for Socket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Socket::Listener(listener) => listener.as_fd(),
            Socket::Stream(stream) => stream.as_fd(),
        }
    }
}

/// Writes as much of `bytes` as the socket takes now; returns how much that was.
pub(crate) fn write_some(mut stream: &TcpStream, bytes: &[u8]) -> io::Result<usize> {
    let mut sent = 0;
    while sent < bytes.len() {
        match stream.write(&bytes[sent..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => sent += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
            Err(err) => return Err(err),
        }
    }
    Ok(sent)
}

/// Whether a non-blocking call failed only because it would have had to wait.
pub(crate) fn retry_later(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}
