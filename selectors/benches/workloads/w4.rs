//! W4, echo over TCP loopback: C client connections, each with one [`MESSAGE`]-byte message
//! in flight; the server (the loop under test, on this thread) reads whatever is ready and
//! writes it back; messages echoed per second.
//!
//! The clients run on one thread with blocking sockets: they send one message on every
//! connection, then go round the connections reading each echo and sending the next message.
//! Both sides set `TCP_NODELAY`. The server reads once per event (level semantics) or until
//! `EAGAIN` (an edge-triggered loop), and never unregisters while measuring.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustix::fd::OwnedFd;
use rustix::io::Errno;

use super::{Budget, EventLoop, Imp, Interest};

/// Bytes per message.
pub(crate) const MESSAGE: usize = 64;

/// The server's wait timeout, so it notices the end of a batch when traffic stops.
const TICK: Duration = Duration::from_millis(10);

/// The client side: `clients` connections driven by one thread until `stop`.
fn spawn_clients(
    addr: SocketAddr,
    clients: usize,
    go: Arc<Barrier>,
    stop: Arc<AtomicBool>,
) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut streams: Vec<TcpStream> = (0..clients)
            .map(|_| {
                let stream = TcpStream::connect(addr).expect("connect to the echo server");
                stream.set_nodelay(true).expect("TCP_NODELAY");
                stream
            })
            .collect();
        go.wait();
        let message = [b'm'; MESSAGE];
        let mut echo = [0_u8; MESSAGE];
        for stream in &mut streams {
            stream.write_all(&message).expect("send");
        }
        loop {
            for stream in &mut streams {
                stream.read_exact(&mut echo).expect("receive the echo");
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                stream.write_all(&message).expect("send");
            }
        }
    })
}

/// Echoes what is ready on `fd`; returns the bytes echoed. `drain`: read until `EAGAIN`.
/// Out of line for every loop alike, as W1's handler (see `w1::handle`).
#[inline(never)]
fn echo(fd: &OwnedFd, buf: &mut [u8], drain: bool) -> usize {
    let mut echoed = 0;
    loop {
        match rustix::io::read(fd, &mut *buf) {
            Ok(0) | Err(Errno::AGAIN) => return echoed,
            Ok(n) => {
                let mut sent = 0;
                while sent < n {
                    match rustix::io::write(fd, &buf[sent..n]) {
                        Ok(wrote) => sent += wrote,
                        Err(Errno::AGAIN) => thread::yield_now(),
                        // The clients hang up at the end of a sample.
                        Err(Errno::PIPE | Errno::CONNRESET) => return echoed,
                        Err(err) => panic!("echo write: {err}"),
                    }
                }
                echoed += n;
                if !drain {
                    return echoed;
                }
            }
            Err(Errno::CONNRESET) => return echoed,
            Err(err) => panic!("echo read: {err}"),
        }
    }
}

/// When a timed batch ends: after `time`, or once `messages` were echoed.
#[derive(Debug, Clone, Copy)]
struct Batches {
    time: Duration,
    messages: usize,
    count: usize,
}

/// Serves `conns` with loop `L`: a warm-up, then the timed batches; returns each batch's
/// messages and duration. Then stops the clients and serves until they are gone.
fn serve<'fd, L: EventLoop<'fd>>(
    conns: &'fd [OwnedFd],
    batches: Batches,
    stop: &AtomicBool,
    clients: &JoinHandle<()>,
) -> Vec<(usize, Duration)> {
    let mut event_loop = L::new(conns.len());
    for (i, conn) in conns.iter().enumerate() {
        event_loop.register(conn, i as u32, Interest::Read);
    }
    let mut buf = vec![0_u8; 64 * 1024];
    // Serves until `done(start, messages)`; returns the messages echoed.
    let mut run = |done: &dyn Fn(Instant, usize) -> bool| {
        let (start, mut bytes) = (Instant::now(), 0);
        while !done(start, bytes / MESSAGE) {
            event_loop.poll(Some(TICK), |token| {
                bytes += echo(&conns[token as usize], &mut buf, L::EDGE);
            });
        }
        (bytes / MESSAGE, start.elapsed())
    };
    run(&|start, messages| start.elapsed() >= batches.time / 2 || messages >= batches.messages / 2);
    let results = (0..batches.count)
        .map(|_| {
            run(&|start, messages| start.elapsed() >= batches.time || messages >= batches.messages)
        })
        .collect();
    stop.store(true, Ordering::Relaxed);
    run(&|_, _| clients.is_finished());
    results
}

/// Connects `clients` clients, serves them with `I`'s loop for `batches`, and disconnects.
fn session<I: Imp>(clients: usize, batches: Batches) -> Vec<(usize, Duration)> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let go = Arc::new(Barrier::new(2));
    let stop = Arc::new(AtomicBool::new(false));
    let client_thread = spawn_clients(
        listener.local_addr().expect("local address"),
        clients,
        Arc::clone(&go),
        Arc::clone(&stop),
    );
    let conns: Vec<OwnedFd> = (0..clients)
        .map(|_| {
            let (stream, _) = listener.accept().expect("accept");
            stream.set_nodelay(true).expect("TCP_NODELAY");
            stream.set_nonblocking(true).expect("O_NONBLOCK");
            OwnedFd::from(stream)
        })
        .collect();
    go.wait();
    let results = serve::<I::Loop<'_>>(&conns, batches, &stop, &client_thread);
    client_thread.join().expect("the client thread");
    results
}

/// One sample for the runner: messages per second, one value per batch.
pub(crate) fn sample<I: Imp>(clients: usize, budget: &Budget) -> Vec<f64> {
    let count = budget.min_batches.max(1);
    let batches = Batches {
        time: budget.time / count as u32,
        messages: usize::MAX,
        count,
    };
    session::<I>(clients, batches)
        .into_iter()
        .map(|(messages, elapsed)| messages as f64 / elapsed.as_secs_f64())
        .collect()
}

/// The time `iters` echoed messages take, for criterion's `iter_custom`.
pub(crate) fn messages<I: Imp>(clients: usize, iters: u64) -> Duration {
    let batches = Batches {
        time: Duration::MAX,
        messages: usize::try_from(iters).unwrap_or(usize::MAX).max(1),
        count: 1,
    };
    session::<I>(clients, batches)[0].1
}
