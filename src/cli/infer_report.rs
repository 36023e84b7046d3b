//! The result of `potmac infer` per simulator: one line on stdout and `report.json` /
//! `report.md` in the run folder.

use crate::config::ArrayShape;
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

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
    /// Simulator build (or compile) time and simulation run time, seconds.
    pub build_seconds: f64,
    pub sim_seconds: f64,
    /// The first disagreement with the integer model or the cycle model, if any.
    pub failure: Option<String>,
    #[serde(skip)]
    pub hw_ok: usize,
    #[serde(skip)]
    pub int_ok: usize,
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
            build_seconds,
            sim_seconds: 0.0,
            failure: None,
            hw_ok: 0,
            int_ok: 0,
        }
    }

    fn pct(ok: usize, n: usize) -> f64 {
        100.0 * ok as f64 / n.max(1) as f64
    }

    /// Simulated cycles per second of simulation run time.
    pub fn cycles_per_second(&self) -> f64 {
        self.rtl_cycles as f64 / self.sim_seconds.max(1e-9)
    }

    /// The result line.
    pub fn line(&self, design: &str, requested: usize) -> String {
        let n = self.images;
        let head = format!(
            "{design} {}: {n}/{requested} images, hardware top-1 {:.2} % ({}/{n}), integer model \
             {:.2} % ({}/{n}); cycles/image RTL {:.1}, model {:.1}; {:.3e} cycles/s; build {:.1} s, \
             simulation {:.1} s",
            self.simulator,
            Self::pct(self.hw_ok, n),
            self.hw_ok,
            Self::pct(self.int_ok, n),
            self.int_ok,
            self.rtl_cycles as f64 / n.max(1) as f64,
            self.model_cycles as f64 / n.max(1) as f64,
            self.cycles_per_second(),
            self.build_seconds,
            self.sim_seconds,
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
}

/// Write `report.json` and `report.md` into `dir`.
pub fn write_reports(
    dir: &Path,
    design: &str,
    dataset: &str,
    array: &ArrayShape,
    batch: u32,
    results: &[SimResult],
    wall: Duration,
) -> Result<()> {
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
        array: format!("{}x{}:{}", array.rows, array.cols, array.dataflow.name()),
        batch,
        wall_seconds: (wall.as_secs_f64() * 100.0).round() / 100.0,
        results,
    };
    let json = serde_json::to_string_pretty(&rep)? + "\n";
    let mut md = format!(
        "# potmac infer: {design} ({dataset}, {} array, batch {batch})\n\n\
         | simulator | images | hardware top-1 % | integer model top-1 % | RTL cycles/image | \
         model cycles/image | cycles/s | build s | simulation s | result |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
        rep.array
    );
    for r in &rep.results {
        let n = r.images.max(1) as f64;
        md += &format!(
            "| {} | {} | {:.2} | {:.2} | {:.1} | {:.1} | {:.3e} | {:.1} | {:.1} | {} |\n",
            r.simulator,
            r.images,
            100.0 * r.hw_correct as f64 / n,
            100.0 * r.int_correct as f64 / n,
            r.rtl_cycles as f64 / n,
            r.model_cycles as f64 / n,
            r.cycles_per_second(),
            r.build_seconds,
            r.sim_seconds,
            r.failure
                .as_deref()
                .map_or("PASS".into(), |f| format!("FAIL {f}")),
        );
    }
    for (f, text) in [("report.json", json), ("report.md", md)] {
        std::fs::write(dir.join(f), text)
            .with_context(|| format!("writing {}", dir.join(f).display()))?;
    }
    Ok(())
}
