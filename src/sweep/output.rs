//! The result files of a sweep folder, in manifest order: `results.csv`, `results.jsonl` (one
//! object per point, the CSV header's keys in the same order), `results.md` (the same table,
//! the points not yet finished and the skipped combinations) and the SVG plots. Every file is
//! written atomically; none holds a time or an absolute path.

use super::{metrics, plot, write_atomic, Manifest, PointResult, SweepError};
use serde_json::Value;
use std::path::Path;

/// The point columns before the metric columns.
pub const POINT_COLUMNS: [&str; 11] = [
    "hash",
    "name",
    "format",
    "weight_bits",
    "activation_bits",
    "activation_signed",
    "max_dot_length",
    "accumulator",
    "array",
    "target",
    "pnr",
];

/// One row: every column's value (JSON null when a metric does not apply).
pub fn row(r: &PointResult) -> Vec<(String, Value)> {
    let p = &r.point;
    let mut v: Vec<(String, Value)> = vec![
        ("hash".into(), r.hash.clone().into()),
        ("name".into(), r.name.clone().into()),
        ("format".into(), p.format_label().into()),
        ("weight_bits".into(), p.weight_bits.into()),
        ("activation_bits".into(), p.activation_bits.into()),
        ("activation_signed".into(), p.activation_signed.into()),
        ("max_dot_length".into(), p.max_dot_length.into()),
        ("accumulator".into(), p.acc_label().into()),
        ("array".into(), p.array_label().into()),
        ("target".into(), p.target.name().into()),
        ("pnr".into(), p.pnr.into()),
    ];
    for c in metrics::columns() {
        v.push((
            c.to_string(),
            r.values.get(c).cloned().unwrap_or(Value::Null),
        ));
    }
    v
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn header() -> Vec<String> {
    POINT_COLUMNS
        .iter()
        .map(|s| s.to_string())
        .chain(metrics::columns().into_iter().map(String::from))
        .collect()
}

/// `results.csv` text.
pub fn csv(results: &[PointResult]) -> String {
    let mut s = header().join(",") + "\n";
    for r in results {
        let cells: Vec<String> = row(r).iter().map(|(_, v)| cell(v)).collect();
        s += &(cells.join(",") + "\n");
    }
    s
}

/// `results.jsonl` text.
pub fn jsonl(results: &[PointResult]) -> String {
    let mut s = String::new();
    for r in results {
        let fields: Vec<String> = row(r)
            .iter()
            .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), v))
            .collect();
        s += &format!("{{{}}}\n", fields.join(","));
    }
    s
}

/// `results.md` text.
pub fn markdown(m: &Manifest, results: &[PointResult], missing: &[String]) -> String {
    let h = header();
    let mut s = format!(
        "# Sweep `{}`\n\n{} of {} points finished.\n\n| {} |\n|{}\n",
        m.name,
        results.len(),
        m.points.len(),
        h[1..].join(" | "),
        "---|".repeat(h.len() - 1)
    );
    for r in results {
        let cells: Vec<String> = row(r).iter().skip(1).map(|(_, v)| cell(v)).collect();
        s += &format!("| {} |\n", cells.join(" | "));
    }
    if !missing.is_empty() {
        s += &format!("\nNot finished ({}):\n\n", missing.len());
        for n in missing {
            s += &format!("- {n}\n");
        }
    }
    if !m.skipped.is_empty() {
        s += &format!(
            "\nSkipped combinations ({}), no design supports them:\n\n",
            m.skipped.len()
        );
        for n in &m.skipped {
            s += &format!("- {n}\n");
        }
    }
    s
}

/// The finished results of a manifest, in its order, and the names of the points missing.
pub fn gather(m: &Manifest, out: &Path) -> (Vec<PointResult>, Vec<String>) {
    let mut done = Vec::new();
    let mut missing = Vec::new();
    for p in &m.points {
        match super::load_result(out, p) {
            Some(r) => done.push(r),
            None => missing.push(match super::load_failure(out, p) {
                Some(f) => format!("{} ({}): failed: {}", f.name, f.hash, f.error),
                None => format!("{} ({}): no result", p.name(), p.hash()),
            }),
        }
    }
    (done, missing)
}

/// Write every result file and plot of a sweep folder; returns the missing points.
pub fn write_all(m: &Manifest, out: &Path) -> Result<Vec<String>, SweepError> {
    let (results, missing) = gather(m, out);
    write_atomic(&out.join("results.csv"), &csv(&results))?;
    write_atomic(&out.join("results.jsonl"), &jsonl(&results))?;
    write_atomic(&out.join("results.md"), &markdown(m, &results, &missing))?;
    for (name, svg) in plot::all(&results) {
        write_atomic(&out.join("plots").join(name), &svg)?;
    }
    Ok(missing)
}
