//! `potmac infer EXPORT --array 8x8:ws [--sim ...] [--samples N|all]`: a trained network (a
//! `potmac qat` or `potmac import` export) end to end on the generated accelerator in RTL
//! simulation, on the test set of the data set the export names ([`crate::flow::infer`]);
//! `--per-layer` is the debugging mode that runs each layer alone on an array; `--liberty FILE`
//! runs the accelerator's gate netlist on that library instead and reports the energy per
//! image by part ([`crate::flow::infer::energy`]).

use super::common::{at_least_one, or_cores, run_opts, OutArg, ReuseArg};
use super::power::DelayArg;
use super::sim::Simulators;
use super::ui::Ui;
use super::Verdict;
use crate::config::ArrayShape;
use crate::flow::infer::energy::EnergyOptions;
use crate::flow::infer::{self, Accelerator, Engine, InferOptions, PerLayer, RunResult, Samples};
use crate::flow::FlowError;
use crate::model::lower::LowerError;
use crate::power::accel::HOROWITZ_PJ_PER_BIT;
use crate::power::Delay;
use anyhow::Result;
use std::path::PathBuf;

/// Arguments of `potmac infer`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A `potmac qat` or `potmac import` export folder (model.json, manifest.json naming the
    /// data set).
    export: PathBuf,
    /// Array shape and dataflow: the accelerator needs a square array (ws or os), e.g.
    /// `8x8:ws`; with --per-layer any RxC:ws|os.
    #[arg(long, default_value = "8x8:ws")]
    array: ArrayShape,
    /// Simulator(s).
    #[arg(long = "sim", value_enum, default_value_t = Simulators::Verilator)]
    sim: Simulators,
    /// Test images to run: a count from the start of the test set, or `all`.
    #[arg(long, default_value = "all", value_parser = samples)]
    samples: Samples,
    /// Images per pass (the activation buffers hold a batch; weight tiles are reused across it).
    #[arg(long, default_value_t = 64, value_parser = batch)]
    batch: u32,
    /// Directory with the Fashion-MNIST idx.gz files [default: /usr/share/datasets/fashion-mnist].
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Back-pressure: the testbench holds the input stream's TVALID and the output stream's
    /// TREADY low in this percent of the cycles, at random (0..=90). Results must not change;
    /// the cycles with streaming included grow.
    #[arg(long, default_value_t = 0, value_parser = stall)]
    stall: u32,
    /// Simulator processes at once: the test images run in runs of up to 16 batches, one
    /// simulator process each, and this many run side by side (results are checked in order)
    /// [default: the available cores].
    #[arg(long, value_parser = at_least_one::<usize>, conflicts_with_all = ["per_layer", "liberty"])]
    jobs: Option<usize>,
    #[command(flatten)]
    out: OutArg,
    /// Timeout per tool run, in seconds. Longer than the other commands' 900 s: one simulator
    /// run streams up to 16 batches of test images through the whole network.
    #[arg(long, default_value_t = 3600, value_parser = at_least_one::<u64>)]
    timeout: u64,
    #[command(flatten)]
    reuse: ReuseArg,
    /// Debugging mode: run each layer alone on an array (`--array` may be any RxC:ws|os), on
    /// the export's golden samples, with its inputs from the integer model. It uses no test
    /// images, batches or design folder to reuse, so it conflicts with the flags for those.
    #[arg(long, conflicts_with_all = ["samples", "batch", "data_dir", "no_generate", "stall"])]
    per_layer: bool,
    /// Energy per image: map the accelerator to this standard-cell library (`.lib` or
    /// `.lib.gz`, NLDM), run its gate netlist on Icarus over the first --samples images (one
    /// run: at most 16 batches), check every logit as the RTL runs do, and report pJ per
    /// image by part (array, post-op, sequencer, argmax, host interface, the rest of the
    /// datapath) and the memories (bits accessed × --mem-pj-per-bit).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["per_layer", "sim"])]
    liberty: Option<PathBuf>,
    /// With --liberty: the memories' energy per bit read or written, in pJ. The default,
    /// 0.15625, is 10 pJ per 64-bit read of an 8 KB SRAM at 45 nm (Horowitz, ISSCC 2014); it
    /// is not scaled to the library's node.
    #[arg(long, value_name = "PJ", requires = "liberty", value_parser = pj_per_bit)]
    mem_pj_per_bit: Option<f64>,
    /// With --liberty: gate delay of the cell models (unit: 1 ps a gate, glitches counted;
    /// zero: none, faster).
    #[arg(long, value_enum, default_value_t = DelayArg::Unit, requires = "liberty")]
    delay: DelayArg,
}

