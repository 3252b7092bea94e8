//! What a run leaves behind: the performance targets checked against the medians,
//! `docs/benchmarks.md` with the W1 and W3 charts, and the W1 and W3 tables of the README.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use crate::report::{self, Check, Table};
use crate::svg;
use crate::wake;
use crate::workloads::WALL_CLOCK;

/// The performance targets, checked against the medians: for each, the worst over the sizes
/// of one row's cost relative to another's (its floor or a peer), or a row's growth from the
/// smallest to the largest size, and the limit it must stay under.
pub(crate) fn checks(w1: &Table, w2: &Table, w3: &Table, w5: &Table) -> Vec<Check> {
    let worst = |table: &Table, name: &str, other: &str| -> (f64, String) {
        (0..table.sizes.len())
            .map(|i| (table.ratio(name, other, i), table.sizes[i]))
            .fold((f64::MIN, String::new()), |(w, d), (r, n)| {
                if r > w {
                    (r, format!("at N = {n}"))
                } else {
                    (w, d)
                }
            })
    };
    let ratio = |what: &str, table: &Table, name: &str, other: &str, limit: f64| {
        let (worst, detail) = worst(table, name, other);
        Check {
            what: what.into(),
            worst,
            limit,
            detail,
        }
    };
    let growth = |what: &str, table: &Table, name: &str, limit: f64| Check {
        what: what.into(),
        worst: table.growth_of(name),
        limit,
        detail: format!(
            "its floor ({}) grows {:.2}",
            table.row(name).map_or("?", |row| row.floor),
            table.growth_of(table.row(name).map_or(name, |row| row.floor))
        ),
    };
    // Every size's ratio in the detail, as well as the worst.
    let each_size = |what: &str, table: &Table, name: &str, other: &str, limit: f64| {
        let each: Vec<String> = (0..table.sizes.len())
            .map(|i| {
                format!(
                    "{:.3} at N = {}",
                    table.ratio(name, other, i),
                    table.sizes[i]
                )
            })
            .collect();
        Check {
            what: what.into(),
            worst: worst(table, name, other).0,
            limit,
            detail: each.join(", "),
        }
    };
    // W5's median column.
    let median = |what: &str, name: &str, other: &str, limit: f64| Check {
        what: what.into(),
        worst: w5.ratio(name, other, 0),
        limit,
        detail: format!(
            "{} µs ÷ {} µs",
            report::number(w5.value(name, 0)),
            report::number(w5.value(other, 0))
        ),
    };
    let ool = "raw epoll (out-of-line)";
    let mut checks = vec![
        ratio("W1 epoll / raw epoll", w1, "epoll", "raw epoll", 1.05),
        ratio("W3 epoll / raw epoll", w3, "epoll", "raw epoll", 1.10),
        ratio("W2 epoll / out-of-line raw epoll", w2, "epoll", ool, 1.05),
        ratio("W1 epoll / polling", w1, "epoll", "polling (level)", 1.0),
        ratio("W2 epoll / polling", w2, "epoll", "polling (level)", 1.0),
        ratio("W3 epoll / polling", w3, "epoll", "polling (level)", 1.0),
        ratio(
            "W1 epoll / mio (level: re-arm)",
            w1,
            "epoll",
            "mio (level: re-arm)",
            1.0,
        ),
        ratio("W2 epoll / mio", w2, "epoll", "mio", 1.0),
        ratio(
            "W3 epoll / mio (level: re-arm)",
            w3,
            "epoll",
            "mio (level: re-arm)",
            1.0,
        ),
        ratio("W1 poll / raw poll", w1, "poll", "raw poll", 1.10),
        ratio("W3 poll / raw poll", w3, "poll", "raw poll", 1.10),
        ratio("W1 select / raw select", w1, "select", "raw select", 1.10),
        ratio("W3 select / raw select", w3, "select", "raw select", 1.10),
        growth("W3 epoll: cost at largest N ÷ smallest N", w3, "epoll", 1.3),
        growth(
            "W2 epoll: ns/op at largest N ÷ smallest N",
            w2,
            "epoll",
            1.3,
        ),
        growth("W2 poll: ns/op at largest N ÷ smallest N", w2, "poll", 1.3),
        growth(
            "W2 select: ns/op at largest N ÷ smallest N",
            w2,
            "select",
            1.3,
        ),
    ];
    for backend in ["epoll", "poll", "select"] {
        let what = format!("W3 with an idle waker ÷ without, {backend}");
        let idle = format!("{backend} (idle waker)");
        checks.push(each_size(&what, w3, &idle, backend, 1.02));
    }
    for peer in ["mio (Waker)", "polling (notify)"] {
        let what = format!("W5 median: epoll / {peer}");
        checks.push(median(&what, "epoll", peer, 1.0));
    }
    checks
}

const PEERS: &str = "\
How each implementation is driven (`selectors/benches/workloads/`):
- **raw epoll / raw poll / raw select** (the floors): hand-written rustix loops doing the least \
work the kernel allows — the token in the epoll event data; a persistent `pollfd` array with a \
parallel token array; two fd bitsets copied per call.
- **epoll, poll, select**: our `BaseSelector` over each backend, file objects `&OwnedFd`, the \
token as key data, `select_with` (and `select_into` + `get_key` where named). **(idle waker)**: \
the same on a selector that created its waker with the loop (`waker()` called once, never \
woken): one more registration for the kernel (an eventfd), which poll and select scan on every \
wait.
- **mio (level: re-arm)**: mio registers edge-triggered only; level semantics are reproduced by \
re-registering (`EPOLL_CTL_MOD`) each reported source after its handler ran, so the kernel \
re-checks readiness and reports the source again while it is still ready — one extra \
`epoll_ctl` per event. **mio (edge)** is mio as it is, handlers draining until `EAGAIN`.
- **polling (level)**: `PollMode::Level` registrations and `Poller::wait` (which also arms its \
timerfd: two extra system calls per wait).
";

