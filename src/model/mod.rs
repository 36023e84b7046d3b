//! The trained-model contract: the floor below every flow that uses a trained network
//! (training writes it, inference, power and the per-layer check read it).
//!
//! The integer-only model of a trained network ([`IntModel`]): per layer the hardware weight
//! codes, integer biases and requantization constants ([`requantize`]), and a plain-loop
//! inference path independent of the training engine. The training engine
//! (`crate::train`, `freeze.rs`) builds it from a trained network and evaluates the same
//! arithmetic with its GEMMs; the tests check both agree bit for bit.
//!
//! Submodules, each using only those before it in this list: [`arch`] (layer kinds, shapes
//! and the layer chain), [`dataset`] (the data sets an export names), [`mod@write`] (the export
//! files: `model.json`, `manifest.json`, the golden vectors), [`read`] (reading an export back
//! and checking it), [`narrow`] (the model on a narrow saturating or wrapping accumulator) and
//! [`lower`] (each layer as one GEMM on a generated array).
//!
//! Integer model of layer `l` (activations unsigned `a`-bit, weights `decode(code)`):
//!
//! ```text
//! acc[o]   = bias[o] + Σ_i act_in[i] · decode(code[o][i])          (exact, i64)
//! act_out  = clamp((acc · M + 2^(S−1)) >> S, 0, 2^a − 1)            (hidden layers)
//! ```
//!
//! `>>` is an arithmetic (flooring) shift, so requantization rounds half up (towards +∞);
//! negative accumulators all land at 0 because the clamp is the ReLU. `M` and `S` encode
//! `r = s_w · s_in / s_out` with `M = round(r · 2^S)`, `2^15 ≤ M < 2^16` (16-bit unsigned
//! multiplier), `S ≥ 1`. The integer bias is `round(b / (s_w · s_in))`, half away from zero.
//! A 2×2 max-pool, when present, is applied to the requantized activations (max commutes
//! with the monotone requantization). The last layer has no requantization: its accumulators
//! are the logits (`logit = s_w · s_in · acc`) and the prediction is the first maximal one.
//! The input pixels `x ∈ [0, 1]` are quantized as `round(x / s_in0)` with `s_in0 = 1/(2^a − 1)`.
//! Convolutions read their inputs in im2col order: input index `i = (c·k + ky)·k + kx` of
//! output pixel `(y, x)` is `act[c][y+ky−pad][x+kx−pad]` (zero outside the image).

pub mod arch;
pub mod dataset;
pub mod lower;
pub mod narrow;
pub mod read;
pub mod write;

use crate::quant::spec::FormatSpec;
use crate::quant::QuantError;
use arch::LayerKind;
use serde::{Deserialize, Serialize};

/// Errors of the model floor (messages never repeat their `source`: see the crate docs,
/// "Errors").
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// An architecture whose layers do not chain.
    #[error("invalid QAT configuration: {0}")]
    Config(String),
    /// A weight or activation format that `quant` rejects.
    #[error(transparent)]
    Quant(#[from] QuantError),
    /// File system errors.
    #[error("{path}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// Integer export failed (e.g. a requantization multiplier out of range).
    #[error("integer export: {0}")]
    Export(String),
    /// JSON serialisation.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// Integer requantization parameters: `y = clamp((acc·m + 2^(s−1)) >> s, 0, 2^a − 1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requant {
    pub m: i64,
    pub s: u32,
}

/// Bits of the requantization multiplier `M` (unsigned).
pub const REQUANT_M_BITS: u32 = 16;

/// `clamp((acc·m + 2^(s−1)) >> s, 0, 2^bits − 1)` with a flooring shift.
pub fn requantize(acc: i64, m: i64, s: u32, bits: u32) -> i64 {
    let p = acc as i128 * m as i128 + (1i128 << (s - 1));
    (p >> s).clamp(0, (1i128 << bits) - 1) as i64
}

