//! The echo server of Python's `selectors` documentation
//! (<https://docs.python.org/3/library/selectors.html#examples>), written with
//! `DefaultSelector` and non-blocking std sockets.
//!
//! ```text
//! cargo run --example echo                      # serve on 127.0.0.1:1234 until Ctrl-C
//! cargo run --release --example echo -- --clients 50 --messages 200
//! ```
//!
//! With `--clients C`, the example also runs C client connections itself: one thread with its
//! own selector drives all of them while the server runs in another thread. Each client sends
//! M messages (`--messages M`, 100 by default) one at a time, each 64 to 256 bytes of a
//! pattern unique to the client and the message, and checks every echoed byte. It then prints
//! the throughput and exits 0; a wrong, missing or extra byte exits 1 with the reason.
//!
//! `--port P` changes the port (0: any free port), `--backend NAME` forces a backend
//! (`SELECTORS_BACKEND=NAME` does the same for any program using `DefaultSelector`).
//!
//! It runs unchanged on Windows (`DefaultSelector` is Winsock `select` there, `--backend poll`
//! is `WSAPoll`): `cargo xtask windows --example echo -- --port 0 --clients 50 --messages 200`
//! builds it for Windows and runs it, with its clients, under Wine.

use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;

#[path = "echo/cli.rs"]
mod cli;
#[path = "echo/clients.rs"]
mod clients;
#[path = "echo/net.rs"]
mod net;
#[path = "echo/server.rs"]
mod server;

const USAGE: &str = "usage: echo [--port P] [--backend NAME] [--clients C [--messages M]]";

fn main() -> ExitCode {
    let args = match cli::parse_args(USAGE, None) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let result = match args.clients {
        None => serve_forever(&args),
        Some(clients) => run_with_clients(&args, clients),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("echo: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Python's example as it is: serve until interrupted, printing what happens.
fn serve_forever(args: &cli::Args) -> std::io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", args.port))?;
    server::serve(listener, args.backend, None, true)
}

fn run_with_clients(args: &cli::Args, clients: usize) -> std::io::Result<()> {
    let config = clients::Config {
        server: Arc::new(server::serve),
        reply: |byte| byte,
        clients,
        messages: args.messages,
        port: args.port,
        backend: args.backend,
    };
    let report = clients::run(&config)?;
    clients::print_report("echo", &config, &report);
    Ok(())
}
