//! The example's own clients: C connections driven by one selector in one thread, each
//! sending M messages one at a time (send, wait for the whole echo, check it, send the next),
//! while the server runs in another thread with its own selector.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use selectors::{BackendKind, EVENT_READ, EVENT_WRITE, Events};

use super::net::{retry_later, selector, write_some};

/// A server the clients can run: serves on the listener with the backend given, until that
/// many connections have been closed, printing what it does if asked.
pub(crate) type Server = Arc<
    dyn Fn(TcpListener, Option<BackendKind>, Option<usize>, bool) -> io::Result<()> + Send + Sync,
>;

/// A run of the example with its own clients.
#[derive(Clone)]
pub(crate) struct Config {
    /// The server to run.
    pub(crate) server: Server,
    /// What the server answers for each byte sent: itself for the echo server.
    pub(crate) reply: fn(u8) -> u8,
    /// How many client connections.
    pub(crate) clients: usize,
    /// How many messages each client sends and checks.
    pub(crate) messages: usize,
    /// The server's port on 127.0.0.1; 0 picks a free one.
    pub(crate) port: u16,
    /// The backend; `None` lets `DefaultSelector` choose.
    pub(crate) backend: Option<BackendKind>,
}

/// What a run measured.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    /// The clients' backend (the server's is chosen the same way).
    pub(crate) backend: &'static str,
    /// Messages echoed and checked, over all clients.
    pub(crate) messages: usize,
    /// Payload bytes echoed and checked (each sent once and received once).
    pub(crate) bytes: u64,
    /// Time from the first message sent to the last echo checked.
    pub(crate) elapsed: Duration,
}

/// How long the clients wait without any progress before they give up: a lost echo must end
/// the run with an error, not hang it.
const STALL: Duration = Duration::from_secs(30);

/// Starts the server on 127.0.0.1:`port` in a thread, runs the clients against it, then
/// waits for the server to close every connection and stop.
///
/// # Errors
/// A socket or selector error of either side, or `InvalidData` / `UnexpectedEof` when an
/// echo differs from what was sent.
pub(crate) fn run(config: &Config) -> io::Result<Report> {
    let listener = TcpListener::bind(("127.0.0.1", config.port))?;
    let addr = listener.local_addr()?;
    let (serve, backend, clients) = (Arc::clone(&config.server), config.backend, config.clients);
    let server = thread::spawn(move || serve(listener, backend, Some(clients), false));
    // On a client error the server thread is left waiting; the caller reports the error.
    let report = run_clients(addr, config)?;
    server
        .join()
        .map_err(|_| io::Error::other("the server thread panicked"))??;
    Ok(report)
}

/// Prints what a run measured, for the examples' command lines.
pub(crate) fn print_report(what: &str, config: &Config, report: &Report) {
    let seconds = report.elapsed.as_secs_f64();
    println!(
        "{what} over {}: {} clients x {} messages = {} messages, {} bytes, every byte checked",
        report.backend, config.clients, config.messages, report.messages, report.bytes,
    );
    println!(
        "{:.3} s: {:.0} messages/s, {:.2} MB/s of payload",
        seconds,
        report.messages as f64 / seconds,
        report.bytes as f64 / seconds / 1e6,
    );
}

/// One client connection's progress through its messages.
struct Client {
    /// The index of the message being exchanged.
    message: usize,
    /// That message's bytes.
    out: Vec<u8>,
    /// How many of them have been sent...
    sent: usize,
    /// ...and how many have come back, checked.
    echoed: usize,
}

