//! `potmac power CONFIG... [--stimulus random|held|real --export DIR] [--cycles N]
//! [--delay unit|zero] [--liberty FILE [--dont-use PATTERNS]]`: the switched-capacitance
//! energy proxy per MAC operation of each design's gate netlist ([`crate::power`]), with
//! ratios to the first config; with `--liberty`, also the energy in pJ per MAC on that
//! library ([`crate::power::liberty`]), the flip-flops' share apart.

use super::common::{at_least_one, load_designs, DontUseArg, FormatArg, RunArgs};
use super::format::{rounded, Format, Record, RecordWriter};
use super::ui::Ui;
use super::Verdict;
use crate::flow::power::Measured;
use crate::power::{Delay, PowerOptions, PowerReport, Stimulus};
use anyhow::{bail, Result};
use serde_json::Value;
use std::path::PathBuf;

/// `--stimulus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StimulusArg {
    /// A random activation and weight code every cycle (each input bit toggles about half
    /// the time, the paper's setting).
    Random,
    /// Random activations, each weight held for 64 cycles (a weight-stationary PE).
    Held,
    /// A trained network's weight codes and activations (`--export DIR` of `potmac qat`).
    Real,
}

/// `--delay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DelayArg {
    /// 1 ps per gate: glitches are simulated and counted.
    Unit,
    /// No gate delay: no glitches.
    Zero,
}

/// Arguments of `potmac power`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Design config files (YAML, MACs or arrays); the first is the reference for ratios.
    #[arg(required = true)]
    configs: Vec<PathBuf>,
    /// Input sequence.
    #[arg(long, value_enum, default_value_t = StimulusArg::Random)]
    stimulus: StimulusArg,
    /// The `potmac qat` export folder of `--stimulus real` (its model.json and hex files).
    #[arg(long)]
    export: Option<PathBuf>,
    /// Cycles to simulate: a MAC does one MAC operation per cycle (`real` stops earlier when
    /// the export has fewer); an array gets GEMMs of about this many fully used cycles.
    #[arg(long, default_value_t = 1000, value_parser = at_least_one::<usize>)]
    cycles: usize,
    /// Gate delay of the cell models.
    #[arg(long, value_enum, default_value_t = DelayArg::Unit)]
    delay: DelayArg,
    /// Seed of the random stimuli.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also map each design to this standard-cell library (`.lib` or `.lib.gz`, NLDM),
    /// simulate that netlist and report its energy in pJ per MAC: switching, internal (the
    /// library's internal-power tables), leakage (at 100 MHz) and their total, and that
    /// total split into the flip-flops' share (their internal energy, clock pins included,
    /// the switching of the nets they drive, their leakage) and the logic's.
    #[arg(long, value_name = "FILE")]
    liberty: Option<PathBuf>,
    #[command(flatten)]
    dont_use: DontUseArg,
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    format: FormatArg,
}

/// Run `potmac power`.
pub fn run(a: &Args, ui: &Ui) -> Result<Verdict> {
    let designs = load_designs(&a.configs)?;
    let stimulus = match (a.stimulus, &a.export) {
        (StimulusArg::Real, Some(dir)) => Stimulus::Real(dir.clone()),
        (StimulusArg::Real, None) => {
            bail!("--stimulus real needs --export DIR (a `potmac qat` output folder)")
        }
        (_, Some(_)) => bail!("--export is only used with --stimulus real"),
        (StimulusArg::Random, None) => Stimulus::Random,
        (StimulusArg::Held, None) => Stimulus::Held,
    };
    let run = a.run.opts();
    let opts = PowerOptions {
        stimulus,
        cycles: a.cycles,
        delay: match a.delay {
            DelayArg::Unit => Delay::Unit,
            DelayArg::Zero => Delay::Zero,
        },
        seed: a.seed,
        timeout: run.timeout,
    };
    let format = a.format.format;
    let mut reports: Vec<PowerReport> = Vec::new();
    let mut verdict = Verdict::Pass;
    let mut records = RecordWriter::new(ui, format);
    let liberty = a.dont_use.liberty(a.liberty.as_ref(), false);
    for m in crate::flow::power::start(&designs, opts, liberty, &run)? {
        match m? {
            Measured::Report(r) => {
                if format != Format::Table {
                    records.write(&record(&r, reports.first().unwrap_or(&r)))?;
                }
                reports.push(*r);
            }
            Measured::Mismatch(e) => {
                eprintln!("FAIL {e}");
                verdict = Verdict::Fail;
            }
        }
    }
    if format == Format::Table {
        write!(ui, "{}", table(&reports))?;
    }
    Ok(verdict)
}

/// `value` over `reference` (4 decimals), or null.
fn ratio(v: f64, r: f64) -> Value {
    if r > 0.0 {
        rounded(v / r, 4)
    } else {
        Value::Null
    }
}

