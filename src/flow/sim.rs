//! `sim`: generate (or reuse) each design folder and run its self-checking testbench on one or
//! both simulators. The results come one at a time ([`Simulation`] is an iterator), so a
//! caller can show each as soon as it is known.

use super::{lock_folders, prepare, usage, Context, Result, RunOpts};
use crate::config::Design;
use crate::emit::{self, Bundle, DesignLock};
use crate::tools::{Sim, SimOutcome};
use std::path::PathBuf;
use std::time::Instant;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Simulators, in the order they run for each design.
    pub sims: Vec<Sim>,
    /// Vectors and seed of the generated folders.
    pub gen: emit::Options,
    /// Output folder, timeout, regeneration.
    pub run: RunOpts,
    /// Dump every signal (VCD from Icarus, FST from Verilator).
    pub waves: bool,
}

/// One design on one simulator.
#[derive(Debug, Clone, PartialEq)]
pub struct SimResult {
    pub design: String,
    pub sim: Sim,
    /// The testbench's `PASS n` / `FAIL n`.
    pub outcome: SimOutcome,
    /// The number of checks the testbench was given ([`Bundle::vectors`]): a `PASS n` with
    /// another `n` is a failure ([`SimResult::miscount`]), not a pass.
    pub expected: u64,
    /// What one check of the testbench is (`vectors`, `output rows`).
    pub unit: &'static str,
    /// Wall time of build and run.
    pub secs: f64,
    /// The simulation log.
    pub log: PathBuf,
    /// The waveform file of a run with waves.
    pub waves: Option<PathBuf>,
}

/// A running simulation flow: yields one [`SimResult`] per design and simulator.
pub struct Simulation {
    _locks: Vec<DesignLock>,
    runs: std::vec::IntoIter<(Bundle, PathBuf, Sim)>,
    opts: SimOptions,
    step: crate::progress::Step,
}

/// Check the simulators, lock and prepare every folder; the returned iterator runs them.
pub fn start(designs: &[Design], opts: SimOptions) -> Result<Simulation> {
    if opts.sims.is_empty() {
        return usage("no simulator selected");
    }
    for s in &opts.sims {
        s.require()?;
    }
    // Held until every simulation has finished: another run of the same design into the same
    // OUT waits instead of rewriting the folder under this one.
    let locks = lock_folders(
        designs.iter().map(|d| d.name.as_str()),
        &opts.run.out,
        opts.run.timeout,
    )?;
    let folders = prepare(designs, &opts.gen, &opts.run.out, opts.run.regenerate)?;
    let runs: Vec<_> = folders
        .into_iter()
        .flat_map(|(b, dir)| {
            opts.sims
                .iter()
                .map(move |s| (b.clone(), dir.clone(), *s))
                .collect::<Vec<_>>()
        })
        .collect();
    let step = crate::progress::step("simulating", Some(runs.len() as u64));
    Ok(Simulation {
        _locks: locks,
        runs: runs.into_iter(),
        opts,
        step,
    })
}

impl Simulation {
    fn one(&self, b: &Bundle, dir: &std::path::Path, sim: Sim) -> Result<SimResult> {
        let s = sim.name();
        if self.opts.waves {
            // A waveform file must come from this run, not an earlier one.
            let _ = std::fs::remove_file(dir.join(sim.waves_file()));
        }
        let t0 = Instant::now();
        let (outcome, log) = sim
            .simulate(
                dir,
                &b.tb_top,
                &b.tb_file,
                self.opts.run.timeout,
                self.opts.waves,
            )
            .context(|| format!("simulating `{}` on {s}", b.name))?;
        let secs = t0.elapsed().as_secs_f64();
        let waves = if self.opts.waves {
            let w = dir.join(sim.waves_file());
            if !w.is_file() {
                return usage(format!(
                    "simulating `{}` on {s} with --waves: the testbench wrote no {}",
                    b.name,
                    w.display()
                ));
            }
            Some(w)
        } else {
            None
        };
        self.step.inc(1);
        Ok(SimResult {
            design: b.name.clone(),
            sim,
            outcome,
            expected: b.vectors as u64,
            unit: b.checks,
            secs,
            log,
            waves,
        })
    }
}

impl SimResult {
    /// A `PASS n` whose `n` is not the number of checks the testbench was given: `(printed,
    /// expected)`. A testbench (or a simulator) that skips checks and still prints `PASS`
    /// must not pass.
    pub fn miscount(&self) -> Option<(u64, u64)> {
        match self.outcome {
            SimOutcome::Pass(n) if n != self.expected => Some((n, self.expected)),
            _ => None,
        }
    }

    /// Whether the run passed: `PASS n` with `n` the checks it was given.
    pub fn passed(&self) -> bool {
        matches!(self.outcome, SimOutcome::Pass(_)) && self.miscount().is_none()
    }
}

impl Iterator for Simulation {
    type Item = Result<SimResult>;
    fn next(&mut self) -> Option<Result<SimResult>> {
        let (b, dir, sim) = self.runs.next()?;
        Some(self.one(&b, &dir, sim))
    }
}
