//! `potmac infer EXPORT --per-layer --array RxC:ws|os [--sim ...]`, the per-layer debugging
//! mode of `infer`: every layer of the trained network (a `potmac qat` output folder) runs on
//! its own on a generated systolic array, on the export's golden samples, with its inputs
//! taken from the integer model; the array result plus bias is checked against the integer
//! model, then every layer is simulated against the array model. Bias, requantization and
//! pooling stay outside the RTL here; the whole network in RTL is `infer` without
//! `--per-layer`.

use super::common::lock_folders;
use super::sim::Simulators;
use super::ui::Ui;
use super::Verdict;
use crate::config::{ArrayShape, Dataflow};
use crate::emit;
use crate::model::lower::{layer_runs, read_export};
use crate::tools::SimOutcome;
use anyhow::{bail, Context, Result};
use std::time::Duration;

/// What the per-layer mode needs from `potmac infer`'s arguments.
pub struct Args<'a> {
    pub export: &'a std::path::Path,
    pub array: ArrayShape,
    pub sim: Simulators,
    pub out: &'a std::path::Path,
    pub timeout: u64,
}

/// Parse `RxC:ws|os`.
pub fn parse_array(s: &str) -> Result<ArrayShape, String> {
    let err = || format!("`{s}`: expected ROWSxCOLS:ws or ROWSxCOLS:os, e.g. 4x4:ws");
    let (dims, flow) = s.split_once(':').ok_or_else(err)?;
    let (r, c) = dims.split_once('x').ok_or_else(err)?;
    let dataflow = match flow {
        "ws" => Dataflow::Ws,
        "os" => Dataflow::Os,
        _ => return Err(err()),
    };
    let max = crate::config::MAX_ARRAY_DIM;
    let dim = |d: &str| match d.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{s}`: rows and columns must be in 1..={max}, e.g. 4x4:ws"
        )),
    };
    r.parse::<u64>().map_err(|_| err())?;
    c.parse::<u64>().map_err(|_| err())?;
    Ok(ArrayShape {
        rows: dim(r)?,
        cols: dim(c)?,
        dataflow,
    })
}

/// Run `potmac infer --per-layer`.
pub fn run(a: &Args<'_>, ui: &Ui) -> Result<Verdict> {
    let (model, inputs) = read_export(a.export)?;
    let prefix = "net";
    let runs = match layer_runs(&model, &inputs, a.array, prefix) {
        Ok(r) => r,
        Err(e @ crate::model::lower::LowerError::Mismatch { .. }) => {
            writeln!(ui, "FAIL {e}")?;
            return Ok(Verdict::Fail);
        }
        Err(e) => return Err(e.into()),
    };
    if runs.is_empty() {
        bail!("the model has no layers to map");
    }
    let sims = a.sim.require()?;
    let timeout = Duration::from_secs(a.timeout);
    let mut verdict = Verdict::Pass;
    let layers = crate::progress::step("deploying layers", Some(runs.len() as u64));
    for r in &runs {
        let b = emit::bundle_gemms(&r.design, std::slice::from_ref(&r.gemm))?;
        let _lock = lock_folders([b.name.as_str()], a.out, ui, timeout)?;
        let dir = emit::write(&b, a.out)?;
        let g = r.gemm.shape;
        for sim in &sims {
            let s = sim.name();
            let (outcome, log) = sim
                .simulate(&dir, &b.tb_top, &b.tb_file, timeout, false)
                .with_context(|| format!("simulating layer {} on {s}", r.layer))?;
            let what = format!(
                "layer {} ({}; GEMM {}x{} by {}x{}) on {}x{} {}, {s}:",
                r.layer,
                r.design.weights.summary(),
                g.m,
                g.k,
                g.k,
                g.n,
                a.array.rows,
                a.array.cols,
                a.array.dataflow.name()
            );
            match outcome {
                SimOutcome::Pass(n) => {
                    writeln!(ui, "{what} PASS {n} output rows == integer model")?
                }
                SimOutcome::Fail(n) => {
                    verdict = Verdict::Fail;
                    writeln!(ui, "{what} FAIL {n}, log: {}", log.display())?;
                }
            }
        }
        layers.inc(1);
    }
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_argument() {
        let a = parse_array("8x2:os").unwrap();
        assert_eq!((a.rows, a.cols, a.dataflow), (8, 2, Dataflow::Os));
        assert!(parse_array("8x2").is_err());
        assert!(parse_array("8:ws").is_err());
        assert!(parse_array("ax2:ws").is_err());
        for bad in ["0x4:ws", "4x0:os", "65x1:ws", "99999999999x4:ws"] {
            let e = parse_array(bad).unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
        assert_eq!(parse_array("64x1:ws").unwrap().rows, 64);
    }
}
