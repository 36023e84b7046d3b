//! Lowering a trained network to per-layer GEMMs on generated arrays: every layer of an
//! exported integer model (`potmac qat`) becomes one GEMM — the exported golden samples' input
//! activations (M samples × K inputs; for a convolution, the im2col rows of every output
//! position) times the layer's weight codes (K × N outputs) — on a systolic array design of the
//! layer's own weight and activation formats.
//!
//! Two checks chain the trainer to the RTL: the array's reference result plus the layer's
//! integer bias must equal the accumulators of the integer-only inference path for every
//! sample and output ([`LayerRun::check`]), and the generated testbench compares every output
//! row of the RTL, and its cycle, with the array model. The bias is added after the array (the
//! MAC contract has no bias input), and so are requantization and pooling.

use super::arch::LayerKind;
use super::IntModel;
use crate::config::{ArrayShape, ConfigError, Design};
use crate::hw::array::{Gemm, GemmShape};
use crate::quant::spec::FormatSpec;
use crate::quant::WeightFormat;
use std::path::Path;

/// Errors while mapping a model onto arrays (messages never repeat their `source`: see the
/// crate docs, "Errors").
#[derive(Debug, thiserror::Error)]
pub enum LowerError {
    /// The export folder could not be read.
    #[error("{path}: {message}")]
    Read { path: String, message: String },
    /// A layer's design is invalid (e.g. its formats are outside the hardware's range). The
    /// source names the layer (it is the config's origin), so this message does not.
    #[error("mapping the model onto array designs")]
    Config { layer: usize, source: ConfigError },
    /// The array's result differs from the integer model: a real disagreement.
    #[error("layer {layer}: sample {sample}, output {output}: array + bias = {got}, integer model = {want}")]
    Mismatch {
        layer: usize,
        sample: usize,
        output: usize,
        got: i64,
        want: i64,
    },
}

/// One layer mapped onto an array.
#[derive(Debug, Clone)]
pub struct LayerRun {
    /// Layer index in the model.
    pub layer: usize,
    /// The array design for this layer's formats.
    pub design: Design,
    /// X (samples × inputs) and W (inputs × outputs, weight codes).
    pub gemm: Gemm,
    /// Integer bias per output.
    pub bias: Vec<i64>,
    /// The integer model's accumulators (bias included), samples × outputs.
    pub acc: Vec<i64>,
}

impl LayerRun {
    /// Check `X · value(W) + bias` against the integer model's accumulators.
    pub fn check(&self) -> Result<(), LowerError> {
        let y = self.gemm.reference(&self.design);
        let n = self.gemm.shape.n as usize;
        for (i, (&y, &want)) in y.iter().zip(&self.acc).enumerate() {
            let got = y + self.bias[i % n];
            if got != want {
                return Err(LowerError::Mismatch {
                    layer: self.layer,
                    sample: i / n,
                    output: i % n,
                    got,
                    want,
                });
            }
        }
        Ok(())
    }
}

/// Read and verify an export folder ([`super::read::load_export`]): the integer model and the
/// golden samples' integer inputs.
pub fn read_export(dir: &Path) -> Result<(IntModel, Vec<Vec<i64>>), LowerError> {
    let e = super::read::load_export(dir).map_err(|e| LowerError::Read {
        path: match e.line {
            Some(l) => format!("{}:{l}", e.path),
            None => e.path,
        },
        message: e.message,
    })?;
    Ok((e.model, e.inputs))
}

/// Map every layer of `model`, run on `inputs` (integer input samples), onto an array of the
/// given shape: a dense layer is one GEMM (samples × inputs by inputs × outputs), a convolution
/// its im2col GEMM (samples·positions × in_c·k·k by in_c·k·k × out_c), before pooling.
pub fn layer_runs(
    model: &IntModel,
    inputs: &[Vec<i64>],
    shape: ArrayShape,
    prefix: &str,
) -> Result<Vec<LayerRun>, LowerError> {
    let traces: Vec<_> = inputs.iter().map(|x| model.infer(x)).collect();
    let mut runs = Vec::new();
    for (l, layer) in model.layers.iter().enumerate() {
        // X rows (one per sample, or per sample and output position), K, N, and the integer
        // model's accumulators in the same row order.
        let (x, acc, k, n) = match layer.kind {
            LayerKind::Dense { inputs, outputs } => (
                traces
                    .iter()
                    .flat_map(|t| t[l].act_in.clone())
                    .collect::<Vec<_>>(),
                traces
                    .iter()
                    .flat_map(|t| t[l].acc.clone())
                    .collect::<Vec<_>>(),
                inputs,
                outputs,
            ),
            LayerKind::Conv(c) => {
                let (ho, wo) = (c.out_h(), c.out_w());
                let (mut x, mut acc) = (Vec::new(), Vec::new());
                for t in &traces {
                    let (a, y) = (&t[l].act_in, &t[l].acc);
                    for oy in 0..ho {
                        for ox in 0..wo {
                            // im2col row in the weights' order: (channel, ky, kx).
                            for ch in 0..c.in_c {
                                for ky in 0..c.k {
                                    for kx in 0..c.k {
                                        let iy = (oy * c.stride + ky).wrapping_sub(c.pad);
                                        let ix = (ox * c.stride + kx).wrapping_sub(c.pad);
                                        x.push(if iy < c.in_h && ix < c.in_w {
                                            a[(ch * c.in_h + iy) * c.in_w + ix]
                                        } else {
                                            0
                                        });
                                    }
                                }
                            }
                            acc.extend((0..c.out_c).map(|o| y[(o * ho + oy) * wo + ox]));
                        }
                    }
                }
                (x, acc, c.col_rows(), c.out_c)
            }
        };
        let origin = format!("layer {l}");
        let design = weight_format(&layer.format, &origin)
            .and_then(|w| {
                Design::builder(
                    &format!("{prefix}_layer{l}"),
                    &w,
                    model.act_bits,
                    false,
                    k as u64,
                )
                .array(shape)
                .build(&origin)
            })
            .map_err(|source| LowerError::Config { layer: l, source })?;
        let m = x.len() / k;
        // Exported codes are [out][in]; the GEMM's W is [in][out].
        let w: Vec<u32> = (0..k)
            .flat_map(|i| (0..n).map(move |o| (i, o)))
            .map(|(i, o)| layer.codes[o * k + i])
            .collect();
        let run = LayerRun {
            layer: l,
            design,
            gemm: Gemm {
                shape: GemmShape {
                    m: m as u64,
                    k: k as u64,
                    n: n as u64,
                },
                x,
                w,
            },
            bias: layer.bias.clone(),
            acc,
        };
        run.check()?;
        runs.push(run);
    }
    Ok(runs)
}

/// The `quant` format of an exported layer format, as a config error naming `origin` (the
/// export's formats were checked when it was read, so this fails only on a hand-made model).
pub fn weight_format(f: &FormatSpec, origin: &str) -> Result<WeightFormat, ConfigError> {
    f.format().map_err(|e| ConfigError::Field {
        path: origin.to_string(),
        field: "weights",
        message: e.to_string(),
    })
}