/// `M`, `S` for the real multiplier `r > 0`: `M = round(r·2^S)` with `2^15 ≤ M < 2^16`.
pub fn requant_params(r: f64) -> Result<Requant, ModelError> {
    if !(r.is_finite() && r > 0.0) {
        return Err(ModelError::Export(format!(
            "requantization multiplier {r:.3e} is not positive"
        )));
    }
    let e = r.log2().floor() as i64;
    let mut s = (REQUANT_M_BITS as i64 - 1) - e;
    let mut m = (r * 2f64.powi(s as i32)).round() as i64;
    if m >= 1 << REQUANT_M_BITS {
        s -= 1;
        m = (r * 2f64.powi(s as i32)).round() as i64;
    } else if m < 1 << (REQUANT_M_BITS - 1) {
        s += 1;
        m = (r * 2f64.powi(s as i32)).round() as i64;
    }
    if !(1..=62).contains(&s) {
        return Err(ModelError::Export(format!(
            "requantization multiplier {r:.3e} is out of range"
        )));
    }
    Ok(Requant { m, s: s as u32 })
}

/// One layer of the integer model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntLayer {
    pub kind: LayerKind,
    pub pool: bool,
    pub format: FormatSpec,
    /// Weight codes, row-major `[out][in]` (`in` in im2col order for convolutions).
    pub codes: Vec<u32>,
    /// Integer biases in accumulator units.
    pub bias: Vec<i64>,
    /// Weight scale: weight = w_scale × decode(code).
    pub w_scale: f64,
    /// Scale of this layer's input activations.
    pub in_scale: f64,
    /// Scale of the output activations (hidden layers).
    pub out_scale: Option<f64>,
    /// Requantization to the next layer (hidden layers), one for the whole layer.
    pub requant: Option<Requant>,
    /// Requantization per output channel (hidden layers; a dense layer's outputs, a
    /// convolution's output channels): when present it is what the layer computes with, and
    /// `requant`, if also present, is informational. Absent from exports written before it
    /// existed, and from every per-tensor layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requant_channels: Option<Vec<Requant>>,
    /// Exact two's-complement width of the accumulator over all inputs in range.
    pub acc_width: u32,
}

impl IntLayer {
    /// `decode(code)` of every weight.
    pub fn weight_values(&self) -> Vec<i64> {
        let f = self
            .format
            .format()
            .expect("format validated at construction");
        self.codes.iter().map(|&c| f.decode(c)).collect()
    }

    /// Whether the layer requantizes (a hidden layer): it has `requant` or
    /// `requant_channels`.
    pub fn requantizes(&self) -> bool {
        self.requant.is_some() || self.requant_channels.is_some()
    }

    /// The requantization of output channel `o`: `requant_channels[o]` when the layer has
    /// per-channel constants, else `requant` (`None`: the last layer, or `o` past the
    /// channels of a malformed per-channel layer; the export reader refuses both on hidden
    /// layers).
    pub fn requant_for(&self, o: usize) -> Option<Requant> {
        match &self.requant_channels {
            Some(v) => v.get(o).copied(),
            None => self.requant,
        }
    }

    /// Accumulators per output channel and sample: 1 for a dense layer, the output pixels
    /// of a convolution (its accumulators are plane-major, `[o][y][x]`).
    pub fn channel_size(&self) -> usize {
        match self.kind {
            LayerKind::Dense { .. } => 1,
            LayerKind::Conv(s) => s.out_pixels(),
        }
    }
}

/// The integer-only model (serialised as `model.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntModel {
    pub input: (usize, usize, usize),
    pub classes: usize,
    pub act_bits: u32,
    /// Input quantization step: `x_int = round(x / input_scale)`, x ∈ [0, 1].
    pub input_scale: f64,
    pub layers: Vec<IntLayer>,
}

/// Inputs, accumulators and outputs of every layer for one sample.
pub type Trace = Vec<LayerIo>;

/// Integer inputs, accumulators and outputs of one layer for a batch (batch-major).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerIo {
    pub act_in: Vec<i64>,
    pub acc: Vec<i64>,
    /// Empty for the last layer (its accumulators are the logits).
    pub act_out: Vec<i64>,
}

