//! The run: modes, interleaved repetitions, one table per workload, the targets, and the
//! files written (`docs/`, and the README's copies of two tables).

use std::time::{Duration, Instant};

use crate::output;
use crate::report::{self, Row, Table, median};
use crate::wake::run_w5;
use crate::workloads::floors::{RawEpollImp, RawEpollOutOfLineImp, RawPollImp, RawSelectImp};
use crate::workloads::ours::{
    EpollIdleWaker, EpollInto, EpollWith, PollIdleWaker, PollWith, SelectIdleWaker, SelectWith,
};
use crate::workloads::peers::{MioEdgeImp, MioImp, MioLevelImp, PollingImp};
use crate::workloads::{Budget, Channels, raise_fd_limit, w1, w2, w3, w4};

/// How much to measure.
#[derive(Debug, Clone)]
pub(crate) struct Mode {
    name: &'static str,
    pub(crate) reps: usize,
    budget: Budget,
    echo_budget: Budget,
    w1_sizes: Vec<usize>,
    sizes: Vec<usize>,
    clients: Vec<usize>,
    /// W5's timed rounds per sample.
    pub(crate) wake_rounds: usize,
    write_docs: bool,
}

/// A sample's budget: `millis` of timed batches, and at least `batches` of them.
fn budget(millis: u64, batches: usize) -> Budget {
    Budget {
        time: Duration::from_millis(millis),
        min_batches: batches,
    }
}

impl Mode {
    pub(crate) fn new(quick: bool, smallest: bool) -> Mode {
        if smallest {
            return Mode {
                name: "smallest (smoke test)",
                reps: 1,
                budget: budget(1, 1),
                echo_budget: budget(10, 1),
                w1_sizes: vec![100],
                sizes: vec![100],
                clients: vec![10],
                wake_rounds: 100,
                write_docs: false,
            };
        }
        if quick {
            return Mode {
                name: "quick",
                reps: 16,
                budget: budget(7, 2),
                echo_budget: budget(40, 2),
                w1_sizes: vec![100, 1000, 10_000],
                sizes: vec![100, 1000, 10_000],
                clients: vec![1, 100],
                wake_rounds: 200,
                write_docs: true,
            };
        }
        Mode {
            name: "full",
            reps: 30,
            budget: budget(15, 3),
            echo_budget: budget(150, 3),
            w1_sizes: vec![100, 1000, 10_000],
            sizes: vec![100, 300, 1000, 3000, 10_000],
            clients: vec![1, 10, 100],
            wake_rounds: 500,
            write_docs: true,
        }
    }
}

/// An implementation: its name, its floor's name, and its sample function.
pub(crate) type Entry<F> = (&'static str, &'static str, F);

/// The entries of `module::function::<Family>` for each family.
macro_rules! imps {
    ($module:ident :: $function:ident; $($imp:ty),* $(,)?) => {
        vec![$((
            <$imp as crate::workloads::Imp>::NAME,
            <$imp as crate::workloads::Imp>::FLOOR,
            $module::$function::<$imp> as _,
        )),*]
    };
}

/// Runs `sample` for every entry, `reps` times, interleaved.
pub(crate) fn interleave<F, R>(
    label: &str,
    entries: &[Entry<F>],
    reps: usize,
    mut sample: impl FnMut(&F) -> Vec<R>,
) -> Vec<Vec<R>> {
    let mut results: Vec<Vec<R>> = entries.iter().map(|_| Vec::new()).collect();
    for rep in 0..reps {
        eprint!("\r{label}: repetition {}/{reps}   ", rep + 1);
        // Rotated each repetition, and reversed every other one, so that every entry runs
        // early and late and beside every other: neither drift nor what ran just before
        // (caches, the kernel's allocators) favours one entry.
        let n = entries.len();
        let mut order: Vec<usize> = (0..n).map(|k| (k + rep / 2) % n).collect();
        if rep % 2 == 1 {
            order.reverse();
        }
        for i in order {
            results[i].extend(sample(&entries[i].2));
        }
    }
    eprintln!();
    results
}

/// Fills one table's rows from per-size results.
fn rows<F>(entries: &[Entry<F>], per_size: &[Vec<Vec<f64>>]) -> Vec<Row> {
    entries
        .iter()
        .enumerate()
        .map(|(i, &(name, floor, _))| Row {
            name,
            floor,
            medians: per_size.iter().map(|r| median(&r[i])).collect(),
        })
        .collect()
}

