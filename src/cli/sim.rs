//! `potmac sim CONFIG... [--sim icarus|verilator|both]`: generate, simulate, one line per
//! design and simulator. Exit 0 when all pass, 1 on any mismatch, 2 on a tool error.

use super::common::{at_least_one, generate_all, load_designs, lock_folders, DEFAULT_OUT};
use super::format::{rounded, Format, Record, RecordWriter};
use super::ui::Ui;
use super::Verdict;
use crate::emit;
use crate::tools::{SimOutcome, Simulator};
use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::path::Path;
use std::path::PathBuf;
use std::time::{Duration, Instant};

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
    /// The simulators selected, each checked to be installed (so a missing one stops the run
    /// before anything is written).
    pub fn require(self) -> Result<Vec<Simulator>> {
        let sims = match self {
            Simulators::Icarus => vec![Simulator::Icarus],
            Simulators::Verilator => vec![Simulator::Verilator],
            Simulators::Both => vec![Simulator::Icarus, Simulator::Verilator],
        };
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
    /// Seeded random vectors after the directed ones.
    #[arg(long, default_value_t = emit::Options::default().vectors, value_parser = super::common::vector_count)]
    vectors: usize,
    /// Seed of the random vectors.
    #[arg(long, default_value_t = emit::Options::default().seed)]
    seed: u64,
    /// Output folder.
    #[arg(long, default_value = DEFAULT_OUT)]
    out: PathBuf,
    /// Timeout per tool invocation, in seconds.
    #[arg(long, default_value_t = 600, value_parser = at_least_one::<u64>)]
    timeout: u64,
    /// Simulate the folders already in OUT as they are (e.g. after editing their RTL or
    /// vectors) instead of regenerating them.
    #[arg(long)]
    no_generate: bool,
    /// Output format: one line per result, CSV, or JSON Lines.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also dump every signal: FST from Verilator (built with --trace-fst), VCD from Icarus;
    /// the file's path is printed with the result.
    #[arg(long)]
    waves: bool,
}

/// Run `potmac sim`.
pub fn run(a: &Args, ui: &Ui) -> Result<Verdict> {
    let designs = load_designs(&a.configs)?;
    let sims = a.sim.require()?;
    let opts = emit::Options {
        vectors: a.vectors,
        seed: a.seed,
    };
    let timeout = Duration::from_secs(a.timeout);
    let mut verdict = Verdict::Pass;
    // Held until every simulation has finished: another run of the same design into the same
    // OUT waits instead of rewriting the folder under this one.
    let _locks = lock_folders(designs.iter().map(|d| d.name.as_str()), &a.out, ui, timeout)?;
    let folders = if a.no_generate {
        existing_folders(&designs, &opts, &a.out)?
    } else {
        generate_all(&designs, &opts, &a.out)?
    };
    let mut records = RecordWriter::new(ui, a.format);
    let all = crate::progress::step("simulating", Some((folders.len() * sims.len()) as u64));
    for (b, dir) in folders {
        for sim in &sims {
            let s = sim.name();
            if a.waves {
                // A waveform file must come from this run, not an earlier one.
                let _ = std::fs::remove_file(dir.join(sim.waves_file()));
            }
            let t0 = Instant::now();
            let (outcome, log) = sim
                .simulate(&dir, &b.tb_top, &b.tb_file, timeout, a.waves)
                .with_context(|| format!("simulating `{}` on {s}", b.name))?;
            let secs = t0.elapsed().as_secs_f64();
            let waves = if a.waves {
                let w = dir.join(sim.waves_file());
                if !w.is_file() {
                    bail!(
                        "simulating `{}` on {s} with --waves: the testbench wrote no {}",
                        b.name,
                        w.display()
                    );
                }
                Some(w)
            } else {
                None
            };
            let waves_note = waves
                .as_ref()
                .map(|w| format!(", waves: {}", w.display()))
                .unwrap_or_default();
            if matches!(outcome, SimOutcome::Fail(_)) {
                verdict = Verdict::Fail;
            }
            match (a.format, outcome) {
                (Format::Table, SimOutcome::Pass(n)) => writeln!(
                    ui,
                    "{:<24} {:<9} PASS {n} {} ({secs:.1} s){waves_note}",
                    b.name, s, b.checks
                )?,
                (Format::Table, SimOutcome::Fail(n)) => writeln!(
                    ui,
                    "{:<24} {:<9} FAIL {n} mismatches ({secs:.1} s), log: {}{waves_note}",
                    b.name,
                    s,
                    log.display()
                )?,
                _ => records.write(&record(&b, s, outcome, secs, &log, waves.as_deref()))?,
            }
            all.inc(1);
        }
    }
    Ok(verdict)
}

/// The fields of one result, as CSV columns and JSON keys: `checked` counts the checks of a
/// pass (in `unit`s), `mismatches` the failed checks (0 on a pass).
/// `waves` is the waveform file of a `--waves` run.
fn record(
    b: &emit::Bundle,
    sim: &str,
    outcome: SimOutcome,
    secs: f64,
    log: &Path,
    waves: Option<&Path>,
) -> Record {
    let (result, checked, mismatches) = match outcome {
        SimOutcome::Pass(n) => ("PASS", Value::from(n), 0),
        SimOutcome::Fail(n) => ("FAIL", Value::Null, n),
    };
    vec![
        ("design", Value::from(b.name.as_str())),
        ("simulator", Value::from(sim)),
        ("result", Value::from(result)),
        ("checked", checked),
        ("unit", Value::from(b.checks)),
        ("mismatches", Value::from(mismatches)),
        ("seconds", rounded(secs, 3)),
        ("log", Value::from(log.display().to_string())),
        (
            "waves",
            waves.map_or(Value::Null, |w| Value::from(w.display().to_string())),
        ),
    ]
}

/// The folders of already generated designs (their names come from rendering in memory).
fn existing_folders(
    designs: &[crate::config::Design],
    opts: &emit::Options,
    out: &Path,
) -> Result<Vec<(emit::Bundle, PathBuf)>> {
    designs
        .iter()
        .map(|d| {
            let b = emit::bundle(d, opts)?;
            let dir = out.join(&b.name);
            // A folder left aside by a killed regeneration comes back first.
            emit::recover(out, &b.name)?;
            if !dir.join(&b.tb_file).is_file() {
                bail!(
                    "--no-generate: {} has no generated testbench; run `potmac generate` first",
                    dir.display()
                );
            }
            if let Some(rel) = emit::missing_files(&b, &dir).first() {
                bail!(
                    "--no-generate: {} is incomplete: `{rel}` is missing; regenerate it with \
                     `potmac generate` (or restore the file)",
                    dir.display()
                );
            }
            Ok((b, dir))
        })
        .collect()
}
