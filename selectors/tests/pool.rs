//! The worker-pool example (examples/pool.rs), run with its own clients under every backend
//! of this build: every reply computed by a worker, handed back through a channel and the
//! selector's waker, and checked byte by byte.

use std::sync::Arc;

use selectors::{BackendKind, available_backends};

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
#[path = "../examples/pool/server.rs"]
mod pool;
#[allow(
    dead_code,
    reason = "the example's command line uses what the tests do not"
)]
#[path = "../examples/echo/server.rs"]
mod server;

use clients::{Config, run};

fn config(workers: usize, backend: Option<BackendKind>) -> Config {
    Config {
        server: Arc::new(move |listener, kind, stop_after, verbose| {
            pool::serve(listener, kind, stop_after, workers, verbose)
        }),
        reply: pool::reply,
        clients: 12,
        messages: 40,
        port: 0,
        backend,
    }
}

#[test]
fn pool_with_clients_under_each_backend() {
    for &backend in available_backends() {
        for workers in [1, 3] {
            let report = run(&config(workers, Some(backend)))
                .unwrap_or_else(|err| panic!("pool of {workers} over {backend}: {err}"));
            assert_eq!(report.backend, backend.name());
            assert_eq!(report.messages, 12 * 40);
        }
    }
}

/// The check does see whether the bytes went through a worker: the echo server's replies
/// (the bytes themselves) fail it at the first byte.
#[test]
fn replies_that_did_not_go_through_a_worker_are_caught() {
    let mut config = config(2, None);
    config.server = Arc::new(server::serve);
    let err = run(&config).expect_err("echoed bytes are not complements");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData, "{err}");
    assert!(err.to_string().contains("byte 0"), "{err}");
}
