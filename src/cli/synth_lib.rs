//! `potmac synth --liberty FILE`: the table and the record fields of the designs' tops on a
//! user's standard-cell library (area, NAND2 equivalents, OpenSTA's minimum period).

use super::format::{opt, rounded, Record};
use crate::flow::synth::SynthRow;
use serde_json::Value;

/// `x (x / reference)`, or `x` alone without a reference.
fn with_ratio(x: f64, reference: Option<f64>, digits: usize) -> String {
    match reference {
        Some(r) if r > 0.0 => format!("{x:.digits$} ({:.2})", x / r),
        _ => format!("{x:.digits$}"),
    }
}

/// The rows on the library as a Markdown table with a heading line (empty without
/// `--liberty`); ratios to the first row in parentheses.
pub fn table(rows: &[SynthRow]) -> String {
    let Some(first) = rows.iter().find_map(|r| r.liberty.as_ref()) else {
        return String::new();
    };
    let timed = rows
        .iter()
        .any(|r| r.liberty.as_ref().is_some_and(|l| l.timing.is_some()));
    let nand2 = match (&first.nand2_cell, first.nand2_area) {
        (Some(c), Some(a)) => format!("NAND2 = {c}, {a}"),
        _ => "no NAND2 cell found".into(),
    };
    let mut out = format!(
        "\nOn the library {} (areas in its unit, µm²; {nand2}; {} cells marked dont-use){}:\n\n",
        first.library,
        first.dont_use,
        if timed {
            "; timing by OpenSTA with an ideal clock, no wires"
        } else {
            ""
        }
    );
    let mut head = vec![
        "design",
        "cells",
        "FFs",
        "area logic",
        "area FFs",
        "area total",
        "NAND2 eq.",
    ];
    if timed {
        head.extend(["min period ns", "Fmax MHz", "critical path"]);
    }
    out.push_str(&format!(
        "| {} |\n|{}\n",
        head.join(" | "),
        "---|".repeat(head.len())
    ));
    let total = first.area.total;
    let fmax = first.timing.as_ref().map(|t| t.fmax_mhz);
    for r in rows {
        let Some(l) = &r.liberty else { continue };
        let mut cols = vec![
            r.name.clone(),
            l.cells.to_string(),
            l.ffs.to_string(),
            format!("{:.1}", l.area.comb),
            format!("{:.1}", l.area.seq),
            with_ratio(l.area.total, Some(total), 1),
            l.nand2_eq.map_or("-".into(), |n| format!("{n:.1}")),
        ];
        if timed {
            match &l.timing {
                Some(t) => cols.extend([
                    format!("{:.3}", t.min_period_ns),
                    with_ratio(t.fmax_mhz, fmax, 1),
                    format!("{} → {}", t.start(), t.end()),
                ]),
                None => cols.extend(["-".into(), "-".into(), "-".into()]),
            }
        }
        out.push_str(&format!("| {} |\n", cols.join(" | ")));
    }
    out
}

/// The library fields of a row (none when the first row has no library figures, so the
/// columns of a run without `--liberty` stay as they were).
pub fn record(r: &SynthRow, first: &SynthRow) -> Record {
    let Some(f) = &first.liberty else {
        return Vec::new();
    };
    let l = r.liberty.as_ref();
    let t = l.and_then(|l| l.timing.as_ref());
    let ft = f.timing.as_ref();
    let ratio = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) if y > 0.0 => rounded(x / y, 4),
        _ => Value::Null,
    };
    vec![
        ("lib_library", opt(l.map(|l| l.library.clone()))),
        ("lib_cells", opt(l.map(|l| l.cells))),
        ("lib_ffs", opt(l.map(|l| l.ffs))),
        ("lib_area_comb", opt(l.map(|l| rounded(l.area.comb, 3)))),
        ("lib_area_seq", opt(l.map(|l| rounded(l.area.seq, 3)))),
        ("lib_area", opt(l.map(|l| rounded(l.area.total, 3)))),
        (
            "lib_area_ratio",
            ratio(l.map(|l| l.area.total), Some(f.area.total)),
        ),
        ("lib_nand2_cell", opt(l.and_then(|l| l.nand2_cell.clone()))),
        (
            "lib_nand2_eq",
            opt(l.and_then(|l| l.nand2_eq).map(|x| rounded(x, 2))),
        ),
        (
            "lib_min_period_ns",
            opt(t.map(|t| rounded(t.min_period_ns, 4))),
        ),
        ("lib_fmax_mhz", opt(t.map(|t| rounded(t.fmax_mhz, 2)))),
        (
            "lib_fmax_ratio",
            ratio(t.map(|t| t.fmax_mhz), ft.map(|t| t.fmax_mhz)),
        ),
        ("lib_path_start", opt(t.map(|t| t.start().to_string()))),
        ("lib_path_end", opt(t.map(|t| t.end().to_string()))),
    ]
}
