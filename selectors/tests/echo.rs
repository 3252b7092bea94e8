//! The echo example (examples/echo.rs), run with its own clients under every backend of this
//! build, and its byte check shown to catch a wrong, missing or extra byte.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;

use selectors::{BackendKind, DefaultSelector, available_backends};

#[allow(
    dead_code,
    reason = "the example's command line uses what the tests do not"
)]
#[path = "../examples/echo/clients.rs"]
mod clients;
#[allow(
    dead_code,
    reason = "the example's command line uses what the tests do not"
)]
#[path = "../examples/echo/net.rs"]
mod net;
#[allow(
    dead_code,
    reason = "the example's command line uses what the tests do not"
)]
#[path = "../examples/echo/server.rs"]
mod server;

use clients::{Config, fill_message, run, run_clients};

fn config(clients: usize, messages: usize, backend: Option<BackendKind>) -> Config {
    Config {
        server: std::sync::Arc::new(server::serve),
        reply: |byte| byte,
        clients,
        messages,
        port: 0,
        backend,
    }
}

/// The payload of a full run, computed from the message sizes alone.
fn payload(clients: usize, messages: usize) -> u64 {
    let mut out = Vec::new();
    let mut total = 0;
    for client in 0..clients {
        for message in 0..messages {
            fill_message(client, message, &mut out);
            total += out.len() as u64;
        }
    }
    total
}

#[test]
fn echo_with_clients_under_each_backend() {
    for &backend in available_backends() {
        let report = run(&config(12, 40, Some(backend)))
            .unwrap_or_else(|err| panic!("echo over {backend}: {err}"));
        assert_eq!(report.backend, backend.name());
        assert_eq!(report.messages, 12 * 40);
        assert_eq!(report.bytes, payload(12, 40), "over {backend}");
    }
}

#[test]
fn echo_with_clients_under_default_selector() {
    let expected = DefaultSelector::<TcpStream>::new().unwrap();
    let report = run(&config(5, 20, None)).unwrap();
    assert_eq!(report.backend, expected.backend_name());
    assert_eq!(report.bytes, payload(5, 20));
}

#[test]
fn messages_are_distinct_and_sized_64_to_256() {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (client, message) in [(0, 0), (0, 1), (1, 0), (7, 99)] {
        fill_message(client, message, &mut a);
        assert!((64..=256).contains(&a.len()), "{} bytes", a.len());
        fill_message(client, message + 1, &mut b);
        assert_ne!(a, b);
        fill_message(client + 1, message, &mut b);
        assert_ne!(a, b);
    }
}

/// How a faulty server answers the byte at `offset` of the stream: it pushes its reply (none,
/// one or more bytes) and returns false to hang up instead.
type Alter = fn(usize, u8, &mut Vec<u8>) -> bool;

/// A blocking server for one connection that answers every byte through `alter`.
fn faulty_server(alter: Alter) -> (SocketAddr, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let (mut buf, mut offset, mut out) = ([0_u8; 512], 0, Vec::new());
        loop {
            let n = match conn.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            out.clear();
            for &byte in &buf[..n] {
                if !alter(offset, byte, &mut out) {
                    let _ = conn.write_all(&out);
                    let _ = conn.shutdown(Shutdown::Both);
                    return;
                }
                offset += 1;
            }
            if conn.write_all(&out).is_err() {
                return;
            }
        }
    });
    (addr, server)
}

fn run_against(alter: Alter) -> io::Result<clients::Report> {
    let (addr, server) = faulty_server(alter);
    let result = run_clients(addr, &config(1, 20, None));
    server.join().unwrap();
    result
}

#[test]
fn an_honest_echo_passes() {
    let report = run_against(|_, byte, out| {
        out.push(byte);
        true
    })
    .unwrap();
    assert_eq!(report.bytes, payload(1, 20));
}

#[test]
fn a_wrong_byte_fails_the_run() {
    let err = run_against(|offset, byte, out| {
        out.push(if offset == 300 { byte ^ 0x10 } else { byte });
        true
    })
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
    assert!(err.to_string().contains("expected"), "{err}");
}

#[test]
fn an_extra_byte_fails_the_run() {
    // The last byte of the first message, echoed twice.
    let err = run_against(|offset, byte, out| {
        let mut first = Vec::new();
        fill_message(0, 0, &mut first);
        out.push(byte);
        if offset == first.len() - 1 {
            out.push(byte);
        }
        true
    })
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
}

#[test]
fn a_hang_up_fails_the_run() {
    let err = run_against(|offset, byte, out| {
        out.push(byte);
        offset < 500
    })
    .unwrap_err();
    // EOF, or a reset if the hang-up left some of the client's bytes unread.
    let kinds = [io::ErrorKind::UnexpectedEof, io::ErrorKind::ConnectionReset];
    assert!(kinds.contains(&err.kind()), "{err}");
}

/// The server's partial-write path: a client sends far more than the socket buffers hold
/// before reading anything, so the server must keep what it could not send, wait for
/// `EVENT_WRITE`, and stop reading meanwhile.
#[test]
fn server_echoes_a_large_burst_under_each_backend() {
    const BURST: usize = 4 << 20;
    for &backend in available_backends() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let kind = backend;
        let server = thread::spawn(move || server::serve(listener, Some(kind), Some(1), false));
        let conn = TcpStream::connect(addr).unwrap();
        let mut writer = conn.try_clone().unwrap();
        let sender = thread::spawn(move || {
            let data: Vec<u8> = (0..BURST).map(|i| (i % 251) as u8).collect();
            writer.write_all(&data).unwrap();
            writer.shutdown(Shutdown::Write).unwrap();
        });
        let mut echoed = Vec::with_capacity(BURST);
        (&conn)
            .read_to_end(&mut echoed)
            .unwrap_or_else(|err| panic!("{backend}: {err}"));
        sender.join().unwrap();
        assert_eq!(echoed.len(), BURST, "over {backend}");
        let first_wrong = echoed
            .iter()
            .enumerate()
            .find(|&(i, &b)| b != (i % 251) as u8);
        assert_eq!(first_wrong, None, "over {backend}");
        drop(conn);
        server.join().unwrap().unwrap();
    }
}
