//! SVG plots of sweep results, written by hand (no plotting library, no fonts needed: text is
//! left to the viewer's `sans-serif`): area against weight bits per format, Fmax against array
//! size, and QAT accuracy against area with its Pareto front. Output is deterministic.

use super::PointResult;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One series of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    /// (x, y, optional point label), drawn in this order.
    pub points: Vec<(f64, f64, Option<String>)>,
    /// Join the points with a line (else markers only).
    pub line: bool,
}

/// A chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// Start the y axis at 0 (else at the data's lowest tick).
    pub zero_y: bool,
}

const COLORS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];
const W: f64 = 640.0;
const H: f64 = 420.0;
const L: f64 = 70.0;
const R: f64 = 170.0;
const T: f64 = 40.0;
const B: f64 = 50.0;

/// About five round tick values covering [lo, hi].
pub fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-9);
    let raw = span / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= 6.0)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).floor() * step;
    let mut v = Vec::new();
    let mut t = first;
    while t <= hi + step * 1e-9 {
        v.push((t / step).round() * step);
        t += step;
    }
    if v.last().is_some_and(|&l| l < hi) {
        v.push(v.last().unwrap() + step);
    }
    v
}

fn num(v: f64) -> String {
    if v == v.round() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The chart as an SVG document.
pub fn render(c: &Chart) -> String {
    let all: Vec<(f64, f64)> = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| (p.0, p.1)))
        .collect();
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in &all {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    if all.is_empty() {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    let mut xt = ticks(x0, x1);
    if all.iter().all(|p| p.0 == p.0.round()) && xt.len() > 1 && xt[1] - xt[0] < 1.0 {
        // Whole-number data (bits, PEs): whole-number ticks.
        xt = (x0.floor() as i64..=x1.ceil() as i64)
            .map(|v| v as f64)
            .collect();
    }
    let yt = ticks(if c.zero_y { y0.min(0.0) } else { y0 }, y1);
    let (x0, x1) = (xt[0], *xt.last().unwrap());
    let (y0, y1) = (yt[0], *yt.last().unwrap());
    let px = |x: f64| L + (x - x0) / (x1 - x0).max(1e-12) * (W - L - R);
    let py = |y: f64| H - B - (y - y0) / (y1 - y0).max(1e-12) * (H - T - B);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(s, "<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>");
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">{}</text>",
        W / 2.0,
        esc(&c.title)
    );
    for &t in &xt {
        let x = px(t);
        let _ = writeln!(
            s,
            "<line x1=\"{x:.1}\" y1=\"{T}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#e0e0e0\"/>",
            H - B
        );
        let _ = writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            H - B + 16.0,
            num(t)
        );
    }
    for &t in &yt {
        let y = py(t);
        let _ = writeln!(
            s,
            "<line x1=\"{L}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e0e0e0\"/>",
            W - R
        );
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            L - 6.0,
            y + 4.0,
            num(t)
        );
    }
    let _ = writeln!(s, "<rect x=\"{L}\" y=\"{T}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"black\"/>", W - L - R, H - T - B);
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        (L + W - R) / 2.0,
        H - 12.0,
        esc(&c.x_label)
    );
    let _ = writeln!(
        s,
        "<text transform=\"translate(16 {:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        (T + H - B) / 2.0,
        esc(&c.y_label)
    );
    for (i, ser) in c.series.iter().enumerate() {
        let col = COLORS[i % COLORS.len()];
        if ser.line && ser.points.len() > 1 {
            let pts: Vec<String> = ser
                .points
                .iter()
                .map(|p| format!("{:.1},{:.1}", px(p.0), py(p.1)))
                .collect();
            let _ = writeln!(
                s,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{col}\" stroke-width=\"2\"/>",
                pts.join(" ")
            );
        }
        for (x, y, label) in &ser.points {
            let _ = writeln!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{col}\"/>",
                px(*x),
                py(*y)
            );
            if let Some(l) = label {
                let _ = writeln!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"{col}\">{}</text>",
                    px(*x) + 5.0,
                    py(*y) - 5.0,
                    esc(l)
                );
            }
        }
        let ly = T + 10.0 + 18.0 * i as f64;
        let _ = writeln!(s, "<line x1=\"{:.1}\" y1=\"{ly:.1}\" x2=\"{:.1}\" y2=\"{ly:.1}\" stroke=\"{col}\" stroke-width=\"2\"/>", W - R + 10.0, W - R + 30.0);
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            W - R + 36.0,
            ly + 4.0,
            esc(&ser.label)
        );
    }
    s += "</svg>\n";
    s
}