/// One report as CSV columns / JSON keys (capacitances in unit-inverter inputs per MAC).
fn record(r: &PowerReport, first: &PowerReport) -> Record {
    let p = &r.per_mac;
    let mut rec = vec![
        ("design", Value::from(r.design.as_str())),
        ("stimulus", Value::from(r.stimulus)),
        ("delay", Value::from(r.delay.name())),
        ("macs", Value::from(r.macs)),
        ("checked", Value::from(r.checked)),
        ("final_acc", super::format::opt(r.final_acc)),
        ("cells", Value::from(r.cells)),
        ("ge_comb", rounded(r.ge.comb, 3)),
        ("ge_seq", rounded(r.ge.seq, 3)),
        ("ge_total", rounded(r.ge.total, 3)),
        ("toggles_per_mac", rounded(r.toggles_per_mac, 3)),
        ("cap_logic_per_mac", rounded(p.logic, 3)),
        ("cap_ff_per_mac", rounded(p.flip_flops, 3)),
        ("cap_inputs_per_mac", rounded(p.inputs, 3)),
        ("cap_per_mac", rounded(p.total, 3)),
        ("cap_per_mac_ratio", ratio(p.total, first.per_mac.total)),
        ("cap_clock_per_mac", rounded(p.clock, 3)),
    ];
    if let Some(l) = &r.liberty {
        let first_logic = first.liberty.as_ref().map_or(0.0, |f| f.logic_pj);
        let first = first.liberty.as_ref().map_or(0.0, |f| f.total_pj);
        rec.extend([
            ("library", Value::from(l.library.as_str())),
            ("lib_cells", Value::from(l.cells)),
            ("pj_switching_per_mac", rounded(l.switching_pj, 5)),
            ("pj_internal_per_mac", rounded(l.internal_pj, 5)),
            ("pj_leakage_per_mac", rounded(l.leakage_pj, 7)),
            ("pj_per_mac", rounded(l.total_pj, 5)),
            ("pj_per_mac_ratio", ratio(l.total_pj, first)),
            ("pj_logic_per_mac", rounded(l.logic_pj, 5)),
            ("pj_ff_per_mac", rounded(l.ff_pj, 5)),
            ("pj_logic_per_mac_ratio", ratio(l.logic_pj, first_logic)),
            ("lib_cycles", Value::from(l.cycles)),
            ("pj_per_cycle", rounded(l.pj_per_cycle, 5)),
        ]);
    }
    rec
}

/// The reports as a Markdown table, ratios to the first in parentheses.
fn table(rows: &[PowerReport]) -> String {
    let Some(first) = rows.first() else {
        return String::new();
    };
    let mut out = String::from(
        "| design | stimulus | delay | MACs | GE total | toggles/MAC | C/MAC logic | C/MAC FFs | C/MAC inputs | C/MAC total | clock C/MAC |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let p = &r.per_mac;
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} ({:.2}) | {:.1} |\n",
            r.design,
            r.stimulus,
            r.delay.name(),
            r.macs,
            r.ge.total,
            r.toggles_per_mac,
            p.logic,
            p.flip_flops,
            p.inputs,
            p.total,
            p.total / first.per_mac.total.max(f64::MIN_POSITIVE),
            p.clock,
        ));
    }
    out.push_str("\nC: switched capacitance in unit-inverter input capacitances per MAC operation (energy ∝ ½·C·V²); the clock net is apart.\n");
    if rows.iter().any(|r| r.liberty.is_some()) {
        out.push_str(&joules_table(rows));
    }
    out
}

/// The `--liberty` figures as a second Markdown table, ratios to the first in parentheses.
fn joules_table(rows: &[PowerReport]) -> String {
    let first = rows.first().and_then(|r| r.liberty.as_ref());
    let (first, first_logic) = first.map_or((0.0, 0.0), |l| (l.total_pj, l.logic_pj));
    let mut out = String::from(
        "\n| design | library | cells | pJ/MAC switching | pJ/MAC internal | pJ/MAC leakage | pJ/MAC total | pJ/MAC logic | pJ/MAC FFs | cycles | pJ/cycle |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let Some(l) = &r.liberty else { continue };
        out.push_str(&format!(
            "| {} | {} | {} | {:.4} | {:.4} | {:.6} | {:.4} ({:.2}) | {:.4} ({:.2}) | {:.4} | {} | {:.4} |\n",
            r.design,
            l.library,
            l.cells,
            l.switching_pj,
            l.internal_pj,
            l.leakage_pj,
            l.total_pj,
            l.total_pj / first.max(f64::MIN_POSITIVE),
            l.logic_pj,
            l.logic_pj / first_logic.max(f64::MIN_POSITIVE),
            l.ff_pj,
            l.cycles,
            l.pj_per_cycle,
        ));
    }
    out.push_str(&format!(
        "\npJ per MAC operation on the library: switching ½·C·V² (pin capacitances, the library's wire load), internal energy from its internal_power tables, leakage at {} MHz; the gate netlist mapped to the library, simulated. FFs: the flip-flops' internal energy (clock pins included), the switching of the nets they drive and their leakage; logic: the rest. pJ/cycle: the run's energy per clock cycle (an array's per array cycle, idle PEs and fill/drain included).\n",
        1e3 / crate::power::liberty::LEAKAGE_PERIOD_NS
    ));
    out
}
