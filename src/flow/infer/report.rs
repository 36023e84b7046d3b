//! The report both inference engines return ([`InferReport`]): one result per simulator (the
//! accelerator over the test images) or per layer and simulator (the per-layer check), each
//! with its one-line summary; the accelerator's is also written as `report.json` and
//! `report.md` into its run folder ([`write_reports`]).

use super::super::{Context, Result};
use crate::config::ArrayShape;
use crate::infer::LayerUsage;
use crate::tools::{Sim, SimOutcome};
use serde::Serialize;
use std::path::Path;
use std::path::PathBuf;
use std::time::Duration;

/// What one engine run found.
#[derive(Debug, Clone)]
pub struct InferReport {
    /// The design (the accelerator's name, or the per-layer designs' prefix).
    pub design: String,
    /// The data set of the test images (the accelerator engine), `None` for the per-layer
    /// check, which runs the export's golden samples.
    pub dataset: Option<&'static str>,
    /// One result per simulator, or per layer and simulator.
    pub results: Vec<RunResult>,
    /// Where `report.json` and `report.md` were written, if anywhere.
    pub report_dir: Option<PathBuf>,
    /// Wall time of the whole run (generation, simulator builds, simulation, integer model).
    pub wall: Duration,
}

impl InferReport {
    /// Whether every result agrees with the integer model.
    pub fn passed(&self) -> bool {
        self.results.iter().all(RunResult::passed)
    }
}

/// One result of an inference engine.
#[derive(Debug, Clone)]
pub enum RunResult {
    /// The whole network on the accelerator, over the test images, on one simulator.
    Images(SimResult),
    /// One layer alone on an array, on one simulator.
    Layer(LayerResult),
}

impl RunResult {
    /// Whether it agrees with the integer model.
    pub fn passed(&self) -> bool {
        match self {
            RunResult::Images(r) => r.failure.is_none(),
            RunResult::Layer(r) => matches!(r.outcome, SimOutcome::Pass(n) if n == r.expected),
        }
    }
}

/// One layer of the per-layer check on one simulator.
#[derive(Debug, Clone)]
pub struct LayerResult {
    pub layer: usize,
    pub sim: Sim,
    /// The layer and its array, e.g. `layer 1 (PoT 4-bit …; GEMM 8x64 by 64x32) on 8x8 ws`.
    pub what: String,
    /// The testbench's verdict over the layer's output rows, and its log.
    pub outcome: SimOutcome,
    pub log: PathBuf,
    /// The output rows the testbench was given: a `PASS n` with another `n` fails.
    pub expected: u64,
}

impl LayerResult {
    /// The result line.
    pub fn line(&self) -> String {
        let s = self.sim.name();
        match self.outcome {
            SimOutcome::Pass(n) if n != self.expected => format!(
                "{}, {s}: FAIL the testbench printed PASS {n}, expected {} output rows, log: {}",
                self.what,
                self.expected,
                self.log.display()
            ),
            SimOutcome::Pass(n) => {
                format!("{}, {s}: PASS {n} output rows == integer model", self.what)
            }
            SimOutcome::Fail(n) => {
                format!("{}, {s}: FAIL {n}, log: {}", self.what, self.log.display())
            }
        }
    }
}

/// One simulator's run over the images.
#[derive(Debug, Clone, Serialize)]
pub struct SimResult {
    pub simulator: &'static str,
    /// Images checked (all of them unless a disagreement stopped the run).
    pub images: usize,
    /// Correct classes: hardware, integer model (same images).
    pub hw_correct: usize,
    pub int_correct: usize,
    /// Cycles summed over the passes: measured in RTL, and the analytic model's.
    pub rtl_cycles: u64,
    pub model_cycles: u64,
    /// Cycles of the runs from ap_start to ap_done (the RUN_CYCLES register): the passes plus
    /// streaming the first batch in and the last records out, with any stream stalls.
    pub run_cycles: u64,
    /// Simulator build (or compile) time and simulation run time, seconds: the runs' own
    /// times summed.
    pub build_seconds: f64,
    pub sim_seconds: f64,
    /// Wall time of the simulation runs, seconds (less than `sim_seconds` when runs went
    /// side by side), and the simulator processes that ran at once.
    pub sim_wall_seconds: f64,
    pub processes: usize,
    /// The first disagreement with the integer model or the cycle model, if any.
    pub failure: Option<String>,
    #[serde(skip)]
    pub hw_ok: usize,
    #[serde(skip)]
    pub int_ok: usize,
    /// Images asked for (fewer are checked when a disagreement stops the run).
    #[serde(skip)]
    pub requested: usize,
}

impl SimResult {
    /// An empty result.
    pub fn new(simulator: &'static str, build_seconds: f64) -> SimResult {
        SimResult {
            simulator,
            images: 0,
            hw_correct: 0,
            int_correct: 0,
            rtl_cycles: 0,
            model_cycles: 0,
            run_cycles: 0,
            build_seconds,
            sim_seconds: 0.0,
            sim_wall_seconds: 0.0,
            processes: 1,
            failure: None,
            hw_ok: 0,
            int_ok: 0,
            requested: 0,
        }
    }

    fn pct(ok: usize, n: usize) -> f64 {
        100.0 * ok as f64 / n.max(1) as f64
    }

