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

use std::net::TcpListener;
use std::process::ExitCode;

#[path = "echo/clients.rs"]
mod clients;
#[path = "echo/server.rs"]
mod server;

const USAGE: &str = "usage: echo [--port P] [--backend NAME] [--clients C [--messages M]]";

/// The command line.
#[derive(Debug)]
struct Args {
    port: u16,
    backend: Option<selectors::BackendKind>,
    clients: Option<usize>,
    messages: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 1234,
        backend: None,
        clients: None,
        messages: 100,
    };
    let mut argv = std::env::args().skip(1);
    while let Some(flag) = argv.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_owned());
        }
        let value = argv
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|err| format!("{flag} {value}: {err}"))
        };
        match flag.as_str() {
            "--port" => {
                args.port = value
                    .parse()
                    .map_err(|err| format!("--port {value}: {err}"))?
            }
            "--backend" => {
                args.backend = Some(value.parse().map_err(|err| format!("--backend: {err}"))?)
            }
            "--clients" => args.clients = Some(number()?),
            "--messages" => args.messages = number()?,
            _ => return Err(format!("unknown argument {flag}\n{USAGE}")),
        }
    }
    if args.clients == Some(0) || args.messages == 0 {
        return Err("--clients and --messages must be at least 1".to_owned());
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
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
fn serve_forever(args: &Args) -> std::io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", args.port))?;
    server::serve(listener, args.backend, None, true)
}

fn run_with_clients(args: &Args, clients: usize) -> std::io::Result<()> {
    let config = clients::Config {
        clients,
        messages: args.messages,
        port: args.port,
        backend: args.backend,
    };
    let report = clients::run(&config)?;
    let seconds = report.elapsed.as_secs_f64();
    println!(
        "echo over {}: {clients} clients x {} messages = {} messages, {} bytes, every byte checked",
        report.backend, config.messages, report.messages, report.bytes,
    );
    println!(
        "{:.3} s: {:.0} messages/s, {:.2} MB/s of payload echoed",
        seconds,
        report.messages as f64 / seconds,
        report.bytes as f64 / seconds / 1e6,
    );
    Ok(())
}
