//! `potmac sim CONFIG... [--sim icarus|verilator|both]`: generate, simulate, one line per
//! design and simulator ([`crate::flow::sim`]). Exit 0 when all pass, 1 on any mismatch, 2 on
//! a tool error.

use super::common::{load_designs, FormatArg, GenArgs, ReuseArg, RunArgs};
use super::format::{rounded, Format, Record, RecordWriter};
use super::ui::Ui;
use super::Verdict;
use crate::flow::sim::{SimOptions, SimResult};
use crate::tools::{Sim, SimOutcome};
use anyhow::Result;
use serde_json::Value;
use std::path::PathBuf;

/// Which simulators to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Simulators {
    /// Icarus Verilog only.
    Icarus,
    /// Verilator only.
    Verilator,
    /// Both.
    Both,
}

impl Simulators {
    /// The simulators selected.
    pub fn list(self) -> Vec<Sim> {
        match self {
            Simulators::Icarus => vec![Sim::Icarus],
            Simulators::Verilator => vec![Sim::Verilator],
            Simulators::Both => Sim::ALL.to_vec(),
        }
    }

    /// The simulators selected, each checked to be installed (so a missing one stops the run
    /// before anything is written).
    pub fn require(self) -> Result<Vec<Sim>> {
        let sims = self.list();
        for s in &sims {
            s.require()?;
        }
        Ok(sims)
    }
}

/// Arguments of `potmac sim`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Design config files (YAML).
    #[arg(required = true)]
    configs: Vec<PathBuf>,
    /// Simulator(s).
    #[arg(long = "sim", value_enum, default_value_t = Simulators::Both)]
    sim: Simulators,
    #[command(flatten)]
    gen: GenArgs,
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    reuse: ReuseArg,
    #[command(flatten)]
    format: FormatArg,
    /// Also dump every signal: FST from Verilator (built with --trace-fst), VCD from Icarus;
    /// the file's path is printed with the result.
    #[arg(long)]
    waves: bool,
}

/// Run `potmac sim`.
pub fn run(a: &Args, ui: &Ui) -> Result<Verdict> {
    let designs = load_designs(&a.configs)?;
    let opts = SimOptions {
        sims: a.sim.require()?,
        gen: a.gen.opts(),
        run: a.run.opts_with(&a.reuse),
        waves: a.waves,
    };
    let format = a.format.format;
    let mut verdict = Verdict::Pass;
    let mut records = RecordWriter::new(ui, format);
    for r in crate::flow::sim::start(&designs, opts)? {
        let r = r?;
        let waves_note = r
            .waves
            .as_ref()
            .map(|w| format!(", waves: {}", w.display()))
            .unwrap_or_default();
        if !r.passed() {
            verdict = Verdict::Fail;
        }
        let (name, s, secs) = (&r.design, r.sim.name(), r.secs);
        match (format, r.outcome) {
            (Format::Table, _) if r.miscount().is_some() => {
                let (printed, expected) = r.miscount().unwrap_or_default();
                writeln!(
                    ui,
                    "{name:<24} {s:<9} FAIL the testbench printed PASS {printed}, expected \
                     {expected} {} ({secs:.1} s), log: {}{waves_note}",
                    r.unit,
                    r.log.display()
                )?
            }
            (Format::Table, SimOutcome::Pass(n)) => writeln!(
                ui,
                "{name:<24} {s:<9} PASS {n} {} ({secs:.1} s){waves_note}",
                r.unit
            )?,
            (Format::Table, SimOutcome::Fail(n)) => writeln!(
                ui,
                "{name:<24} {s:<9} FAIL {n} mismatches ({secs:.1} s), log: {}{waves_note}",
                r.log.display()
            )?,
            _ => records.write(&record(&r))?,
        }
    }
    Ok(verdict)
}

/// The fields of one result, as CSV columns and JSON keys: `checked` counts the checks of a
/// pass (in `unit`s), `mismatches` the failed checks (0 on a pass).
/// `waves` is the waveform file of a `--waves` run. A `PASS n` with `n` not the checks the
/// testbench was given is a `FAIL` with `checked` the printed count and no `mismatches`.
fn record(r: &SimResult) -> Record {
    let (result, checked, mismatches) = match r.outcome {
        SimOutcome::Pass(n) if r.miscount().is_some() => ("FAIL", Value::from(n), Value::Null),
        SimOutcome::Pass(n) => ("PASS", Value::from(n), Value::from(0)),
        SimOutcome::Fail(n) => ("FAIL", Value::Null, Value::from(n)),
    };
    vec![
        ("design", Value::from(r.design.as_str())),
        ("simulator", Value::from(r.sim.name())),
        ("result", Value::from(result)),
        ("checked", checked),
        ("unit", Value::from(r.unit)),
        ("mismatches", mismatches),
        ("seconds", rounded(r.secs, 3)),
        ("log", Value::from(r.log.display().to_string())),
        (
            "waves",
            r.waves
                .as_ref()
                .map_or(Value::Null, |w| Value::from(w.display().to_string())),
        ),
    ]
}