type Sample = fn(&Channels, &Budget) -> Vec<f64>;
type ChurnSample = fn(&Channels, &Budget) -> Vec<[f64; 4]>;
type EchoSample = fn(usize, &Budget) -> Vec<f64>;

fn run_w1(mode: &Mode) -> Table {
    let entries: Vec<Entry<Sample>> = imps![w1::sample;
        RawEpollImp, EpollWith, EpollInto, MioLevelImp, PollingImp,
        RawPollImp, PollWith, RawSelectImp, SelectWith];
    let per_size: Vec<_> = mode
        .w1_sizes
        .iter()
        .map(|&n| {
            let channels = Channels::new(n);
            interleave(&format!("W1 N={n}"), &entries, mode.reps, |f| {
                f(&channels, &mode.budget)
            })
        })
        .collect();
    Table {
        id: "w1",
        title: format!(
            "W1 — libevent bench.c: µs per round (A = {} active, W = {} chained writes)",
            w1::ACTIVE,
            w1::WRITES
        ),
        unit: "µs per round",
        size: "N",
        sizes: mode.w1_sizes.clone(),
        headings: None,
        notes: vec![
            "N one-way channels over N/2 Unix socketpairs, one channel per direction \
             (1 fd per channel, so N = 10,000 fits the 20,000-fd limit); the same layout at \
             every N. Each round: zero-timeout waits until all A + W one-byte messages are read."
                .into(),
        ],
        rows: rows(&entries, &per_size),
        higher_is_better: false,
        second_floor: None,
        growth: false,
    }
}

fn run_w2(mode: &Mode) -> (Table, Table) {
    let entries: Vec<Entry<ChurnSample>> = imps![w2::sample;
        RawEpollImp, RawEpollOutOfLineImp, EpollWith, MioImp, PollingImp,
        RawPollImp, PollWith, RawSelectImp, SelectWith];
    let results: Vec<Vec<Vec<[f64; 4]>>> = mode
        .sizes
        .iter()
        .map(|&n| {
            let channels = Channels::new(n);
            interleave(&format!("W2 N={n}"), &entries, mode.reps, |f| {
                f(&channels, &mode.budget)
            })
        })
        .collect();
    let metric = |k: usize| -> Vec<Vec<Vec<f64>>> {
        results
            .iter()
            .map(|per_imp| {
                per_imp
                    .iter()
                    .map(|cycles| cycles.iter().map(|c| c[k]).collect())
                    .collect()
            })
            .collect()
    };
    let main = Table {
        id: "w2",
        title: "W2 — registration churn: ns per operation (register, modify, unregister)".into(),
        unit: "ns per op",
        size: "N",
        sizes: mode.sizes.clone(),
        headings: None,
        notes: vec![
            "Register N fds for read, modify each to write, unregister each: 3·N operations per \
             cycle. In brackets for epoll-based rows: × the inlined raw floor · × the floor \
             whose epoll_ctl calls go through an out-of-line function."
                .into(),
        ],
        rows: rows(&entries, &metric(0)),
        higher_is_better: false,
        second_floor: Some(("raw epoll", "raw epoll (out-of-line)")),
        growth: true,
    };
    let largest = mode.sizes.len() - 1;
    let phases = Table {
        id: "w2-phases",
        title: format!(
            "W2 phases at N = {}: ns per register / modify / unregister",
            mode.sizes[largest]
        ),
        unit: "ns per op",
        size: "phase",
        sizes: vec![1, 2, 3],
        headings: Some(vec!["register", "modify", "unregister"]),
        notes: Vec::new(),
        rows: entries
            .iter()
            .enumerate()
            .map(|(i, &(name, floor, _))| Row {
                name,
                floor,
                medians: (1..4).map(|k| median(&metric(k)[largest][i])).collect(),
            })
            .collect(),
        higher_is_better: false,
        second_floor: Some(("raw epoll", "raw epoll (out-of-line)")),
        growth: false,
    };
    (main, phases)
}

