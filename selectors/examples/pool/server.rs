//! A server whose connections are served by a pool of worker threads: the loop reads each
//! request and hands it to a worker; the worker computes the reply, sends it back through a
//! channel and wakes the loop with the selector's `Waker`, the standard way to get work done
//! elsewhere back into a selector loop (asyncio's `call_soon_threadsafe`).
//!
//! The reply to each byte is its complement (`!byte`), so the clients can check every byte
//! really went through a worker. A connection's requests all go to the same worker, whose
//! queue keeps them in order, so its replies come back in the order the bytes came in.

use std::io::{self, Read};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;

use selectors::{BackendKind, EVENT_READ, EVENT_WRITE, Events, RawFd, Waker};

use super::net::{Socket, retry_later, selector, write_some};

/// The reply to one byte.
pub(crate) fn reply(byte: u8) -> u8 {
    !byte
}

/// Work for a worker: the bytes connection `id` (at `fd`) sent.
struct Request {
    fd: RawFd,
    id: u64,
    bytes: Vec<u8>,
}

/// A worker's answer to a [`Request`].
struct Reply {
    fd: RawFd,
    id: u64,
    bytes: Vec<u8>,
}

/// A connection's state: its number (fd numbers are reused, ids are not: a reply for a
/// connection that closed meanwhile must not go to the next one at its number) and the
/// reply bytes not yet sent.
#[derive(Default)]
struct Conn {
    id: u64,
    unsent: Vec<u8>,
}

/// Starts `count` workers; each replies on `replies` and wakes the loop through `waker`.
fn start_workers(count: usize, replies: &Sender<Reply>, waker: &Waker) -> Vec<Sender<Request>> {
    (0..count)
        .map(|_| {
            let (requests, queue): (Sender<Request>, Receiver<Request>) = mpsc::channel();
            let (replies, waker) = (replies.clone(), waker.clone());
            thread::spawn(move || {
                // Ends when the loop drops its end of the queue.
                for request in queue {
                    let bytes = request.bytes.into_iter().map(reply).collect();
                    let answer = Reply {
                        fd: request.fd,
                        id: request.id,
                        bytes,
                    };
                    if replies.send(answer).is_err() || waker.wake().is_err() {
                        return; // The loop is gone.
                    }
                }
            });
            requests
        })
        .collect()
}

/// Serves on `listener` with `workers` threads until `stop_after` connections have been
/// closed (forever if `None`).
pub(crate) fn serve(
    listener: TcpListener,
    kind: Option<BackendKind>,
    stop_after: Option<usize>,
    workers: usize,
    verbose: bool,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut selector = selector::<Socket, Conn>(kind)?;
    let waker = selector.waker()?;
    let (reply_tx, replies) = mpsc::channel();
    let pool = start_workers(workers.max(1), &reply_tx, &waker);
    if verbose {
        let addr = listener.local_addr()?;
        println!(
            "serving on {addr} with {} and {} workers",
            selector.backend_name(),
            pool.len()
        );
    }
    selector.register(Socket::Listener(listener), EVENT_READ, Conn::default())?;

    let (mut ready, mut buf) = (Vec::new(), vec![0_u8; 4096]);
    let (mut next_id, mut closed) = (0_u64, 0);
    while stop_after.is_none_or(|stop_after| closed < stop_after) {
        // Returns on socket readiness, or when a worker woke it.
        selector.select_into(None, &mut ready)?;
        for &(fd, events) in &ready {
            let (socket, conn) = selector.get_mut(fd)?;
            let stream = match socket {
                Socket::Listener(listener) => {
                    if let Ok((stream, _)) = listener.accept() {
                        stream.set_nonblocking(true)?;
                        stream.set_nodelay(true)?;
                        next_id += 1;
                        let conn = Conn {
                            id: next_id,
                            unsent: Vec::new(),
                        };
                        selector.register(Socket::Stream(stream), EVENT_READ, conn)?;
                    }
                    continue;
                }
                Socket::Stream(stream) => stream,
            };
            let open = if events.contains(EVENT_READ) {
                read_request(stream, fd, conn.id, &pool, &mut buf)?
            } else {
                true
            };
            let wanted = if open {
                flush(stream, &mut conn.unsent)?
            } else {
                None
            };
            match wanted {
                // Unchanged events make no system call.
                Some(wanted) => drop(selector.modify_events(fd, wanted)?),
                None => {
                    drop(selector.unregister(fd)?);
                    closed += 1;
                }
            }
        }
        // Whatever the workers finished: each reply goes to its connection, if still open.
        for answer in replies.try_iter() {
            let Ok((Socket::Stream(stream), conn)) = selector.get_mut(answer.fd) else {
                continue;
            };
            if conn.id != answer.id {
                continue; // The connection closed and another took its number.
            }
            conn.unsent.extend_from_slice(&answer.bytes);
            match flush(stream, &mut conn.unsent)? {
                Some(wanted) => drop(selector.modify_events(answer.fd, wanted)?),
                None => {
                    drop(selector.unregister(answer.fd)?);
                    closed += 1;
                }
            }
        }
    }
    Ok(())
}

/// Reads what connection `id` sent and queues it for its worker; `false` once the peer
/// closed.
fn read_request(
    mut stream: &TcpStream,
    fd: RawFd,
    id: u64,
    pool: &[Sender<Request>],
    buf: &mut [u8],
) -> io::Result<bool> {
    let n = match stream.read(buf) {
        Ok(0) => return Ok(false),
        Ok(n) => n,
        Err(err) if retry_later(&err) => return Ok(true),
        Err(err) => return Err(err),
    };
    let worker = &pool[(id % pool.len() as u64) as usize];
    let request = Request {
        fd,
        id,
        bytes: buf[..n].to_vec(),
    };
    worker
        .send(request)
        .map_err(|_| io::Error::other("a worker thread is gone"))?;
    Ok(true)
}

/// Sends what the socket takes of `unsent`; returns the events to watch next (WRITE too
/// while a reply is not all sent), or `None` if the connection failed.
fn flush(stream: &TcpStream, unsent: &mut Vec<u8>) -> io::Result<Option<Events>> {
    match write_some(stream, unsent) {
        Ok(sent) => {
            unsent.drain(..sent);
            Ok(Some(if unsent.is_empty() {
                EVENT_READ
            } else {
                EVENT_READ | EVENT_WRITE
            }))
        }
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(None),
        Err(err) if err.kind() == io::ErrorKind::ConnectionReset => Ok(None),
        Err(err) => Err(err),
    }
}
