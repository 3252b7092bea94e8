//! Running one Windows program under Wine with a time limit, its output shown as it comes and
//! kept, and libtest's `test result:` lines counted.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::wine::Wine;
use crate::Result;

/// What one run did.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// `None` when the program was killed at its time limit.
    pub(crate) status: Option<ExitStatus>,
    pub(crate) elapsed: Duration,
    /// Everything it printed on stdout, line by line.
    pub(crate) lines: Vec<String>,
}

/// libtest's counts, summed over a program's `test result:` lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tally {
    /// How many `test result:` lines there were: a test program prints one, unless it died.
    pub(crate) results: usize,
    pub(crate) passed: u64,
    pub(crate) failed: u64,
    pub(crate) ignored: u64,
}

impl Outcome {
    pub(crate) fn tally(&self) -> Tally {
        tally(&self.lines)
    }
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.results += other.results;
        self.passed += other.passed;
        self.failed += other.failed;
        self.ignored += other.ignored;
    }
}

/// Runs `exe args` under `wine` from `dir` (cargo runs tests from their package's directory),
/// killing it after `limit`.
pub(crate) fn run(
    wine: &Wine,
    exe: &Path,
    args: &[String],
    dir: &Path,
    limit: Duration,
) -> Result<Outcome> {
    let started = Instant::now();
    let mut child = wine
        .command(exe)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {} under Wine: {e}", exe.display()))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    // A thread reads, so that the time limit holds even when the program prints nothing.
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = Vec::new();
        while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            let text = String::from_utf8_lossy(&line).trim_end().to_owned();
            if sender.send(text).is_err() {
                break;
            }
            line.clear();
        }
    });
    let deadline = started + limit;
    let mut lines = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(left) {
            Ok(line) => {
                println!("{line}");
                lines.push(line);
            }
            // Its stdout is closed (it has exited, or is about to), or its time is up.
            Err(RecvTimeoutError::Disconnected | RecvTimeoutError::Timeout) => break,
        }
    }
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) => {
                // What it started is left to the Wine server's stop at the end.
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Err(e) => return Err(format!("cannot wait for {}: {e}", exe.display())),
        }
    };
    Ok(Outcome {
        status,
        elapsed: started.elapsed(),
        lines,
    })
}

/// Sums libtest's `test result: ok. 3 passed; 1 failed; 2 ignored; ...` lines.
pub(crate) fn tally(lines: &[String]) -> Tally {
    let mut tally = Tally::default();
    for line in lines {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            continue;
        };
        tally.results += 1;
        // `ok. 3 passed`, ` 1 failed`, ...: the status comes before the first count.
        let counts = rest.split_once(". ").map_or(rest, |(_, counts)| counts);
        for part in counts.split(';') {
            let mut words = part.split_whitespace();
            let (Some(number), Some(word)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(number) = number.parse::<u64>() else {
                continue;
            };
            match word {
                "passed" => tally.passed += number,
                "failed" => tally.failed += number,
                "ignored" => tally.ignored += number,
                _ => {}
            }
        }
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_libtest_result_lines() {
        let lines: Vec<String> = [
            "running 5 tests",
            "test a ... ok",
            "test result: ok. 16 passed; 0 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.03s",
            "",
            "test result: FAILED. 3 passed; 1 failed; 0 ignored; 0 measured; 4 filtered out; finished in 1.20s",
        ]
        .map(str::to_owned)
        .to_vec();
        let expected = Tally {
            results: 2,
            passed: 19,
            failed: 1,
            ignored: 2,
        };
        assert_eq!(tally(&lines), expected);
        assert_eq!(tally(&["running 1 test".to_owned()]), Tally::default());
    }
}
