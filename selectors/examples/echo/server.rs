//! The server of Python's `selectors` example: accept connections, echo what each one sends.
//!
//! Python's version registers the listening socket with `accept` as its data and each
//! connection with `read`, then calls `key.data(key.fileobj, mask)` for every ready key. Here
//! the file object's type says which of the two runs, and a connection's data holds the bytes
//! not yet echoed; `get_mut` lends the two together. Python's `conn.send(data)  # Hope it
//! won't block` becomes a real partial write: the rest waits for `EVENT_WRITE`
//! (`modify_events`, which keeps the data).

use std::io::{self, Read};
use std::net::{TcpListener, TcpStream};

use selectors::{BackendKind, EVENT_READ, EVENT_WRITE};

use super::net::{Socket, retry_later, selector, write_some};

/// Serves on `listener` until `stop_after` connections have been closed (forever if `None`).
/// `verbose` prints what Python's example prints.
pub(crate) fn serve(
    listener: TcpListener,
    kind: Option<BackendKind>,
    stop_after: Option<usize>,
    verbose: bool,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    // Each connection's data: the bytes it sent that are not yet echoed.
    let mut selector = selector::<Socket, Vec<u8>>(kind)?;
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
            let (socket, unsent) = selector.get_mut(fd)?;
            match socket {
                Socket::Listener(listener) => {
                    if let Some(conn) = accept(listener, verbose)? {
                        selector.register(Socket::Stream(conn), EVENT_READ, Vec::new())?;
                    }
                }
                Socket::Stream(stream) => match echo(stream, unsent, &mut buf, verbose) {
                    // Unchanged events make no system call.
                    Ok(Want::Read) => drop(selector.modify_events(fd, EVENT_READ)?),
                    Ok(Want::Write) => drop(selector.modify_events(fd, EVENT_WRITE)?),
                    outcome @ (Ok(Want::Close) | Err(_)) => {
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

/// What a connection waits for next.
enum Want {
    /// Its next bytes: everything it sent is echoed.
    Read,
    /// Room to send the rest of its echo; it is not read again until that is sent, so a
    /// client that never reads cannot make the server buffer without bound.
    Write,
    /// Nothing: the peer closed the connection.
    Close,
}

/// Python's `read(conn, mask)`, with partial writes handled: reads what arrived if nothing
/// is waiting to be sent, then sends as much of `unsent` as the socket takes.
fn echo(
    mut stream: &TcpStream,
    unsent: &mut Vec<u8>,
    buf: &mut [u8],
    verbose: bool,
) -> io::Result<Want> {
    if unsent.is_empty() {
        let n = match stream.read(buf) {
            Ok(0) => return Ok(Want::Close),
            Ok(n) => n,
            Err(err) if retry_later(&err) => return Ok(Want::Read),
            Err(err) => return Err(err),
        };
        if verbose {
            println!("echoing {n} bytes to {}", peer(stream));
        }
        unsent.extend_from_slice(&buf[..n]);
    }
    let sent = write_some(stream, unsent)?;
    unsent.drain(..sent);
    Ok(if unsent.is_empty() {
        Want::Read
    } else {
        Want::Write
    })
}

fn peer(stream: &TcpStream) -> String {
    stream.peer_addr().map_or_else(
        |_| "a closed connection".to_owned(),
        |addr| addr.to_string(),
    )
}