fn pj_per_bit(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("expected an energy in pJ (0 or more), got `{s}`")),
    }
}

fn samples(s: &str) -> Result<Samples, String> {
    if s == "all" {
        return Ok(Samples::All);
    }
    at_least_one::<usize>(s)
        .map(Samples::First)
        .map_err(|e| format!("{e} or `all`"))
}

fn stall(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(p) if p <= 90 => Ok(p),
        _ => Err(format!("expected a percent in 0..=90, got `{s}`")),
    }
}

fn batch(s: &str) -> Result<u32, String> {
    let b = at_least_one::<u32>(s)?;
    if b > crate::config::MAX_BATCH {
        return Err(format!(
            "at most {} images per pass, got `{s}`",
            crate::config::MAX_BATCH
        ));
    }
    Ok(b)
}

/// Run `potmac infer`.
pub fn run(a: &Args, ui: &Ui) -> Result<Verdict> {
    let export = infer::load(&a.export)?;
    let opts = InferOptions {
        array: a.array,
        sims: a.sim.list(),
        samples: a.samples,
        batch: a.batch,
        data_dir: a.data_dir.clone(),
        stall: a.stall,
        jobs: or_cores(a.jobs),
        run: run_opts(&a.out.out, a.timeout, Some(&a.reuse)),
    };
    if let Some(liberty) = &a.liberty {
        return energy(a, &export, &opts, liberty, ui);
    }
    let engine: &dyn Engine = if a.per_layer { &PerLayer } else { &Accelerator };
    let report = match engine.run(&export, &opts) {
        Ok(r) => r,
        // The lowering's own check of a layer against the integer model failed.
        Err(FlowError::Lower(e @ LowerError::Mismatch { .. })) => {
            writeln!(ui, "FAIL {e}")?;
            return Ok(Verdict::Fail);
        }
        Err(e) => return Err(e.into()),
    };
    for r in &report.results {
        match r {
            RunResult::Images(s) => writeln!(ui, "{}", s.line(&report.design))?,
            RunResult::Layer(l) => writeln!(ui, "{}", l.line())?,
        }
    }
    if let Some(dir) = &report.report_dir {
        writeln!(
            ui,
            "{}: wall time {:.1} s (generate, simulator builds, simulation, integer model)",
            report.design,
            report.wall.as_secs_f64()
        )?;
        ui.note(&format!(
            "reports: {} and {}",
            dir.join("report.json").display(),
            dir.join("report.md").display()
        ));
    }
    Ok(if report.passed() {
        Verdict::Pass
    } else {
        Verdict::Fail
    })
}

/// `--liberty`: one gate-level run, its check and its energy per image by part.
fn energy(
    a: &Args,
    export: &crate::model::read::Export,
    opts: &InferOptions,
    liberty: &std::path::Path,
    ui: &Ui,
) -> Result<Verdict> {
    let e = EnergyOptions {
        liberty: liberty.to_path_buf(),
        mem_pj_per_bit: a.mem_pj_per_bit.unwrap_or(HOROWITZ_PJ_PER_BIT),
        delay: match a.delay {
            DelayArg::Unit => Delay::Unit,
            DelayArg::Zero => Delay::Zero,
        },
    };
    let r = infer::energy::run(export, opts, &e)?;
    writeln!(ui, "{}", r.sim.line(&r.design))?;
    let Some(energy) = &r.energy else {
        return Ok(Verdict::Fail);
    };
    write!(ui, "\n{}", infer::energy::table(&r.design, energy))?;
    writeln!(
        ui,
        "\n{}: wall time {:.1} s (generate, mapping, gate-level simulation, toggles)",
        r.design,
        r.wall.as_secs_f64()
    )?;
    ui.note(&format!(
        "reports: {} and {}",
        r.report_dir.join("energy.json").display(),
        r.report_dir.join("energy.md").display()
    ));
    Ok(Verdict::Pass)
}