fn val(r: &PointResult, k: &str) -> Option<f64> {
    r.values.get(k).and_then(|v| v.as_f64())
}

/// The area figure of a target: transistors (generic) or LUTs (FPGAs).
fn area(r: &PointResult) -> Option<(f64, &'static str)> {
    match r.point.target {
        crate::tools::yosys::Target::Generic => {
            val(r, "transistors").map(|v| (v, "transistors (combinational)"))
        }
        _ => val(r, "luts").map(|v| (v, "LUTs")),
    }
}

/// Points of (max area, max accuracy) not dominated by another: smaller-or-equal area and
/// higher-or-equal accuracy, one strictly.
pub fn pareto(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut p: Vec<(f64, f64)> = points.to_vec();
    p.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
    let mut front: Vec<(f64, f64)> = Vec::new();
    for q in p {
        if front.last().is_none_or(|l| q.1 > l.1) {
            front.push(q);
        }
    }
    front
}

/// Points by series label.
type BySeries<T> = BTreeMap<String, Vec<T>>;

/// Every plot the results allow, as (file name, SVG).
pub fn all(results: &[PointResult]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // Area against weight bits, per (target, accumulator, activation bits); one series per format.
    let mut groups: BTreeMap<(String, String, u32), BySeries<(f64, f64)>> = BTreeMap::new();
    let mut ylabel = BTreeMap::new();
    for r in results.iter().filter(|r| r.point.array.is_none()) {
        if let Some((a, label)) = area(r) {
            let key = (
                r.point.target.name().to_string(),
                r.point.acc_label(),
                r.point.activation_bits,
            );
            ylabel.insert(key.clone(), label);
            groups
                .entry(key)
                .or_default()
                .entry(r.point.format_label())
                .or_default()
                .push((f64::from(r.point.weight_bits), a));
        }
    }
    for (key, series) in &groups {
        let (t, acc, ab) = key;
        let chart = Chart {
            title: format!(
                "MAC area vs weight bits ({t}, {ab}-bit activations, {acc} accumulator)"
            ),
            x_label: "weight bits".into(),
            y_label: ylabel[key].to_string(),
            zero_y: true,
            series: series
                .iter()
                .map(|(f, pts)| Series {
                    label: f.clone(),
                    points: pts.iter().map(|&(x, y)| (x, y, None)).collect(),
                    line: true,
                })
                .collect(),
        };
        out.push((
            format!("area_vs_bits_{t}_{}_a{ab}.svg", acc.replace(':', "")),
            render(&chart),
        ));
    }
    // GE area (flip-flops included) and energy per MAC against weight bits, generic MACs.
    for (key, what, file) in [
        ("ge_total", "GE area, flip-flops included", "ge_vs_bits"),
        (
            "energy_random",
            "switched capacitance per MAC (C_inv), random data",
            "energy_random_vs_bits",
        ),
        (
            "energy_held",
            "switched capacitance per MAC (C_inv), weights held",
            "energy_held_vs_bits",
        ),
    ] {
        let mut g: BTreeMap<(String, u32), BySeries<(f64, f64)>> = BTreeMap::new();
        for r in results.iter().filter(|r| r.point.array.is_none()) {
            if let Some(v) = val(r, key) {
                let k = (r.point.acc_label(), r.point.activation_bits);
                g.entry(k)
                    .or_default()
                    .entry(r.point.format_label())
                    .or_default()
                    .push((f64::from(r.point.weight_bits), v));
            }
        }
        for ((acc, ab), series) in g {
            let chart = Chart {
                title: format!("{what} vs weight bits ({ab}-bit activations, {acc} accumulator)"),
                x_label: "weight bits".into(),
                y_label: what.split(',').next().unwrap_or(what).to_string(),
                zero_y: true,
                series: series
                    .into_iter()
                    .map(|(f, pts)| Series {
                        label: f,
                        points: pts.into_iter().map(|(x, y)| (x, y, None)).collect(),
                        line: true,
                    })
                    .collect(),
            };
            out.push((
                format!("{file}_{}_a{ab}.svg", acc.replace(':', "")),
                render(&chart),
            ));
        }
    }
    // Fmax against array size (PEs), one series per format, bits and dataflow.
    let mut fm: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for r in results {
        if let (Some(a), Some(f)) = (&r.point.array, val(r, "fmax_mhz")) {
            let label = format!(
                "{} W{}A{} {}",
                r.point.format_label(),
                r.point.weight_bits,
                r.point.activation_bits,
                a.dataflow
            );
            fm.entry(label)
                .or_default()
                .push((f64::from(a.rows * a.cols), f));
        }
    }
    if !fm.is_empty() {
        let chart = Chart {
            title: "Fmax vs array size (iCE40 HX8K, nextpnr)".into(),
            x_label: "processing elements (rows × cols)".into(),
            y_label: "Fmax (MHz)".into(),
            zero_y: true,
            series: fm
                .into_iter()
                .map(|(label, mut pts)| {
                    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                    Series {
                        label,
                        points: pts.into_iter().map(|(x, y)| (x, y, None)).collect(),
                        line: true,
                    }
                })
                .collect(),
        };
        out.push(("fmax_vs_array.svg".into(), render(&chart)));
    }
    // QAT accuracy against generic area, per accumulator; the Pareto front over all formats.
    let mut acc_groups: BTreeMap<String, BySeries<(f64, f64, String)>> = BTreeMap::new();
    for r in results.iter().filter(|r| {
        r.point.array.is_none() && r.point.target == crate::tools::yosys::Target::Generic
    }) {
        if let (Some(q), Some(t)) = (val(r, "qat_acc"), val(r, "transistors")) {
            acc_groups
                .entry(r.point.acc_label())
                .or_default()
                .entry(r.point.format_label())
                .or_default()
                .push((t, 100.0 * q, format!("{}", r.point.weight_bits)));
        }
    }
    for (acc, series) in acc_groups {
        let all: Vec<(f64, f64)> = series.values().flatten().map(|p| (p.0, p.1)).collect();
        let mut ss: Vec<Series> = series
            .into_iter()
            .map(|(f, pts)| Series {
                label: f,
                points: pts.into_iter().map(|(x, y, l)| (x, y, Some(l))).collect(),
                line: false,
            })
            .collect();
        ss.push(Series {
            label: "Pareto front".into(),
            points: pareto(&all)
                .into_iter()
                .map(|(x, y)| (x, y, None))
                .collect(),
            line: true,
        });
        let chart = Chart {
            title: format!("QAT accuracy vs MAC area ({acc} accumulator; labels: weight bits)"),
            x_label: "transistors (combinational, generic gates)".into(),
            y_label: "test accuracy (%), integer model".into(),
            zero_y: false,
            series: ss,
        };
        out.push((
            format!("pareto_{}.svg", acc.replace(':', "")),
            render(&chart),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(2.0, 8.0), [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
        assert_eq!(
            ticks(0.0, 5018.0),
            [0.0, 1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0]
        );
        let t = ticks(84.2, 131.6);
        assert!(t[0] <= 84.2 && *t.last().unwrap() >= 131.6, "{t:?}");
    }

    #[test]
    fn pareto_front_by_hand() {
        let p = [
            (100.0, 90.0),
            (200.0, 95.0),
            (150.0, 89.0),
            (300.0, 94.0),
            (100.0, 91.0),
        ];
        assert_eq!(pareto(&p), [(100.0, 91.0), (200.0, 95.0)]);
    }

    #[test]
    fn render_is_deterministic_svg() {
        let c = Chart {
            title: "a < b".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            zero_y: true,
            series: vec![Series {
                label: "s".into(),
                points: vec![(1.0, 2.0, None), (2.0, 3.0, Some("4".into()))],
                line: true,
            }],
        };
        let s = render(&c);
        assert_eq!(s, render(&c));
        assert!(s.starts_with("<svg ") && s.ends_with("</svg>\n") && s.contains("a &lt; b"));
        assert_eq!(s.matches("<circle").count(), 2);
    }
}
