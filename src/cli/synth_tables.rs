//! The tables `potmac synth` prints: the main resource table with ratios, the arrays' per-PE
//! table, the accelerators' parts, place-and-route results, and the notes under them.

use crate::flow::synth::accel::{add, AccelArea};
use crate::flow::synth::{ArrayArea, SynthRow};
use crate::tools::liberty::GeArea;
use crate::tools::yosys::SynthStats;

/// Per-PE area and overhead of the array rows, as a Markdown table (empty without arrays).
pub fn array_table(rows: &[SynthRow]) -> String {
    let arrays: Vec<(&SynthRow, &ArrayArea)> = rows
        .iter()
        .filter_map(|r| r.array.as_ref().map(|a| (r, a)))
        .collect();
    if arrays.is_empty() {
        return String::new();
    }
    let fpga = arrays[0].0.stats.luts.is_some();
    let unit = if fpga { "LUTs" } else { "transistors" };
    let mut out = format!(
        "\n| design | array | dataflow | array cells | array {unit} | array FFs | PE cells | PE {unit} | PE FFs | overhead (cells) | overhead ({unit}) | overhead (FFs) |\n|{}\n",
        "---|".repeat(12)
    );
    for (r, a) in arrays {
        let main = |s: &SynthStats| {
            s.transistors
                .or(s.luts)
                .map_or("-".to_string(), |v| v.to_string())
        };
        out.push_str(&format!(
            "| {} | {}x{} | {} | {} | {} | {} | {} | {} | {} | {:.3} | {} | {:.3} |\n",
            r.name,
            a.rows,
            a.cols,
            a.dataflow,
            r.stats.cells,
            main(&r.stats),
            r.stats.ffs,
            a.pe.cells,
            main(&a.pe),
            a.pe.ffs,
            a.overhead_cells,
            a.overhead_area
                .map_or("-".to_string(), |v| format!("{v:.3}")),
            a.overhead_ffs
        ));
    }
    out
}

