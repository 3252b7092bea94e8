//! The command line the examples share: `[--port P] [--backend NAME] [--clients C
//! [--messages M]]`, and `--workers W` where the example has workers.

use selectors::BackendKind;

/// The command line.
#[derive(Debug)]
pub(crate) struct Args {
    /// The port on 127.0.0.1 (0: any free port).
    pub(crate) port: u16,
    /// The backend; `None` lets `DefaultSelector` choose.
    pub(crate) backend: Option<BackendKind>,
    /// How many clients of its own the example runs; `None` serves until interrupted.
    pub(crate) clients: Option<usize>,
    /// How many messages each client sends.
    pub(crate) messages: usize,
    /// How many worker threads, for the examples that have them.
    pub(crate) workers: usize,
}

/// Parses the process's arguments; `workers` is the default worker count, or `None` if the
/// example takes no `--workers`. The error is the message to print.
pub(crate) fn parse_args(usage: &str, workers: Option<usize>) -> Result<Args, String> {
    let mut args = Args {
        port: 1234,
        backend: None,
        clients: None,
        messages: 100,
        workers: workers.unwrap_or(0),
    };
    let mut argv = std::env::args().skip(1);
    while let Some(flag) = argv.next() {
        if flag == "--help" || flag == "-h" {
            return Err(usage.to_owned());
        }
        let value = argv
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{usage}"))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|err| format!("{flag} {value}: {err}"))
        };
        match flag.as_str() {
            "--port" => {
                args.port = value
                    .parse()
                    .map_err(|err| format!("--port {value}: {err}"))?;
            }
            "--backend" => {
                args.backend = Some(value.parse().map_err(|err| format!("--backend: {err}"))?);
            }
            "--clients" => args.clients = Some(number()?),
            "--messages" => args.messages = number()?,
            "--workers" if workers.is_some() => args.workers = number()?,
            _ => return Err(format!("unknown argument {flag}\n{usage}")),
        }
    }
    if args.clients == Some(0) || args.messages == 0 || (workers.is_some() && args.workers == 0) {
        return Err("--clients, --messages and --workers must be at least 1".to_owned());
    }
    Ok(args)
}
