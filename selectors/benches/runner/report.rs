//! Tables of medians, rendered as Markdown, and the machine they were measured on.

use std::fmt::Write as _;

/// The median of `values` (NaN when empty).
pub(crate) fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// The `q` quantile of `values` (0 ≤ q ≤ 1), by nearest rank: the smallest value with at
/// least a fraction `q` of the values at or below it (NaN when empty).
pub(crate) fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// One implementation's medians, one per size.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) name: &'static str,
    pub(crate) floor: &'static str,
    pub(crate) medians: Vec<f64>,
}

/// One workload's results.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub(crate) id: &'static str,
    pub(crate) title: String,
    /// What the numbers are, e.g. "µs per round".
    pub(crate) unit: &'static str,
    /// The size column heading, e.g. "N" or "C".
    pub(crate) size: &'static str,
    pub(crate) sizes: Vec<usize>,
    /// Column headings in place of "`size` = n", when the columns are not sizes.
    pub(crate) headings: Option<Vec<&'static str>>,
    pub(crate) notes: Vec<String>,
    pub(crate) rows: Vec<Row>,
    /// Throughput (higher is better): ratios are then floor ÷ value, a cost ratio.
    pub(crate) higher_is_better: bool,
    /// A second floor shown beside the first for rows compared with `floor_of` (W2).
    pub(crate) second_floor: Option<(&'static str, &'static str)>,
    /// Show the growth from the smallest to the largest size.
    pub(crate) growth: bool,
}

impl Table {
    pub(crate) fn row(&self, name: &str) -> Option<&Row> {
        self.rows.iter().find(|row| row.name == name)
    }

    pub(crate) fn value(&self, name: &str, size_index: usize) -> f64 {
        self.row(name)
            .map_or(f64::NAN, |row| row.medians[size_index])
    }

    /// The cost ratio of `name` to `other` at one size (> 1: `name` costs more).
    pub(crate) fn ratio(&self, name: &str, other: &str, size_index: usize) -> f64 {
        let (a, b) = (self.value(name, size_index), self.value(other, size_index));
        if self.higher_is_better { b / a } else { a / b }
    }

    /// The growth of `name`'s cost from the smallest to the largest size.
    pub(crate) fn growth_of(&self, name: &str) -> f64 {
        let last = self.sizes.len() - 1;
        let (first, last) = (self.value(name, 0), self.value(name, last));
        if self.higher_is_better {
            first / last
        } else {
            last / first
        }
    }

    pub(crate) fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "### {}\n", self.title);
        for note in &self.notes {
            let _ = writeln!(out, "{note}");
        }
        if !self.notes.is_empty() {
            out.push('\n');
        }
        out.push_str(&self.grid());
        out
    }

    /// The table alone, without its title and notes (the README shows W1's and W3's).
    pub(crate) fn grid(&self) -> String {
        let mut out = String::new();
        let _ = write!(out, "| implementation ({}) |", self.unit);
        for (i, size) in self.sizes.iter().enumerate() {
            match &self.headings {
                Some(headings) => {
                    let _ = write!(out, " {} |", headings[i]);
                }
                None => {
                    let _ = write!(out, " {} = {size} |", self.size);
                }
            }
        }
        let growth = self.growth && self.sizes.len() > 1;
        if growth {
            let _ = write!(
                out,
                " {s}={} ÷ {s}={} |",
                self.sizes[self.sizes.len() - 1],
                self.sizes[0],
                s = self.size
            );
        }
        out.push_str("\n|---|");
        for _ in &self.sizes {
            out.push_str("---:|");
        }
        if growth {
            out.push_str("---:|");
        }
        out.push('\n');
        for row in &self.rows {
            let is_floor = row.name == row.floor;
            let label = if is_floor {
                format!("**{}** (floor)", row.name)
            } else {
                row.name.to_string()
            };
            let _ = write!(out, "| {label} |");
            for (i, value) in row.medians.iter().enumerate() {
                let _ = write!(out, " {}", number(*value));
                if !is_floor {
                    let _ = write!(out, " ({:.2}×", self.ratio(row.name, row.floor, i));
                    if let Some((floor, second)) = self.second_floor {
                        if row.floor == floor && row.name != second {
                            let _ = write!(out, " · {:.2}×", self.ratio(row.name, second, i));
                        }
                    }
                    out.push(')');
                }
                out.push_str(" |");
            }
            if growth {
                let _ = write!(out, " {:.2} |", self.growth_of(row.name));
            }
            out.push('\n');
        }
        out
    }
}

/// A number with about four significant digits.
pub(crate) fn number(value: f64) -> String {
    if !value.is_finite() {
        "–".to_string()
    } else if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// One performance target (a ratio or a growth, with its limit), checked against a run's
/// medians.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub(crate) what: String,
    /// The worst measured value (a ratio) and the limit it must not exceed.
    pub(crate) worst: f64,
    pub(crate) limit: f64,
    pub(crate) detail: String,
}

impl Check {
    pub(crate) fn met(&self) -> bool {
        self.worst <= self.limit
    }
}

/// Renders the checks as a Markdown list.
pub(crate) fn checks_markdown(checks: &[Check]) -> String {
    let mut out = String::new();
    for check in checks {
        let _ = writeln!(
            out,
            "- {} {}: worst {:.3} (limit {:.2}){}",
            if check.met() { "met" } else { "**missed**" },
            check.what,
            check.worst,
            check.limit,
            if check.detail.is_empty() {
                String::new()
            } else {
                format!(" — {}", check.detail)
            }
        );
    }
    out
}

/// The machine: CPU model, logical cores and kernel, from `/proc`.
pub(crate) fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map_or("unknown CPU", |(_, model)| model.trim())
        .to_string();
    let cores = cpuinfo
        .lines()
        .filter(|line| line.starts_with("processor"))
        .count();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| "unknown".to_string(), |k| k.trim().to_string());
    format!("{model}, {cores} cores, Linux {kernel}")
}

/// Today's date (UTC) as `YYYY-MM-DD`, from the system clock.
pub(crate) fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