impl IntModel {
    /// Quantize pixels in [0, 1] to unsigned `act_bits` integers.
    pub fn quantize_input(&self, x: &[f32]) -> Vec<i64> {
        let f = crate::quant::ActFormat::new(self.act_bits, false).expect("validated");
        x.iter()
            .map(|&v| f.quantize(v as f64, self.input_scale))
            .collect()
    }

    /// Integer-only inference of one sample (`x_int`: quantized input), with plain loops
    /// (direct convolution, no GEMM), independent of the training engine.
    pub fn infer(&self, x_int: &[i64]) -> Trace {
        self.infer_with(&self.decoded(), x_int)
    }

    /// `decode(code)` of every layer's weights.
    pub fn decoded(&self) -> Vec<Vec<i64>> {
        self.layers.iter().map(IntLayer::weight_values).collect()
    }

    /// [`IntModel::infer`] with the weights decoded once by the caller ([`IntModel::decoded`]).
    pub fn infer_with(&self, wdec: &[Vec<i64>], x_int: &[i64]) -> Trace {
        self.infer_acc(wdec, x_int, |_, acc, term| acc + term)
    }

    /// [`IntModel::infer_with`] with every accumulation step `acc ← add(layer, acc, term)`
    /// (exact: `acc + term`), starting from the bias and taking the inputs in order (im2col
    /// order for convolutions): a narrow accumulator applies its overflow policy here.
    pub fn infer_acc<F: FnMut(usize, i64, i64) -> i64>(
        &self,
        wdec: &[Vec<i64>],
        x_int: &[i64],
        mut add: F,
    ) -> Trace {
        let mut cur = x_int.to_vec();
        let mut trace = Vec::new();
        for (l, (il, w)) in self.layers.iter().zip(wdec).enumerate() {
            let mut acc = Vec::new();
            match il.kind {
                LayerKind::Dense { inputs, outputs } => {
                    for o in 0..outputs {
                        let row = &w[o * inputs..(o + 1) * inputs];
                        let mut a = il.bias[o];
                        for (wv, x) in row.iter().zip(&cur) {
                            a = add(l, a, wv * x);
                        }
                        acc.push(a);
                    }
                }
                LayerKind::Conv(s) => {
                    for o in 0..s.out_c {
                        for y in 0..s.out_h() {
                            for x in 0..s.out_w() {
                                let mut a = il.bias[o];
                                for c in 0..s.in_c {
                                    for ky in 0..s.k {
                                        for kx in 0..s.k {
                                            let iy = (y * s.stride + ky).wrapping_sub(s.pad);
                                            let ix = (x * s.stride + kx).wrapping_sub(s.pad);
                                            if iy < s.in_h && ix < s.in_w {
                                                let t = cur[(c * s.in_h + iy) * s.in_w + ix]
                                                    * w[o * s.col_rows()
                                                        + (c * s.k + ky) * s.k
                                                        + kx];
                                                a = add(l, a, t);
                                            }
                                        }
                                    }
                                }
                                acc.push(a);
                            }
                        }
                    }
                }
            }
            let act_in = std::mem::take(&mut cur);
            let act_out = if il.requantizes() {
                // Output channel of accumulator i: dense i, conv i / (out_h·out_w).
                let per = il.channel_size();
                let a: Vec<i64> = acc
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| {
                        let rq = il
                            .requant_for(i / per)
                            .expect("one requantization per output channel");
                        requantize(v, rq.m, rq.s, self.act_bits)
                    })
                    .collect();
                match il.kind {
                    LayerKind::Conv(s) if il.pool => {
                        pool_plane_major(&a, s.out_c, s.out_h(), s.out_w())
                    }
                    _ => a,
                }
            } else {
                Vec::new()
            };
            cur = act_out.clone();
            trace.push(LayerIo {
                act_in,
                acc,
                act_out,
            });
        }
        trace
    }

    /// Predicted class of one sample.
    pub fn predict(&self, wdec: &[Vec<i64>], x_int: &[i64]) -> usize {
        let t = self.infer_with(wdec, x_int);
        argmax_rows(&t.last().expect("at least one layer").acc, self.classes)[0]
    }
}