/// Used sites as `TYPE used/available`, comma-separated.
pub(super) fn utilization(
    u: &std::collections::BTreeMap<String, crate::tools::nextpnr::Used>,
) -> String {
    u.iter()
        .map(|(k, x)| format!("{k} {}/{}", x.used, x.available))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The memory and DSP columns of a target's table: (heading, figure of a row), the ones any
/// row has a memory or DSP in (so MAC and array tables keep their columns), DSPs always when
/// they were allowed.
#[allow(clippy::type_complexity)]
fn resource_columns(rows: &[SynthRow]) -> Vec<(&'static str, Box<dyn Fn(&SynthRow) -> String>)> {
    let n = |x: Option<u64>| x.map_or("-".to_string(), |v| v.to_string());
    let mut cols: Vec<(&'static str, Box<dyn Fn(&SynthRow) -> String>)> = vec![
        (
            "memories (kbit)",
            Box::new(
                move |r: &SynthRow| match (r.stats.memories, r.stats.memory_bits) {
                    (Some(m), Some(b)) => format!("{m} ({:.1})", b as f64 / 1024.0),
                    _ => "-".into(),
                },
            ),
        ),
        ("block RAM", Box::new(move |r: &SynthRow| n(r.stats.brams))),
        (
            "RAMB36 eq.",
            Box::new(|r: &SynthRow| r.stats.bram36.map_or("-".into(), |v| format!("{v:.1}"))),
        ),
        ("LUT RAM", Box::new(move |r: &SynthRow| n(r.stats.lutram))),
        (
            "LUTs as memory",
            Box::new(move |r: &SynthRow| n(r.stats.lutram_luts)),
        ),
        ("SPRAM", Box::new(move |r: &SynthRow| n(r.stats.spram))),
        (
            "DSPs",
            Box::new(move |r: &SynthRow| r.stats.dsps.to_string()),
        ),
    ];
    let any = |f: &dyn Fn(&SynthStats) -> bool| rows.iter().any(|r| f(&r.stats));
    let keep = [
        any(&|s| s.memories.is_some()),
        any(&|s| {
            s.brams.unwrap_or(0) > 0
                || s.lutram.unwrap_or(0) > 0
                || s.spram.unwrap_or(0) > 0
                || s.lutram_luts.unwrap_or(0) > 0
        }),
        any(&|s| s.bram36.is_some())
            && any(&|s| s.brams.unwrap_or(0) > 0 || s.lutram_luts.unwrap_or(0) > 0),
        any(&|s| s.lutram.is_some())
            && any(&|s| s.brams.unwrap_or(0) > 0 || s.lutram.unwrap_or(0) > 0),
        any(&|s| s.lutram_luts.is_some())
            && any(&|s| s.brams.unwrap_or(0) > 0 || s.lutram_luts.unwrap_or(0) > 0),
        any(&|s| s.spram.unwrap_or(0) > 0),
        rows.iter().any(|r| r.dsps_allowed || r.stats.dsps > 0),
    ];
    let mut i = 0;
    cols.retain(|_| {
        i += 1;
        keep[i - 1]
    });
    cols
}

/// What the table's figures are: the whole top, DSPs on or off.
pub fn notes(rows: &[SynthRow]) -> String {
    let Some(first) = rows.first() else {
        return String::new();
    };
    let mut out = String::new();
    if first.target != "generic" {
        out.push_str(if rows.iter().any(|r| r.dsps_allowed) {
            "\nDSPs allowed (--dsp): Yosys may map multipliers to DSP blocks.\n"
        } else {
            "\nDSPs off (area comparison; --dsp allows them).\n"
        });
    }
    if rows.iter().any(|r| r.accel.is_some()) {
        out.push_str(
            "Accelerators: the whole top (every RTL file of the folder; memories, partial-sum \
             buffer, tag line and stage registers included); its parts synthesized alone below.\n",
        );
    }
    if rows.iter().any(|r| r.stats.memories.is_some()) {
        out.push_str(
            "Generic target: RAMs with a synchronous read port stay memory cells (count and \
             kbit), outside cells, transistors and GE; register files are flip-flops.\n",
        );
    }
    out
}

/// Every seed tried and its Fmax: `1: 40.1 MHz, 2: 41.9 MHz`.
pub fn seed_list(seeds: &[(u64, f64)]) -> String {
    seeds
        .iter()
        .map(|(s, f)| format!("{s}: {f:.1} MHz"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Place and route of each row, as a Markdown table (empty without `--pnr`).
pub fn pnr_table(rows: &[SynthRow]) -> String {
    if rows
        .iter()
        .all(|r| r.pnr.is_none() && r.pnr_misfit.is_none())
    {
        return String::new();
    }
    let mut out = "\n| design | device | Fmax MHz | seed | utilization (used/available) | bitstream |\n|---|---|---|---|---|---|\n".to_string();
    for r in rows {
        if let Some(why) = &r.pnr_misfit {
            out.push_str(&format!("| {} | - | - | - | {why} | - |\n", r.name));
        }
        let Some(p) = &r.pnr else { continue };
        let seed = match p.seeds.len() {
            1 => p.seed.to_string(),
            _ => format!("{} (of {})", p.seed, seed_list(&p.seeds)),
        };
        out.push_str(&format!(
            "| {} | {} {} | {:.1} | {seed} | {} | {} |\n",
            r.name,
            p.arch,
            p.device,
            p.fmax_mhz,
            utilization(&p.utilization),
            p.bitstream
                .as_ref()
                .map_or("-".into(), |b| b.display().to_string())
        ));
    }
    out
}

/// `value` and its ratio to `reference`.
fn with_ratio(value: f64, reference: f64) -> String {
    if reference > 0.0 {
        format!("{value} ({:.2})", value / reference)
    } else {
        format!("{value}")
    }
}

/// The results as a Markdown table (ratios to the first row in parentheses).
pub fn table(rows: &[SynthRow]) -> String {
    let Some(first) = rows.first() else {
        return String::new();
    };
    let fpga = first.stats.luts.is_some();
    let pnr = first.fmax_mhz.is_some();
    let mut head = vec!["design", "weights", "acc bits", "cells"];
    if fpga {
        head.extend(["LUTs", "carry", "FFs"]);
    } else {
        head.extend(["transistors", "FFs", "GE comb", "GE FFs", "GE total"]);
    }
    let extra = resource_columns(rows);
    head.extend(extra.iter().map(|c| c.0));
    if pnr {
        head.push("Fmax MHz");
    }
    let mut out = format!("| {} |\n|{}\n", head.join(" | "), "---|".repeat(head.len()));
    for r in rows {
        let s = &r.stats;
        let f = &first.stats;
        let mut cols = vec![
            r.name.clone(),
            r.weights.clone(),
            r.acc_bits.to_string(),
            with_ratio(s.cells as f64, f.cells as f64),
        ];
        if fpga {
            cols.push(with_ratio(
                s.luts.unwrap_or(0) as f64,
                f.luts.unwrap_or(0) as f64,
            ));
            cols.push(s.carries.unwrap_or(0).to_string());
            cols.push(with_ratio(s.ffs as f64, f.ffs as f64));
        } else {
            cols.push(with_ratio(
                s.transistors.unwrap_or(0) as f64,
                f.transistors.unwrap_or(0) as f64,
            ));
            cols.push(with_ratio(s.ffs as f64, f.ffs as f64));
            let ge = |g: Option<GeArea>| g.unwrap_or_default();
            let (g, gf) = (ge(s.ge), ge(f.ge));
            cols.push(format!("{:.1}", g.comb));
            cols.push(format!("{:.1}", g.seq));
            cols.push(match gf.total > 0.0 {
                true => format!("{:.1} ({:.2})", g.total, g.total / gf.total),
                false => format!("{:.1}", g.total),
            });
        }
        cols.extend(extra.iter().map(|c| c.1(r)));
        if pnr {
            cols.push(match (r.fmax_mhz, first.fmax_mhz) {
                (Some(x), Some(y)) => format!("{x:.1} ({:.2})", x / y),
                _ => "-".to_string(),
            });
        }
        out.push_str(&format!("| {} |\n", cols.join(" | ")));
    }
    out
}

/// The accelerators' parts, each synthesized alone (DSPs off), as a Markdown table (empty
/// without any): a breakdown of the whole top of the main table, whose own registers and
/// buffers are in none of the parts.
pub fn accel_table(acc: &[(&str, &AccelArea)]) -> String {
    let Some(first) = acc.first() else {
        return String::new();
    };
    let unit = if first.1.array.luts.is_some() {
        "LUTs"
    } else {
        "transistors"
    };
    let main = |s: &SynthStats| {
        s.transistors
            .or(s.luts)
            .map_or("-".into(), |v| v.to_string())
    };
    let mut out = format!(
        "\nParts synthesized alone (DSPs off; the sum leaves out the top's own buffers and registers):\n\n| design | array {unit} / FFs | post-op {unit} / FFs (all units) | sequencer {unit} / FFs | argmax {unit} / FFs | parts sum {unit} / FFs | parts sum GE | memories kbit (configured) |\n|{}\n",
        "---|".repeat(8)
    );
    for &(name, a) in acc {
        let n = u64::from(a.postops);
        let post = add(&[(&a.postop, n)]);
        let logic = a.logic();
        out.push_str(&format!(
            "| {} | {} / {} | {} / {} ({n}×) | {} / {} | {} / {} | {} / {} | {} | {:.1} |\n",
            name,
            main(&a.array),
            a.array.ffs,
            main(&post),
            post.ffs,
            main(&a.sequencer),
            a.sequencer.ffs,
            main(&a.argmax),
            a.argmax.ffs,
            main(&logic),
            logic.ffs,
            logic.ge.map_or("-".into(), |g| format!("{:.0}", g.total)),
            a.memory_bits() as f64 / 1024.0,
        ));
    }
    out
}
