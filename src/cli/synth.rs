//! `potmac synth CONFIG... [--target generic|ice40|xc7] [--json FILE] [--pnr]`: synthesize every
//! design with Yosys (DSPs off) and print one table, each figure also as a ratio to the first
//! config given. `--pnr` adds iCE40 Fmax from nextpnr on a wrapper with registered inputs.

use super::common::{generate_all, load_designs, DEFAULT_OUT};
use super::Verdict;
use crate::config::Design;
use crate::emit;
use crate::tools::yosys::{self, SynthStats, Target};
use crate::tools::{self, nextpnr};
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::time::Duration;

/// Arguments of `potmac synth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Design config files (YAML); the first is the reference for ratios.
    #[arg(required = true)]
    configs: Vec<PathBuf>,
    /// Synthesis target.
    #[arg(long, value_enum, default_value_t = Target::Generic)]
    target: Target,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Place and route on iCE40 HX8K with nextpnr and report Fmax.
    #[arg(long)]
    pnr: bool,
    /// Also synthesize, for each uniform design, the MAC written by hand as one behavioural
    /// statement (`acc <= acc + a*w`), as an honest baseline row.
    #[arg(long)]
    baseline: bool,
    /// Output folder.
    #[arg(long, default_value = DEFAULT_OUT)]
    out: PathBuf,
    /// Timeout per tool invocation, in seconds.
    #[arg(long, default_value_t = 900)]
    timeout: u64,
}

/// One design's results.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SynthRow {
    /// Design name.
    pub name: String,
    /// Weight format summary.
    pub weights: String,
    /// Activation bits.
    pub act_bits: u32,
    /// Accumulator bits.
    pub acc_bits: u32,
    /// Target.
    pub target: &'static str,
    /// Yosys figures.
    pub stats: SynthStats,
    /// iCE40 Fmax in MHz, with `--pnr`.
    pub fmax_mhz: Option<f64>,
}

/// Run `potmac synth`.
pub fn run(a: &Args) -> Result<Verdict> {
    let designs = load_designs(&a.configs)?;
    tools::find(&yosys::YOSYS)?;
    if a.pnr {
        tools::find(&nextpnr::NEXTPNR)?;
    }
    let timeout = Duration::from_secs(a.timeout);
    let opts = emit::Options {
        vectors: 0,
        ..emit::Options::default()
    };
    let mut rows = Vec::new();
    for ((b, dir), d) in generate_all(&designs, &opts, &a.out)?
        .into_iter()
        .zip(&designs)
    {
        let stats = yosys::synth(&dir, a.target, timeout)
            .with_context(|| format!("synthesizing `{}` for {}", b.name, a.target.name()))?;
        let fmax_mhz = if a.pnr {
            Some(
                nextpnr::fmax(&dir, timeout)
                    .with_context(|| format!("place and route of `{}`", b.name))?,
            )
        } else {
            None
        };
        rows.push(row(d, a.target, stats, fmax_mhz));
        if a.baseline && matches!(d.weights, crate::quant::WeightFormat::Uniform(_)) {
            let stats =
                yosys::synth_variant(&dir, a.target, emit::PLAIN, timeout).with_context(|| {
                    format!("synthesizing the hand-written baseline of `{}`", b.name)
                })?;
            let mut r = row(d, a.target, stats, None);
            r.name = format!("{} (hand-written)", d.name);
            rows.push(r);
        }
    }
    print!("{}", table(&rows));
    if let Some(path) = &a.json {
        let text = serde_json::to_string_pretty(&rows)? + "\n";
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(Verdict::Pass)
}

fn row(d: &Design, target: Target, stats: SynthStats, fmax_mhz: Option<f64>) -> SynthRow {
    SynthRow {
        name: d.name.clone(),
        weights: d.weights.summary(),
        act_bits: d.act.bits(),
        acc_bits: d.widths.acc,
        target: target.name(),
        stats,
        fmax_mhz,
    }
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
        head.extend(["transistors", "FFs"]);
    }
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
        }
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
