//! Input sequences for the energy proxy. Every cycle is a MAC operation (`en_i` high); `clr_i`
//! starts a new dot product, at least every `max_dot_length` cycles, so the accumulator stays
//! within the width the design promises (the golden model checks it).

use super::PowerError;
use crate::config::{ArrayShape, Dataflow, Design};
use crate::hw::array::{Gemm, GemmShape};
use crate::hw::Stim;
use crate::rng::Rng;
use std::path::{Path, PathBuf};

/// Where the activations and weight codes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stimulus {
    /// A fresh random activation and weight code every cycle: each input bit toggles with
    /// probability about 1/2 (the paper's setting).
    Random,
    /// Random activations every cycle, each weight code held for [`HOLD_CYCLES`] cycles, as a
    /// weight-stationary PE sees its weight.
    Held,
    /// A trained network's own weight codes and activations from a `potmac qat` export
    /// folder: the dot products of its layers in the design's weight format, one after the
    /// other (each output's inputs in order, so the weight changes every cycle).
    Real(PathBuf),
}

impl Stimulus {
    /// Name, as on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Stimulus::Random => "random",
            Stimulus::Held => "held",
            Stimulus::Real(_) => "real",
        }
    }
}

/// Cycles each weight is held for by [`Stimulus::Held`].
pub const HOLD_CYCLES: usize = 64;

/// `(act, code, starts a dot product)` triples as MAC cycles, with a clear at every start
/// and after every `max_dot_length` accumulations.
fn cycles(d: &Design, ops: impl Iterator<Item = (i64, u32, bool)>) -> Vec<Stim> {
    let mut since = 0u64;
    ops.map(|(act, code, start)| {
        let clr = start || since == 0 || since >= d.max_dot_length;
        since = if clr { 1 } else { since + 1 };
        Stim::mac(act, code, clr)
    })
    .collect()
}

/// `n` cycles of a stimulus.
pub fn generate(d: &Design, s: &Stimulus, n: usize, seed: u64) -> Result<Vec<Stim>, PowerError> {
    let mut rng = Rng::new(seed);
    let codes = d.weights.num_codes() as u64;
    let (lo, hi) = (d.act.min(), d.act.max());
    match s {
        Stimulus::Random => Ok(cycles(
            d,
            (0..n).map(|_| {
                let a = rng.range_i64(lo, hi);
                (a, rng.below(codes) as u32, false)
            }),
        )),
        Stimulus::Held => {
            let mut code = 0;
            Ok(cycles(
                d,
                (0..n).map(|i| {
                    if i % HOLD_CYCLES == 0 {
                        code = rng.below(codes) as u32;
                    }
                    (rng.range_i64(lo, hi), code, false)
                }),
            ))
        }
        Stimulus::Real(dir) => real(d, dir, n),
    }
}

/// The GEMMs of the export's layers that use `d`'s weight format (each layer's golden samples
/// through the integer model, convolutions as im2col GEMMs).
fn real_gemms(d: &Design, dir: &Path) -> Result<Vec<Gemm>, PowerError> {
    let bad = |message: String| PowerError::Export {
        path: dir.display().to_string(),
        message,
    };
    let (model, inputs) = crate::model::lower::read_export(dir).map_err(|e| bad(e.to_string()))?;
    if model.act_bits != d.act.bits() || d.act.signed() {
        return Err(bad(format!(
            "its activations are unsigned {}-bit, the design's are {} {}-bit",
            model.act_bits,
            if d.act.signed() { "signed" } else { "unsigned" },
            d.act.bits()
        )));
    }
    let shape = ArrayShape {
        rows: 1,
        cols: 1,
        dataflow: Dataflow::Ws,
    };
    let runs = crate::model::lower::layer_runs(&model, &inputs, shape, "power")
        .map_err(|e| bad(format!("{e}")))?;
    let gemms: Vec<Gemm> = runs
        .iter()
        .filter(|r| r.design.weights == d.weights)
        .map(|r| r.gemm.clone())
        .collect();
    if gemms.is_empty() {
        let have: Vec<String> = runs.iter().map(|r| r.design.weights.summary()).collect();
        return Err(bad(format!(
            "no layer uses the design's weights ({}); its layers: {}",
            d.weights.summary(),
            have.join("; ")
        )));
    }
    if let Some(g) = gemms.iter().find(|g| g.shape.k > d.max_dot_length) {
        return Err(bad(format!(
            "a layer's dot products have {} terms, more than the design's max_dot_length {}",
            g.shape.k, d.max_dot_length
        )));
    }
    Ok(gemms)
}

