//! The per-layer engine (`infer --per-layer`, a debugging mode): each layer of the network
//! alone on a bare array (any `RxC:ws|os`), as a GEMM of the export's golden samples by the
//! layer's weight codes, with the layer's inputs from the integer model
//! ([`crate::model::lower`]); each array's testbench checks every output row against the
//! integer model's accumulators.

use super::report::{InferReport, LayerResult, RunResult};
use super::{Engine, InferOptions};
use crate::emit;
use crate::flow::{lock_folders, usage, Context, Result};
use crate::model::lower::layer_runs;
use crate::model::read::Export;
use std::time::Instant;

/// Each layer alone on an array.
#[derive(Debug, Clone, Copy, Default)]
pub struct PerLayer;

/// The prefix of the per-layer designs (`net_layer0`, `net_layer1`, …).
pub const PREFIX: &str = "net";

impl Engine for PerLayer {
    fn run(&self, export: &Export, o: &InferOptions) -> Result<InferReport> {
        let wall = Instant::now();
        let a = o.array;
        let runs = layer_runs(&export.model, &export.inputs, a, PREFIX)?;
        if runs.is_empty() {
            return usage("the model has no layers to map");
        }
        for s in &o.sims {
            s.require()?;
        }
        let timeout = o.run.timeout;
        let mut results = Vec::new();
        let layers = crate::progress::step("deploying layers", Some(runs.len() as u64));
        for r in &runs {
            let b = emit::bundle_gemms(&r.design, std::slice::from_ref(&r.gemm))?;
            let _lock = lock_folders([b.name.as_str()], &o.run.out, timeout)?;
            let dir = emit::write(&b, &o.run.out)?;
            let g = r.gemm.shape;
            for &sim in &o.sims {
                let (outcome, log) = sim
                    .simulate(&dir, &b.tb_top, &b.tb_file, timeout, false)
                    .context(|| format!("simulating layer {} on {}", r.layer, sim.name()))?;
                results.push(RunResult::Layer(LayerResult {
                    layer: r.layer,
                    sim,
                    what: format!(
                        "layer {} ({}; GEMM {}x{} by {}x{}) on {}x{} {}",
                        r.layer,
                        r.design.weights.summary(),
                        g.m,
                        g.k,
                        g.k,
                        g.n,
                        a.rows,
                        a.cols,
                        a.dataflow.name()
                    ),
                    outcome,
                    log,
                    expected: b.vectors as u64,
                }));
            }
            layers.inc(1);
        }
        Ok(InferReport {
            design: PREFIX.to_string(),
            dataset: None,
            results,
            report_dir: None,
            wall: wall.elapsed(),
        })
    }
}
