//! The server of Python's `selectors` example: accept connections, echo what each one sends.
//!
//! Python's version registers the listening socket with `accept` as its data and each
//! connection with `read`, then calls `key.data(key.fileobj, mask)` for every ready key. Here
//! the file object's type says which of the two runs, and a connection's data holds the bytes
//! not yet echoed. Python's `conn.send(data)  # Hope it won't block` becomes a real partial
//! write: the rest waits for `EVENT_WRITE`, and the connection is not read again until it is
//! sent, so a client that never reads cannot make the server buffer without bound.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

use selectors::{AsFd, BorrowedFd, DefaultBackend, DefaultSelector, EVENT_READ, EVENT_WRITE};

/// A selector of this build: `backend` by name, or `DefaultSelector`'s own choice (which
/// honours `SELECTORS_BACKEND`).
pub(crate) fn selector<F: AsFd, T>(backend: Option<&str>) -> io::Result<DefaultSelector<F, T>> {
    match backend {
        Some(name) => Ok(DefaultSelector::with_backend(DefaultBackend::from_name(
            name,
        )?)),
        None => Ok(DefaultSelector::new()?),
    }
}

/// What the server's selector watches.
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

/// Serves on `listener` until `stop_after` connections have been closed (forever if `None`).
/// `verbose` prints what Python's example prints.
pub(crate) fn serve(
    listener: TcpListener,
    backend: Option<&str>,
    stop_after: Option<usize>,
    verbose: bool,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut selector = selector::<Socket, Vec<u8>>(backend)?;
    if verbose {
        let addr = listener.local_addr()?;
        println!("serving on {addr} with {}", selector.backend_name());
    }
    selector.register(Socket::Listener(listener), EVENT_READ, Vec::new())?;

    let mut ready = Vec::new();
    let mut buf = vec![0_u8; 4096];
    let mut closed = 0;
    while stop_after.is_none_or(|stop_after| closed < stop_after) {
        selector.select_into(None, &mut ready)?;
        for &(fd, _events) in &ready {
            let key = selector.get_key(fd)?;
            match key.fileobj() {
                Socket::Listener(listener) => {
                    if let Some(conn) = accept(listener, verbose)? {
                        selector.register(Socket::Stream(conn), EVENT_READ, Vec::new())?;
                    }
                }
                Socket::Stream(stream) => match echo(stream, key.data(), &mut buf, verbose) {
                    Ok(Echo::Idle) => {}
                    // Only the data changes while the rest is still unsent: no system call.
                    Ok(Echo::Unsent(rest)) => drop(selector.modify(fd, EVENT_WRITE, rest)?),
                    Ok(Echo::Sent) => drop(selector.modify(fd, EVENT_READ, Vec::new())?),
                    outcome @ (Ok(Echo::Closed) | Err(_)) => {
                        if verbose {
                            let why = outcome.err().map(|err| format!(" ({err})"));
                            println!("closing {}{}", peer(stream), why.unwrap_or_default());
                        }
                        // Unregistering hands the connection back; dropping it closes it.
                        drop(selector.unregister(fd)?);
                        closed += 1;
                    }
                },
            }
        }
    }
    Ok(())
}

/// Accepts one connection (`None` if another thread or an aborted connection got there
/// first) and makes it non-blocking.
fn accept(listener: &TcpListener, verbose: bool) -> io::Result<Option<TcpStream>> {
    let (conn, addr) = match listener.accept() {
        Ok(accepted) => accepted,
        Err(err) if retry_later(&err) => return Ok(None),
        Err(err) => return Err(err),
    };
    if verbose {
        println!("accepted {addr}");
    }
    conn.set_nonblocking(true)?;
    // Small request/response messages: send each at once rather than waiting for an ACK.
    conn.set_nodelay(true)?;
    Ok(Some(conn))
}

/// What one readiness event on a connection led to.
enum Echo {
    /// Nothing left to send.
    Idle,
    /// These bytes could not be sent yet: watch for `EVENT_WRITE`.
    Unsent(Vec<u8>),
    /// The bytes waiting for `EVENT_WRITE` are all sent: read again.
    Sent,
    /// The peer closed the connection.
    Closed,
}

/// Python's `read(conn, mask)`, with partial writes handled: sends `unsent` if there is any,
/// else reads what arrived and echoes it.
fn echo(mut stream: &TcpStream, unsent: &[u8], buf: &mut [u8], verbose: bool) -> io::Result<Echo> {
    if !unsent.is_empty() {
        let sent = write_some(stream, unsent)?;
        return Ok(if sent == unsent.len() {
            Echo::Sent
        } else {
            Echo::Unsent(unsent[sent..].to_vec())
        });
    }
    let n = match stream.read(buf) {
        Ok(0) => return Ok(Echo::Closed),
        Ok(n) => n,
        Err(err) if retry_later(&err) => return Ok(Echo::Idle),
        Err(err) => return Err(err),
    };
    if verbose {
        println!("echoing {n} bytes to {}", peer(stream));
    }
    let sent = write_some(stream, &buf[..n])?;
    Ok(if sent == n {
        Echo::Idle
    } else {
        Echo::Unsent(buf[sent..n].to_vec())
    })
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

fn peer(stream: &TcpStream) -> String {
    stream.peer_addr().map_or_else(
        |_| "a closed connection".to_owned(),
        |addr| addr.to_string(),
    )
}