const NOTES: &str = "\
What the rows show beyond the targets:
- **raw epoll (out-of-line)** is the raw loop with each system call behind a function call. \
The gap between the two raw rows is what a function return right after a system call costs \
on this machine (most likely a mispredicted return: the CPU's return-stack predictor does not \
survive the system call); a library whose call ends in an out-of-line system call pays it, an \
inlined raw loop does not. Our backends inline `select`, `register`, `modify` \
and `unregister` down to the `syscall` instruction (`#[inline]` on the generic selector, the \
backends' methods and their `sys` wrappers), so they track the inlined floor.
- For the same reason W1's and W4's handlers are out-of-line functions for every loop alike, \
as an application's would be: whether the compiler happens to inline a closure through a \
loop's dispatch layers would otherwise decide W1, which makes two system calls per event.
- The W2 growth column of the raw epoll floor is the kernel's: `epoll_ctl` on N sockets walks \
a red-black tree of N entries and touches N sockets' kernel objects, which stop fitting in \
the caches. A library adds O(1) on top; compare each row's growth with its floor's.
- A row below its floor (W2's epoll rows at small N, by up to a quarter in some builds) is \
not a library beating the kernel: the same system calls are made, and a loop of back-to-back \
`epoll_ctl` calls runs at a speed that depends on where the code lands in the binary (the \
floor's loop measured in a standalone program runs at our backend's speed). Read such ratios \
as 1.00.
- poll and select scan all N fds in the kernel, so their W1 and W3 costs grow with N; \
epoll's do not.
";

fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs")
}

fn readme() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../README.md")
}

/// `text` with what lies between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` replaced by
/// `content`; `None` when the markers are missing.
pub(crate) fn replace_marked(text: &str, name: &str, content: &str) -> Option<String> {
    let open = format!("<!-- bench:{name} -->");
    let close = format!("<!-- /bench:{name} -->");
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find(&close)?;
    Some(format!("{}{content}{}", &text[..start], &text[end..]))
}

/// Rewrites the README's marked copies: the machine and date, and the W1 and W3 tables.
fn write_readme(tables: &[&Table]) {
    let path = readme();
    let Ok(mut text) = std::fs::read_to_string(&path) else {
        eprintln!("compare: no {}, not updated", path.display());
        return;
    };
    let machine = format!("{}, {}", report::machine(), report::today());
    let mut parts = vec![("machine", machine)];
    for table in tables.iter().filter(|t| t.id == "w1" || t.id == "w3") {
        parts.push((table.id, format!("\n\n{}\n", table.grid())));
    }
    for (name, content) in parts {
        match replace_marked(&text, name, &content) {
            Some(updated) => text = updated,
            None => eprintln!("compare: README.md has no `bench:{name}` markers, left as it is"),
        }
    }
    std::fs::write(&path, text).expect("write README.md");
    eprintln!("compare: wrote {}", path.display());
}

/// The paragraph above the tables: machine, date, mode and how to read the numbers.
pub(crate) fn header(mode: &str, reps: usize) -> String {
    let clock = if WALL_CLOCK.load(Ordering::Relaxed) {
        "wall-clock time"
    } else {
        "the measuring thread's CPU time (user + system; these workloads never block, so on \
         an idle machine it is the wall-clock time, and on a shared one it leaves out the time \
         other processes held the core)"
    };
    format!(
        "Measured on {}, {}, mode {mode}: medians of every timed batch over {reps} \
         interleaved repetitions (A B C …, then reversed, then rotated); W1–W3 time {clock}, \
         W4 and W5 the wall clock. In brackets: cost ÷ the raw floor of the same mechanism (below \
         1.00: noise or code placement, see the notes).\n",
        report::machine(),
        report::today(),
    )
}

/// Writes `docs/benchmarks.md`, the W1 and W3 charts (the tables' first and fourth) and the
/// README's copies of those two tables.
pub(crate) fn write_docs(header: &str, tables: &[&Table], checks: &[Check]) {
    let dir = docs_dir();
    std::fs::create_dir_all(&dir).expect("create docs/");
    let subtitle = format!("{} · {}", report::machine(), report::today());
    for table in tables.iter().filter(|t| t.id == "w1" || t.id == "w3") {
        let path = dir.join(format!("bench-{}.svg", table.id));
        std::fs::write(&path, svg::chart(table, &subtitle)).expect("write the chart");
        eprintln!("compare: wrote {}", path.display());
    }
    let doc = format!(
        "# Benchmarks\n\n\
         Reproduce with `cargo xtask bench` (full sweep, a few minutes) or `cargo xtask bench \
         --quick` (under two minutes); both run `cargo bench -p selectors-io --bench compare`, \
         which prints these tables and rewrites this file and the charts. The workloads are in \
         `selectors/benches/workloads/` (W1 follows libevent's `test/bench.c`); criterion \
         runs the same workloads with `cargo bench -p selectors-io --bench suite`.\n\n\
         {header}\n\
         ![W1: µs per round against N](bench-w1.svg)\n\n\
         ![W3: ns per wait against N](bench-w3.svg)\n\n\
         {PEERS}\n{NOTES}\n{}\n## Tables\n{}\n## Targets\n\n{}",
        wake::NOTES,
        tables
            .iter()
            .map(|t| format!("\n{}", t.markdown()))
            .collect::<String>(),
        report::checks_markdown(checks)
    );
    let path = dir.join("benchmarks.md");
    std::fs::write(&path, doc).expect("write docs/benchmarks.md");
    eprintln!("compare: wrote {}", path.display());
    write_readme(tables);
}