fn run_w3(mode: &Mode) -> Table {
    let entries: Vec<Entry<Sample>> = imps![w3::sample;
        RawEpollImp, RawEpollOutOfLineImp, EpollWith, EpollInto, EpollIdleWaker, MioLevelImp,
        MioEdgeImp, PollingImp, RawPollImp, PollWith, PollIdleWaker, RawSelectImp, SelectWith,
        SelectIdleWaker];
    let per_size: Vec<_> = mode
        .sizes
        .iter()
        .map(|&n| {
            let channels = Channels::new(n);
            interleave(&format!("W3 N={n}"), &entries, mode.reps, |f| {
                f(&channels, &mode.budget)
            })
        })
        .collect();
    Table {
        id: "w3",
        title: "W3 — idle scan: ns per zero-timeout wait, N registered, 1 ready".into(),
        unit: "ns per wait",
        size: "N",
        sizes: mode.sizes.clone(),
        headings: None,
        notes: vec![
            "The same channels as W1, all registered for read; one holds an unread byte. \
             mio (edge) reports it once and then nothing: it times an empty epoll_wait. \
             (idle waker): the selector created its waker with the loop (`waker()` called \
             once, never woken), so the kernel holds one more registration."
                .into(),
        ],
        rows: rows(&entries, &per_size),
        higher_is_better: false,
        second_floor: None,
        growth: true,
    }
}

fn run_w4(mode: &Mode) -> Table {
    let entries: Vec<Entry<EchoSample>> = imps![w4::sample;
        RawEpollImp, EpollWith, MioLevelImp, MioEdgeImp, PollingImp,
        RawPollImp, PollWith, RawSelectImp, SelectWith];
    let per_size: Vec<_> = mode
        .clients
        .iter()
        .map(|&c| {
            interleave(&format!("W4 C={c}"), &entries, mode.reps, |f| {
                f(c, &mode.echo_budget)
            })
        })
        .collect();
    Table {
        id: "w4",
        title: format!(
            "W4 — echo over TCP loopback: messages per second ({}-byte messages)",
            w4::MESSAGE
        ),
        unit: "messages/s",
        size: "C",
        sizes: mode.clients.clone(),
        headings: None,
        notes: vec![
            "C client connections on one thread, one message in flight on each; the server \
             is the loop under test. In brackets: the cost ratio (floor's rate ÷ this rate)."
                .into(),
        ],
        rows: rows(&entries, &per_size),
        higher_is_better: true,
        second_floor: None,
        growth: false,
    }
}

pub(crate) fn main(mode: Mode, only: &[String]) {
    let limit = raise_fd_limit();
    let largest = mode
        .sizes
        .iter()
        .chain(&mode.w1_sizes)
        .max()
        .copied()
        .unwrap_or(0);
    assert!(
        limit as usize > largest + 64,
        "the fd limit ({limit}) is too low for N = {largest}"
    );
    let started = Instant::now();
    if !only.is_empty() {
        for id in only {
            let tables = match id.as_str() {
                "w1" => vec![run_w1(&mode)],
                "w2" => {
                    let (main, phases) = run_w2(&mode);
                    vec![main, phases]
                }
                "w3" => vec![run_w3(&mode)],
                "w4" => vec![run_w4(&mode)],
                "w5" => vec![run_w5(&mode)],
                other => panic!("unknown workload {other}: w1, w2, w3, w4 or w5"),
            };
            for table in tables {
                println!("{}", table.markdown());
            }
        }
        eprintln!("compare: {:.1} s", started.elapsed().as_secs_f64());
        return;
    }
    let w1 = run_w1(&mode);
    let (w2, w2_phases) = run_w2(&mode);
    let w3 = run_w3(&mode);
    let w4 = run_w4(&mode);
    let w5 = run_w5(&mode);
    let tables = [&w1, &w2, &w2_phases, &w3, &w4, &w5];
    let checks = output::checks(&w1, &w2, &w3, &w5);
    let header = output::header(mode.name, mode.reps);
    let mut text = header.clone();
    for table in tables {
        text.push('\n');
        text.push_str(&table.markdown());
    }
    text.push_str("\n### Targets\n\n");
    text.push_str(&report::checks_markdown(&checks));
    println!("{text}");
    eprintln!("compare: {:.1} s", started.elapsed().as_secs_f64());
    if mode.write_docs {
        output::write_docs(&header, &tables, &checks);
    } else {
        eprintln!("compare: {} mode writes nothing to docs/", mode.name);
    }
}
