//! A hand-written SVG line chart: cost against N on log–log axes, one line per
//! implementation, with the machine and date under the title.

use std::fmt::Write as _;

use crate::report::{Table, number};

const WIDTH: f64 = 820.0;
const HEIGHT: f64 = 480.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 250.0;
const TOP: f64 = 70.0;
const BOTTOM: f64 = 60.0;

/// A line's colour and dash: one hue per mechanism (epoll blues, poll greens, select reds),
/// floors dashed, peers in their own hues.
fn style(name: &str) -> (&'static str, bool) {
    match name {
        "raw epoll" => ("#000000", true),
        "raw epoll (out-of-line)" => ("#888888", true),
        "epoll" => ("#1f5fd0", false),
        "epoll (select_into)" => ("#5fb8f0", false),
        "epoll (idle waker)" => ("#0a2f7a", false),
        "raw poll" => ("#1a7a1a", true),
        "poll" => ("#3cc23c", false),
        "poll (idle waker)" => ("#9be09b", false),
        "raw select" => ("#a01010", true),
        "select" => ("#e84040", false),
        "select (idle waker)" => ("#f5a0a0", false),
        "mio (level: re-arm)" => ("#ff8c00", false),
        "mio (edge)" => ("#ffc870", false),
        "polling (level)" => ("#8e44ad", false),
        _ => ("#555555", false),
    }
}

/// A tick label: 200, 500, 1k, 20k, 1M.
fn tick_label(value: f64) -> String {
    if value >= 1e6 {
        format!("{}M", value / 1e6)
    } else if value >= 1e3 {
        format!("{}k", value / 1e3)
    } else {
        number(value)
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Gridline values for a log axis covering `[low, high]`: 1, 2 and 5 times powers of ten.
fn log_ticks(low: f64, high: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut decade = 10_f64.powi(low.log10().floor() as i32);
    while decade <= high {
        for step in [1.0, 2.0, 5.0] {
            let tick = decade * step;
            if tick >= low && tick <= high {
                ticks.push(tick);
            }
        }
        decade *= 10.0;
    }
    ticks
}

/// The chart of `table` (lower is better), titled with `subtitle` (machine and date).
pub(crate) fn chart(table: &Table, subtitle: &str) -> String {
    let values = table
        .rows
        .iter()
        .flat_map(|row| row.medians.iter().copied())
        .filter(|v| v.is_finite() && *v > 0.0);
    let (low, high) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (low, high) = (low / 1.25, high * 1.25);
    let (x0, x1) = (
        table.sizes[0] as f64,
        table.sizes[table.sizes.len() - 1] as f64,
    );
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |n: f64| {
        if x1 > x0 {
            LEFT + (n.ln() - x0.ln()) / (x1.ln() - x0.ln()) * plot_w
        } else {
            LEFT + plot_w / 2.0
        }
    };
    let y = |v: f64| TOP + (high.ln() - v.ln()) / (high.ln() - low.ln()) * plot_h;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#
    );
    let _ = writeln!(
        svg,
        r#"<text x="{LEFT}" y="24" font-size="16" font-weight="bold">{}</text>"#,
        escape(&table.title)
    );
    let _ = writeln!(
        svg,
        r##"<text x="{LEFT}" y="44" fill="#555">{}</text>"##,
        escape(subtitle)
    );
    // Axes and gridlines.
    for tick in log_ticks(low, high) {
        let ty = y(tick);
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT + plot_w,
            LEFT - 6.0,
            ty + 4.0,
            tick_label(tick)
        );
    }
    for &n in &table.sizes {
        let tx = x(n as f64);
        let _ = writeln!(
            svg,
            r##"<line x1="{tx:.1}" y1="{TOP}" x2="{tx:.1}" y2="{:.1}" stroke="#eee"/><text x="{tx:.1}" y="{:.1}" text-anchor="middle">{n}</text>"##,
            TOP + plot_h,
            TOP + plot_h + 18.0
        );
    }
    let _ = writeln!(
        svg,
        r##"<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>"##
    );
    let _ = writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{} (log scale)</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 14.0,
        table.size
    );
    let _ = writeln!(
        svg,
        r#"<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle">{} (log scale)</text>"#,
        TOP + plot_h / 2.0,
        escape(table.unit)
    );
    // One line per implementation; floors dashed; legend on the right.
    for (i, row) in table.rows.iter().enumerate() {
        let (colour, dashed) = style(row.name);
        let dash = if dashed {
            r#" stroke-dasharray="6 3""#
        } else {
            ""
        };
        let points: Vec<String> = table
            .sizes
            .iter()
            .zip(&row.medians)
            .filter(|(_, v)| v.is_finite() && **v > 0.0)
            .map(|(&n, &v)| format!("{:.1},{:.1}", x(n as f64), y(v)))
            .collect();
        let _ = writeln!(
            svg,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>"#,
            points.join(" ")
        );
        for point in &points {
            let (px, py) = point.split_once(',').unwrap_or(("0", "0"));
            let _ = writeln!(
                svg,
                r#"<circle cx="{px}" cy="{py}" r="3" fill="{colour}"/>"#
            );
        }
        let ly = TOP + 10.0 + i as f64 * 20.0;
        let lx = LEFT + plot_w + 16.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{lx}" y1="{ly}" x2="{:.1}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/><text x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 24.0,
            lx + 30.0,
            ly + 4.0,
            escape(row.name)
        );
    }
    svg.push_str("</svg>\n");
    svg
}