/// Connects `config.clients` clients to `addr` and exchanges every message, checking each
/// byte that comes back against `config.reply` of the byte sent.
///
/// # Errors
/// As for [`run`].
pub(crate) fn run_clients(addr: SocketAddr, config: &Config) -> io::Result<Report> {
    if config.clients == 0 || config.messages == 0 {
        let message = "the clients need at least one client and one message";
        return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
    }
    let mut selector = selector::<TcpStream, usize>(config.backend)?;
    let mut clients = Vec::with_capacity(config.clients);
    for id in 0..config.clients {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_nonblocking(true)?;
        selector.register(stream, EVENT_READ, id)?;
        clients.push(Client {
            message: 0,
            out: Vec::with_capacity(MAX_LEN),
            sent: 0,
            echoed: 0,
        });
    }

    // Every client connected: start the clock and send each one's first message.
    let start = Instant::now();
    let fds: Vec<_> = selector.get_map().keys().collect();
    for fd in fds {
        let key = selector.get_key(fd)?;
        let (id, stream) = (*key.data(), key.fileobj());
        fill_message(id, 0, &mut clients[id].out);
        let wanted = clients[id].send(stream)?;
        selector.modify_events(fd, wanted)?;
    }

    let (mut ready, mut buf) = (Vec::with_capacity(config.clients), [0_u8; 4096]);
    let (mut done, mut bytes) = (0, 0);
    while done < config.clients {
        if selector.select_into(Some(STALL), &mut ready)? == 0 {
            let message = format!(
                "no echo for {STALL:?}; {done} of {} clients done",
                config.clients
            );
            return Err(io::Error::new(io::ErrorKind::TimedOut, message));
        }
        for &(fd, events) in &ready {
            let (stream, &mut id) = selector.get_mut(fd)?;
            let client = &mut clients[id];
            if events.contains(EVENT_READ) {
                client.check_echo(stream, id, config.reply, &mut buf)?;
            }
            if client.echoed == client.out.len() {
                bytes += client.out.len() as u64;
                client.message += 1;
                if client.message == config.messages {
                    // Dropping the connection closes it; the server sees EOF and closes too.
                    drop(selector.unregister(fd)?);
                    done += 1;
                    continue;
                }
                fill_message(id, client.message, &mut client.out);
                (client.sent, client.echoed) = (0, 0);
            }
            let wanted = client.send(stream)?;
            // Unchanged events make no system call.
            selector.modify_events(fd, wanted)?;
        }
    }
    Ok(Report {
        backend: selector.backend_name(),
        messages: config.clients * config.messages,
        bytes,
        elapsed: start.elapsed(),
    })
}

impl Client {
    /// Sends what the socket takes of the current message; returns the events to watch:
    /// `EVENT_WRITE` too while part of the message is still unsent.
    fn send(&mut self, stream: &TcpStream) -> io::Result<Events> {
        if self.sent < self.out.len() {
            self.sent += write_some(stream, &self.out[self.sent..])?;
        }
        Ok(if self.sent < self.out.len() {
            EVENT_READ | EVENT_WRITE
        } else {
            EVENT_READ
        })
    }

    /// Reads what has arrived and checks it against the bytes sent and not yet echoed.
    fn check_echo(
        &mut self,
        mut stream: &TcpStream,
        id: usize,
        reply: fn(u8) -> u8,
        buf: &mut [u8],
    ) -> io::Result<()> {
        let n = match stream.read(buf) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "client {id}: the server closed the connection during message {}",
                        self.message
                    ),
                ));
            }
            Ok(n) => n,
            Err(err) if retry_later(&err) => return Ok(()),
            Err(err) => return Err(err),
        };
        let expected = &self.out[self.echoed..self.sent];
        let mismatch = (0..n).find(|&i| expected.get(i).map(|&b| reply(b)) != Some(buf[i]));
        if let Some(i) = mismatch {
            let got = buf[i];
            let detail = match expected.get(i) {
                Some(&sent) => format!("expected {:#04x}, got {got:#04x}", reply(sent)),
                None => format!("got {got:#04x} beyond the {} bytes sent", self.sent),
            };
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "client {id}, message {}, byte {}: {detail}",
                    self.message,
                    self.echoed + i
                ),
            ));
        }
        self.echoed += n;
        Ok(())
    }
}

/// The longest message.
pub(crate) const MAX_LEN: usize = 256;

/// Fills `out` with message `message` of client `client`: 64 to 256 bytes from a generator
/// seeded by both numbers, so every message differs and a byte echoed to the wrong
/// connection, out of order or twice does not match.
pub(crate) fn fill_message(client: usize, message: usize, out: &mut Vec<u8>) {
    let mut state = splitmix64(((client as u64) << 32) ^ message as u64);
    let len = 64 + (state % (MAX_LEN as u64 - 63)) as usize;
    out.clear();
    while out.len() < len {
        state = splitmix64(state);
        let take = (len - out.len()).min(8);
        out.extend_from_slice(&state.to_le_bytes()[..take]);
    }
}

/// SplitMix64: a tiny, well-mixed generator (Steele, Lea, Flood 2014).
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