/// 2×2/2 max-pool written out directly (odd edges dropped).
fn pool_plane_major(a: &[i64], c: usize, h: usize, w: usize) -> Vec<i64> {
    let mut out = Vec::with_capacity(c * (h / 2) * (w / 2));
    for p in 0..c {
        for y in 0..h / 2 {
            for x in 0..w / 2 {
                let at = |dy: usize, dx: usize| a[(p * h + 2 * y + dy) * w + 2 * x + dx];
                out.push(at(0, 0).max(at(0, 1)).max(at(1, 0)).max(at(1, 1)));
            }
        }
    }
    out
}

/// Index of the largest value (the first on ties) of each `classes`-wide row.
pub fn argmax_rows<T: Copy + PartialOrd>(v: &[T], classes: usize) -> Vec<usize> {
    v.chunks_exact(classes)
        .map(|row| {
            let mut best = 0;
            for (j, x) in row.iter().enumerate() {
                if *x > row[best] {
                    best = j;
                }
            }
            best
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requantization_rule_by_hand() {
        // r = 0.75 → M = 0.75·2^16 = 49152, S = 16.
        let rq = requant_params(0.75).unwrap();
        assert_eq!(rq, Requant { m: 49152, s: 16 });
        assert_eq!(requantize(2, rq.m, rq.s, 8), 2); // 1.5 rounds half up
        assert_eq!(requantize(1, rq.m, rq.s, 8), 1); // 0.75
        assert_eq!(requantize(-100, rq.m, rq.s, 8), 0);
        assert_eq!(requantize(1000, rq.m, rq.s, 8), 255);
        let rq = requant_params(0.001).unwrap();
        assert!((1 << 15..1 << 16).contains(&rq.m));
        assert!((rq.m as f64 / 2f64.powi(rq.s as i32) - 0.001).abs() < 1e-7);
        assert!(requant_params(0.0).is_err());
    }

    /// A 3×3 convolution of ones with padding 1 and stride 2 on a 4×4 input holding 1..16
    /// (row-major): output 2×2, worked by hand from the windows centred on input (0,0), (0,2),
    /// (2,0), (2,2): 1+2+5+6 = 14; 2+3+4+6+7+8 = 30; 5+6+9+10+13+14 = 57;
    /// 6+7+8+10+11+12+14+15+16 = 99. The integer model computes it directly, the per-layer
    /// lowering as an im2col GEMM (checked against the model), the trainer with its own
    /// im2col: all three give the hand values.
    #[test]
    fn strided_convolution_by_hand_in_three_formulations() {
        use crate::model::arch::ConvShape;
        use crate::quant::spec::{FormatKind, FormatSpec, ZeroSpec};
        let s = ConvShape {
            in_c: 1,
            in_h: 4,
            in_w: 4,
            out_c: 1,
            k: 3,
            pad: 1,
            stride: 2,
        };
        assert_eq!((s.out_h(), s.out_w()), (2, 2));
        let layer = IntLayer {
            kind: LayerKind::Conv(s),
            pool: false,
            format: FormatSpec {
                kind: FormatKind::Uniform,
                bits: 8,
                zero: ZeroSpec::Code,
            },
            codes: vec![1; 9],
            bias: vec![0],
            w_scale: 1.0,
            in_scale: 1.0,
            out_scale: None,
            requant: None,
            requant_channels: None,
            acc_width: 16,
        };
        let im = IntModel {
            input: (1, 4, 4),
            classes: 4,
            act_bits: 8,
            input_scale: 1.0 / 255.0,
            layers: vec![layer],
        };
        let x: Vec<i64> = (1..=16).collect();
        let hand = vec![14, 30, 57, 99];
        assert_eq!(im.infer(&x)[0].acc, hand);
        let runs = crate::model::lower::layer_runs(
            &im,
            std::slice::from_ref(&x),
            "2x2:ws".parse().unwrap(),
            "t",
        )
        .unwrap();
        assert_eq!(runs[0].gemm.shape.m, 4);
        runs[0].check().unwrap();
        let mut cols = Vec::new();
        crate::train::layers::im2col(&x, 1, &s, &mut cols);
        let sums: Vec<i64> = (0..4)
            .map(|p| (0..9).map(|r| cols[r * 4 + p]).sum())
            .collect();
        assert_eq!(sums, hand);
        // Other shapes: ⌊(H + 2·pad − k) / stride⌋ + 1.
        let shape = |h: usize, k: usize, pad: usize, stride: usize| {
            let c = ConvShape {
                in_h: h,
                in_w: h,
                k,
                pad,
                stride,
                ..s
            };
            c.out_h()
        };
        assert_eq!(shape(5, 3, 1, 2), 3);
        assert_eq!(shape(7, 5, 0, 1), 3);
        assert_eq!(shape(4, 1, 0, 2), 2);
        assert_eq!(shape(28, 5, 2, 1), 28);
        assert_eq!(shape(28, 3, 1, 2), 14);
    }

    /// Per-channel requantization worked by hand, in two layers and two samples. Layer 0: a
    /// 1×1 convolution of a 1×2×2 image into 2 channels, weights 1 and 2, no bias; channel 0
    /// M = 49152, S = 16 (r = 0.75), channel 1 M = 40960, S = 17 (r = 0.3125); its per-tensor
    /// `requant` (r = 0.75) is overridden. Sample x = 1, 2, 3, 4:
    ///   channel 0 acc 1, 2, 3, 4 → ⌊0.75·acc + ½⌋ = ⌊1.25⌋, ⌊2.0⌋, ⌊2.75⌋, ⌊3.5⌋ = 1, 2, 2, 3
    ///   channel 1 acc 2, 4, 6, 8 → ⌊0.3125·acc + ½⌋ = ⌊1.125⌋, ⌊1.75⌋, ⌊2.375⌋, ⌊3.0⌋ = 1, 1, 2, 3
    /// (ties 1.5 and 2.5 round up). Sample x = 4, 3, 2, 1: channel 0 acc 4, 3, 2, 1 → 3, 2, 2, 1;
    /// channel 1 acc 8, 6, 4, 2 → 3, 2, 1, 1.
    /// Layer 1: dense 8 → 2, output 0 sums all inputs with bias −1, output 1 = input 4 +
    /// 2·input 7; output 0 M = 32768, S = 16 (r = 0.5), output 1 M = 49152, S = 15 (r = 1.5):
    ///   sample 1 inputs 1 2 2 3 1 1 2 3: acc 15 − 1 = 14 → ⌊7.5⌋ = 7; 1 + 2·3 = 7 → ⌊11.0⌋ = 11
    ///   sample 2 inputs 3 2 2 1 3 2 1 1: acc 14 → 7; 3 + 2·1 = 5 → ⌊8.0⌋ = 8
    /// Layer 2 (the logits) passes them on. With one requantization per layer (channel 0's)
    /// layer 0's channel 1 and layer 1's output 1 would differ (e.g. 7 → ⌊4.0⌋ = 4). The
    /// trainer's batched GEMM path (`eval_fake_quant`, batch-major, its own channel indexing)
    /// gives the same integers, and the per-layer lowering agrees with the accumulators.
    #[test]
    fn per_channel_requantization_by_hand_in_two_formulations() {
        use crate::model::arch::{Arch, ConvShape, LayerDef};
        use crate::quant::spec::{FormatKind, FormatSpec, ZeroSpec};
        let format = FormatSpec {
            kind: FormatKind::Uniform,
            bits: 8,
            zero: ZeroSpec::Code,
        };
        let rq = |m, s| Requant { m, s };
        let s = ConvShape {
            in_c: 1,
            in_h: 2,
            in_w: 2,
            out_c: 2,
            k: 1,
            pad: 0,
            stride: 1,
        };
        let layer = |kind, codes, bias, requant, requant_channels| IntLayer {
            kind,
            pool: false,
            format,
            codes,
            bias,
            w_scale: 1.0,
            in_scale: 1.0,
            out_scale: None,
            requant,
            requant_channels,
            acc_width: 16,
        };
        let dense = |inputs, outputs| LayerKind::Dense { inputs, outputs };
        let mut codes1 = vec![1; 8];
        codes1.extend([0, 0, 0, 0, 1, 0, 0, 2]);
        let im = IntModel {
            input: (1, 2, 2),
            classes: 2,
            act_bits: 8,
            input_scale: 1.0 / 255.0,
            layers: vec![
                layer(
                    LayerKind::Conv(s),
                    vec![1, 2],
                    vec![0, 0],
                    Some(rq(49152, 16)),
                    Some(vec![rq(49152, 16), rq(40960, 17)]),
                ),
                layer(
                    dense(8, 2),
                    codes1,
                    vec![-1, 0],
                    None,
                    Some(vec![rq(32768, 16), rq(49152, 15)]),
                ),
                layer(dense(2, 2), vec![1, 0, 0, 1], vec![0, 0], None, None),
            ],
        };
        assert_eq!(im.layers[0].requant_for(1), Some(rq(40960, 17)));
        assert_eq!(im.layers[2].requant_for(0), None);
        let xs: [Vec<i64>; 2] = [vec![1, 2, 3, 4], vec![4, 3, 2, 1]];
        let t: Vec<Trace> = xs.iter().map(|x| im.infer(x)).collect();
        assert_eq!(t[0][0].acc, [1, 2, 3, 4, 2, 4, 6, 8]);
        assert_eq!(t[0][0].act_out, [1, 2, 2, 3, 1, 1, 2, 3]);
        assert_eq!(t[1][0].act_out, [3, 2, 2, 1, 3, 2, 1, 1]);
        assert_eq!(t[0][1].acc, [14, 7]);
        assert_eq!(t[0][1].act_out, [7, 11]);
        assert_eq!(t[1][1].acc, [14, 5]);
        assert_eq!(t[1][1].act_out, [7, 8]);
        assert_eq!(t[1][2].acc, [7, 8]);
        // One requantization per layer would not do.
        let mut per_tensor = im.clone();
        per_tensor.layers[0].requant_channels = None;
        assert_eq!(per_tensor.infer(&xs[0])[0].act_out[4..], [2, 3, 5, 6]);

        // The trainer's formulation: both samples in one batch, batch-major.
        let arch = Arch {
            input: im.input,
            classes: 2,
            layers: im
                .layers
                .iter()
                .map(|l| LayerDef {
                    kind: l.kind,
                    pool: l.pool,
                })
                .collect(),
        };
        let net = crate::train::model::Network::new(arch, 1).unwrap();
        let x: Vec<f32> = xs.iter().flatten().map(|&v| v as f32 / 255.0).collect();
        let fq = net.eval_fake_quant(&im, &im.decoded(), &x, 2);
        for l in 0..3 {
            let both = |f: fn(&LayerIo) -> &Vec<i64>| -> Vec<i64> {
                t.iter().flat_map(|t| f(&t[l]).clone()).collect()
            };
            assert_eq!(fq[l].acc, both(|io| &io.acc), "layer {l}");
            assert_eq!(fq[l].act_out, both(|io| &io.act_out), "layer {l}");
        }
        for run in
            crate::model::lower::layer_runs(&im, &xs, "2x2:ws".parse().unwrap(), "t").unwrap()
        {
            run.check().unwrap();
        }
    }

    #[test]
    fn requant_params_are_accurate_and_in_range() {
        let mut r = 1.3e-6;
        while r < 3000.0 {
            let rq = requant_params(r).unwrap();
            assert!((1 << 15..1 << 16).contains(&rq.m), "r={r}: {rq:?}");
            let got = rq.m as f64 / 2f64.powi(rq.s as i32);
            assert!(((got - r) / r).abs() <= 2f64.powi(-16), "r={r}: {got}");
            // The integer rule equals floor(acc·M/2^S + 1/2), clamped.
            for acc in [-7i64, 0, 1, 5, 12345, 987654] {
                let want = ((acc * rq.m) as f64 / 2f64.powi(rq.s as i32) + 0.5).floor();
                assert_eq!(
                    requantize(acc, rq.m, rq.s, 8),
                    want.clamp(0.0, 255.0) as i64
                );
            }
            r *= 1.37;
        }
    }
}