/// GEMMs for an array design, about `cycles` cycles of a fully used array (at most
/// `cycles × rows × cols` MAC operations). `random` and `held`: one GEMM of `cycles` random
/// rows, K = min(rows, max_dot_length), N = cols (a weight-stationary array holds its
/// weights for the whole run either way); `real`: the export's layers, each cut to its first
/// column tile and to the rows the budget leaves.
pub fn array_gemms(
    d: &Design,
    s: &Stimulus,
    cycles: usize,
    seed: u64,
) -> Result<Vec<Gemm>, PowerError> {
    let a = d.array.expect("an array design");
    let budget = cycles as u64 * u64::from(a.rows * a.cols);
    match s {
        Stimulus::Random | Stimulus::Held => {
            let mut rng = Rng::new(seed);
            let (m, k, n) = (
                cycles as u64,
                u64::from(a.rows).min(d.max_dot_length),
                u64::from(a.cols),
            );
            let codes = d.weights.num_codes() as u64;
            Ok(vec![Gemm {
                shape: GemmShape { m, k, n },
                x: (0..m * k)
                    .map(|_| rng.range_i64(d.act.min(), d.act.max()))
                    .collect(),
                w: (0..k * n).map(|_| rng.below(codes) as u32).collect(),
            }])
        }
        Stimulus::Real(dir) => {
            // Each layer cut to its first column tile (N ≤ cols) and to the rows the budget
            // leaves (at least one row of the first layer).
            let mut left = budget;
            let mut out = Vec::new();
            for g in real_gemms(d, dir)? {
                let (k, n) = (g.shape.k, g.shape.n.min(u64::from(a.cols)));
                let per_row = k * n;
                let m = g.shape.m.min(left / per_row.max(1));
                let m = if out.is_empty() { m.max(1) } else { m };
                if m == 0 {
                    break;
                }
                let w = (0..k)
                    .flat_map(|t| (0..n).map(move |j| (t, j)))
                    .map(|(t, j)| g.w[(t * g.shape.n + j) as usize])
                    .collect();
                out.push(Gemm {
                    shape: GemmShape { m, k, n },
                    x: g.x[..(m * k) as usize].to_vec(),
                    w,
                });
                left = left.saturating_sub(m * per_row);
            }
            Ok(out)
        }
    }
}

/// The first `n` MAC operations of the export's layers that use `d`'s weight format.
fn real(d: &Design, dir: &Path, n: usize) -> Result<Vec<Stim>, PowerError> {
    let mut ops = Vec::new();
    for g in &real_gemms(d, dir)? {
        let (m, k, nn) = (g.shape.m as usize, g.shape.k as usize, g.shape.n as usize);
        'rows: for row in 0..m {
            for col in 0..nn {
                for t in 0..k {
                    if ops.len() == n {
                        break 'rows;
                    }
                    ops.push((g.x[row * k + t], g.w[t * nn + col], t == 0));
                }
            }
        }
    }
    Ok(cycles(d, ops.into_iter()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clears_start_dot_products_and_bound_them() {
        let d = Design::from_yaml(
            "name: t\nweights: {format: pot, bits: 3}\nactivations: {bits: 4, signed: false}\nmax_dot_length: 3\n",
            "t",
        )
        .unwrap();
        let s = generate(&d, &Stimulus::Random, 10, 1).unwrap();
        let clr: Vec<bool> = s.iter().map(|x| x.clr).collect();
        assert_eq!(
            clr,
            [true, false, false, true, false, false, true, false, false, true]
        );
        assert!(s.iter().all(|x| x.en && !x.rst));
        let h = generate(&d, &Stimulus::Held, 200, 1).unwrap();
        assert!(h.windows(2).take(63).all(|w| w[0].code == w[1].code));
        assert!(
            h.iter()
                .map(|x| x.code)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
                > 1
        );
        // Random codes and activations cover their ranges.
        let r = generate(&d, &Stimulus::Random, 2000, 2).unwrap();
        assert_eq!(r.iter().map(|x| x.act).max(), Some(15));
        assert_eq!(r.iter().map(|x| x.code).max(), Some(7));
    }
}
