//! A server whose connections are handled by a pool of worker threads, which hand their
//! results back to the selector loop through a channel and the selector's `Waker`.
//!
//! ```text
//! cargo run --example pool                      # serve on 127.0.0.1:1234 until Ctrl-C
//! cargo run --release --example pool -- --clients 50 --messages 200 --workers 4
//! ```
//!
//! The loop reads each connection's requests and gives them to a worker (always the same one
//! for a connection, so its replies stay in order); the worker computes the reply (each
//! byte's complement), sends it back on a channel and calls `wake()`, which ends the loop's
//! `select(None)` so it sends the reply. With `--clients C` the example runs C clients of its
//! own, as the echo example does, and checks that every byte came back complemented.

use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;

#[path = "echo/cli.rs"]
mod cli;
#[path = "echo/clients.rs"]
mod clients;
#[path = "echo/net.rs"]
mod net;
#[path = "pool/server.rs"]
mod pool;

const USAGE: &str = "usage: pool [--port P] [--backend NAME] [--workers W] [--clients C \
                     [--messages M]]";

/// Workers unless `--workers` says otherwise.
const WORKERS: usize = 4;

fn main() -> ExitCode {
    let args = match cli::parse_args(USAGE, Some(WORKERS)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let result = match args.clients {
        None => TcpListener::bind(("127.0.0.1", args.port))
            .and_then(|listener| pool::serve(listener, args.backend, None, args.workers, true)),
        Some(clients) => run_with_clients(&args, clients),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("pool: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run_with_clients(args: &cli::Args, clients: usize) -> std::io::Result<()> {
    let workers = args.workers;
    let config = clients::Config {
        server: Arc::new(move |listener, kind, stop_after, verbose| {
            pool::serve(listener, kind, stop_after, workers, verbose)
        }),
        reply: pool::reply,
        clients,
        messages: args.messages,
        port: args.port,
        backend: args.backend,
    };
    let report = clients::run(&config)?;
    clients::print_report(&format!("pool of {workers} workers"), &config, &report);
    Ok(())
}