    /// Simulated cycles per second of simulation run time, per simulator process.
    pub fn cycles_per_second(&self) -> f64 {
        self.run_cycles.max(self.rtl_cycles) as f64 / self.sim_seconds.max(1e-9)
    }

    /// Wall time of the simulation runs, seconds.
    pub fn sim_wall(&self) -> f64 {
        if self.sim_wall_seconds > 0.0 {
            self.sim_wall_seconds
        } else {
            self.sim_seconds
        }
    }

    /// Simulated cycles per second of wall time, all processes together.
    pub fn cycles_per_wall_second(&self) -> f64 {
        self.run_cycles.max(self.rtl_cycles) as f64 / self.sim_wall().max(1e-9)
    }

    /// The simulation speed: per process and, with runs side by side, all together.
    fn speed(&self) -> String {
        if self.processes > 1 {
            format!(
                "{:.3e} cycles/s per simulator process, {:.3e} cycles/s with {} at once",
                self.cycles_per_second(),
                self.cycles_per_wall_second(),
                self.processes
            )
        } else {
            format!("{:.3e} cycles/s", self.cycles_per_second())
        }
    }

    /// The result line.
    pub fn line(&self, design: &str) -> String {
        let (n, requested) = (self.images, self.requested);
        let head = format!(
            "{design} {}: {n}/{requested} images, hardware top-1 {:.2} % ({}/{n}), integer model \
             {:.2} % ({}/{n}); cycles/image RTL {:.1}, model {:.1}, streaming included {:.1}; \
             {}; build {:.1} s, simulation {:.1} s",
            self.simulator,
            Self::pct(self.hw_ok, n),
            self.hw_ok,
            Self::pct(self.int_ok, n),
            self.int_ok,
            self.rtl_cycles as f64 / n.max(1) as f64,
            self.model_cycles as f64 / n.max(1) as f64,
            self.run_cycles as f64 / n.max(1) as f64,
            self.speed(),
            self.build_seconds,
            self.sim_wall(),
        );
        match &self.failure {
            None => format!("{head}: PASS, every prediction and logit equals the integer model"),
            Some(f) => format!("{head}: FAIL {f}"),
        }
    }
}

#[derive(Serialize)]
struct Report<'a> {
    design: &'a str,
    dataset: &'a str,
    array: String,
    batch: u32,
    wall_seconds: f64,
    results: Vec<SimResult>,
    /// Per layer at the full batch, from the cycle model (equal to the RTL on every pass).
    layers: &'a [LayerUsage],
}

/// What a run was: its design, data set, array, batch and wall time.
pub(super) struct RunInfo<'a> {
    pub design: &'a str,
    pub dataset: &'a str,
    pub array: &'a ArrayShape,
    pub batch: u32,
    pub wall: Duration,
}

/// Write `report.json` and `report.md` into `dir`.
pub(super) fn write_reports(
    dir: &Path,
    run: &RunInfo,
    results: &[SimResult],
    layers: &[LayerUsage],
) -> Result<()> {
    let RunInfo {
        design,
        dataset,
        array,
        batch,
        wall,
    } = *run;
    let results: Vec<SimResult> = results
        .iter()
        .map(|r| SimResult {
            hw_correct: r.hw_ok,
            int_correct: r.int_ok,
            ..r.clone()
        })
        .collect();
    let rep = Report {
        design,
        dataset,
        array: array.to_string(),
        batch,
        wall_seconds: (wall.as_secs_f64() * 100.0).round() / 100.0,
        results,
        layers,
    };
    let json = serde_json::to_string_pretty(&rep).expect("a report serializes") + "\n";
    let mut md = format!(
        "# potmac infer: {design} ({dataset}, {} array, batch {batch})\n\n\
         | simulator | images | hardware top-1 % | integer model top-1 % | RTL cycles/image | \
         model cycles/image | with streaming | cycles/s per process | processes | cycles/s | \
         build s | simulation s | result |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
        rep.array
    );
    for r in &rep.results {
        let n = r.images.max(1) as f64;
        md += &format!(
            "| {} | {} | {:.2} | {:.2} | {:.1} | {:.1} | {:.1} | {:.3e} | {} | {:.3e} | {:.1} | {:.1} \
             | {} |\n",
            r.simulator,
            r.images,
            100.0 * r.hw_correct as f64 / n,
            100.0 * r.int_correct as f64 / n,
            r.rtl_cycles as f64 / n,
            r.model_cycles as f64 / n,
            r.run_cycles as f64 / n,
            r.cycles_per_second(),
            r.processes,
            r.cycles_per_wall_second(),
            r.build_seconds,
            r.sim_wall(),
            r.failure
                .as_deref()
                .map_or("PASS".into(), |f| format!("FAIL {f}")),
        );
    }
    md += &format!(
        "\nPer layer, a pass of {batch} images (the cycle model, which the RTL equals on every \
         pass; MACs as a GEMM: output pixels before the pool × K × N):\n\n\
         | layer | kind | MACs/image | cycles/pass | array utilization |\n|---|---|---|---|---|\n"
    );
    for u in layers {
        md += &format!(
            "| {} | {} | {} | {} | {:.3} |\n",
            u.layer, u.kind, u.macs_per_image, u.cycles_per_pass, u.utilization
        );
    }
    for (f, text) in [("report.json", json), ("report.md", md)] {
        std::fs::write(dir.join(f), text)
            .context(|| format!("writing {}", dir.join(f).display()))?;
    }
    Ok(())
}
