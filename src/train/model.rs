//! The trainable network: float parameters on an [`Arch`], its quantization state, the
//! training forward/backward with fake quantization (STE), and the two evaluation paths.
//!
//! A network is a chain of compute layers (dense or convolution). Every layer but the last is
//! followed by ReLU, then (when quantizing) unsigned `a`-bit activation fake-quantization, then
//! optionally a 2×2 max-pool; the last layer produces the logits. Quantization state
//! ([`QuantState`]) is separate from the float shadow parameters, so the same network trains in
//! floating point first and is then fine-tuned with QAT.
//!
//! Evaluation paths:
//! - [`Network::forward_float`]: floating point, optionally with training-style fake quant;
//! - [`Network::eval_fake_quant`]: the fake-quant model at evaluation time, with each layer's
//!   scale factored out: activations are held as integer multiples of their scale, weights as
//!   `decode(code)`, so the f64 im2col GEMM yields the accumulator exactly (all values are
//!   integers below 2^53); the bias is the integer bias, and the next activation comes from the
//!   shared integer requantization [`requantize`]. By construction its per-layer integers equal
//!   the integer-only path of [`IntModel`] ([`crate::model`]), which the tests check.

use super::gemm::dgemm;
use super::layers::{channels_to_batch, im2col, maxpool2};
use super::parallel;
use super::quantizer::{max_abs, ClipRule, Quantized, WeightQuantizer};
use super::QatError;
use crate::model::arch::{Arch, LayerKind};
use crate::model::{requantize, IntModel, LayerIo};
use crate::quant::spec::FormatSpec;
use crate::quant::ActFormat;
use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// Float parameters (the shadow weights during QAT).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Network {
    pub arch: Arch,
    /// Per layer, `[out_rows][fan_in]`.
    pub weights: Vec<Vec<f32>>,
    pub biases: Vec<Vec<f32>>,
    /// Per layer, where its parameters came from, named in errors: for an imported network
    /// e.g. "`fc1`: `fc1.weight`, `fc1.bias` in mlp.safetensors"; empty for a trained one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<String>,
    /// Per layer, a scale of each output channel applied after the accumulation,
    /// `z = g ⊙ (W·x + b)` (a folded BatchNorm), or empty for none; the whole vector is empty
    /// when no layer has one. Only hidden layers may have one: the integer model requantizes
    /// them per output channel.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel_scales: Vec<Vec<f32>>,
}

/// Quantization settings of one layer.
#[derive(Debug, Clone)]
pub struct LayerQuant {
    pub spec: FormatSpec,
    pub quantizer: WeightQuantizer,
    pub clip_rule: ClipRule,
    /// Clip as a fraction of max|W| (1 for [`ClipRule::Max`]).
    pub alpha: f64,
    /// Pruning factor (0 = off).
    pub prune: f64,
}

impl LayerQuant {
    /// A layer quantizer for `spec`.
    pub fn new(spec: FormatSpec, clip_rule: ClipRule, prune: f64) -> Result<Self, QatError> {
        let quantizer = WeightQuantizer::new(spec.format()?);
        if prune > 0.0 && !quantizer.has_zero() {
            return Err(QatError::Config(format!(
                "pruning needs a format with a zero level; {} has none",
                spec.label()
            )));
        }
        Ok(Self {
            spec,
            quantizer,
            clip_rule,
            alpha: 1.0,
            prune,
        })
    }

    /// Quantize a weight tensor with the current α and the current max|W|.
    pub fn quantize(&self, w: &[f32]) -> Quantized {
        self.quantizer
            .quantize(w, self.alpha * max_abs(w), self.prune)
    }
}

/// Quantization state of a network: weight formats, activation bits and clips.
#[derive(Debug, Clone)]
pub struct QuantState {
    pub layers: Vec<LayerQuant>,
    pub act_bits: u32,
    /// Activation clip (full-scale value) after each hidden layer.
    pub act_clip: Vec<f32>,
    /// Input pixels in [0, 1] are quantized with step 1/(2^a − 1).
    pub input_scale: f64,
    /// EMA momentum of the activation clip statistics.
    pub act_momentum: f32,
    /// Percentile (0..=100) of post-ReLU values used as the clip statistic.
    pub act_percentile: f64,
}

impl QuantState {
    /// Largest activation integer, 2^a − 1.
    pub fn qmax(&self) -> f32 {
        ((1u32 << self.act_bits) - 1) as f32
    }
    /// Activation step after hidden layer `l`.
    pub fn act_scale(&self, l: usize) -> f32 {
        self.act_clip[l] / self.qmax()
    }
    /// The unsigned activation format.
    pub fn act_format(&self) -> ActFormat {
        ActFormat::new(self.act_bits, false).expect("act bits validated")
    }
    /// Recalibrate every layer's α (for [`ClipRule::Mse`] layers).
    pub fn calibrate_weights(&mut self, net: &Network) {
        for (lq, w) in self.layers.iter_mut().zip(&net.weights) {
            lq.alpha = lq.quantizer.calibrate(w, lq.clip_rule, lq.prune);
        }
    }
}

/// Everything the backward pass needs from a training forward.
#[derive(Debug, Default)]
pub struct Cache {
    inputs: Vec<Vec<f32>>,
    pre: Vec<Vec<f32>>,
    pool_idx: Vec<Vec<usize>>,
    qw: Vec<Option<Quantized>>,
    /// Per hidden layer: the clip statistic (percentile of post-ReLU values) of this batch.
    pub act_stats: Vec<f32>,
}

/// Gradients of one batch.
#[derive(Debug, Clone)]
pub struct Grads {
    pub weights: Vec<Vec<f32>>,
    pub biases: Vec<Vec<f32>>,
}

/// The `p`-th percentile of the ReLU of a (subsampled, at most 65,536 values) slice.
/// A high percentile (rank `k` of `m`, few values above it) keeps only the `m − k` largest
/// values seen in a small sorted buffer, which one comparison per value mostly rejects.
fn relu_percentile(v: &[f32], p: f64) -> f32 {
    let stride = v.len().div_ceil(65536).max(1);
    let m = v.len().div_ceil(stride);
    if m == 0 {
        return 0.0;
    }
    let k = (((p / 100.0) * (m - 1) as f64).round() as usize).min(m - 1);
    let top = m - k; // the answer is the smallest of the `top` largest values
    let vals = v.iter().step_by(stride).map(|x| x.max(0.0));
    if top > 64 {
        let mut s: Vec<f32> = vals.collect();
        return *s.select_nth_unstable_by(k, |a, b| a.total_cmp(b)).1;
    }
    let mut buf: Vec<f32> = Vec::with_capacity(top + 1); // ascending
    for x in vals {
        if buf.len() == top {
            if x.total_cmp(&buf[0]).is_le() {
                continue;
            }
            buf.remove(0);
        }
        let at = buf.partition_point(|b| b.total_cmp(&x).is_lt());
        buf.insert(at, x);
    }
    buf[0]
}

impl Network {
    /// He-normal initialisation (std √(2/fan_in)), zero biases.
    pub fn new(arch: Arch, seed: u64) -> Result<Self, QatError> {
        arch.validate()?;
        let mut r = Rng::new(seed);
        let mut weights = Vec::new();
        let mut biases = Vec::new();
        for l in &arch.layers {
            let std = (2.0 / l.fan_in() as f64).sqrt();
            weights.push(
                (0..l.out_rows() * l.fan_in())
                    .map(|_| (r.normal() * std) as f32)
                    .collect(),
            );
            biases.push(vec![0.0; l.out_rows()]);
        }
        Ok(Self {
            arch,
            weights,
            biases,
            origins: Vec::new(),
            channel_scales: Vec::new(),
        })
    }

    /// The output-channel scale of layer `l`, if it has one.
    pub fn channel_scale(&self, l: usize) -> Option<&[f32]> {
        self.channel_scales
            .get(l)
            .filter(|g| !g.is_empty())
            .map(Vec::as_slice)
    }

    /// Multiply layer `l`'s batch-major outputs (or their gradients) `z` by its channel
    /// scale, if it has one.
    fn scale_channels(&self, l: usize, z: &mut [f32]) {
        if let Some(g) = self.channel_scale(l) {
            let def = &self.arch.layers[l];
            let per = def.acc_len() / def.out_rows();
            for (i, v) in z.iter_mut().enumerate() {
                *v *= g[(i / per) % g.len()];
            }
        }
    }

    /// Quantize the input pixels (in [0, 1]) to integers with the state's input scale.
    pub fn quantize_input(q: &QuantState, x: &[f32]) -> Vec<i64> {
        let f = q.act_format();
        x.iter()
            .map(|&v| f.quantize(v as f64, q.input_scale))
            .collect()
    }

    /// Training forward for a batch of `n` samples; returns the logits and the cache. With
    /// `stats = Some(p)`, the cache records the `p`-th percentile of each hidden layer's
    /// post-ReLU (pre-quantization) values.
    /// With `q`, weights are fake-quantized (per-layer dynamic scale), inputs and hidden
    /// activations are fake-quantized to unsigned `a` bits.
    pub fn forward_train(
        &self,
        q: Option<&QuantState>,
        x: &[f32],
        n: usize,
        stats: Option<f64>,
    ) -> (Vec<f32>, Cache) {
        let mut cache = Cache::default();
        let mut cur: Vec<f32> = match q {
            Some(q) => Self::quantize_input(q, x)
                .into_iter()
                .map(|v| (v as f64 * q.input_scale) as f32)
                .collect(),
            None => x.to_vec(),
        };
        let last = self.arch.layers.len() - 1;
        for (l, def) in self.arch.layers.iter().enumerate() {
            let qw = q.map(|q| q.layers[l].quantize(&self.weights[l]));
            let w = qw
                .as_ref()
                .map_or(&self.weights[l][..], |qw| &qw.values[..]);
            let mut z = vec![0.0f32; n * def.acc_len()];
            match def.kind {
                LayerKind::Dense { .. } => {
                    parallel::dense_forward(&cur, n, w, &self.biases[l], &mut z)
                }
                LayerKind::Conv(s) => parallel::conv_forward(&cur, &s, w, &self.biases[l], &mut z),
            }
            self.scale_channels(l, &mut z);
            cache.inputs.push(std::mem::take(&mut cur));
            cache.qw.push(qw);
            if l == last {
                cache.pre.push(Vec::new());
                cache.pool_idx.push(Vec::new());
                cur = z;
                break;
            }
            if let Some(p) = stats {
                cache.act_stats.push(relu_percentile(&z, p));
            }
            let fq = q.map(|q| (q.act_scale(l), q.qmax()));
            let (a, idx) = parallel::activate(&z, n, fq, def.pool.then(|| def.acc_planes()));
            cache.pool_idx.push(idx);
            cache.pre.push(z);
            cur = a;
        }
        (cur, cache)
    }

    /// Backward pass from `dlogits`; weight gradients go to the float shadow weights
    /// (straight-through estimator), zeroed for weights outside the clipping range.
    pub fn backward(
        &self,
        q: Option<&QuantState>,
        cache: &Cache,
        dlogits: &[f32],
        n: usize,
    ) -> Grads {
        let layers = &self.arch.layers;
        let mut gw: Vec<Vec<f32>> = self.weights.iter().map(|w| vec![0.0; w.len()]).collect();
        let mut gb: Vec<Vec<f32>> = self.biases.iter().map(|b| vec![0.0; b.len()]).collect();
        let mut dz = dlogits.to_vec();
        for l in (0..layers.len()).rev() {
            let def = &layers[l];
            let w = cache.qw[l]
                .as_ref()
                .map_or(&self.weights[l][..], |qw| &qw.values[..]);
            let mut dx = if l > 0 {
                vec![0.0f32; n * def.in_len()]
            } else {
                Vec::new()
            };
            let dxo = if l > 0 { Some(&mut dx[..]) } else { None };
            self.scale_channels(l, &mut dz);
            let x = &cache.inputs[l];
            match def.kind {
                LayerKind::Dense { .. } => {
                    parallel::dense_backward(x, n, w, &dz, &mut gw[l], &mut gb[l], dxo)
                }
                LayerKind::Conv(s) => {
                    parallel::conv_backward(x, &s, w, &dz, &mut gw[l], &mut gb[l], dxo)
                }
            }
            if let Some(qw) = &cache.qw[l] {
                for (g, &inside) in gw[l].iter_mut().zip(&qw.inside) {
                    if !inside {
                        *g = 0.0;
                    }
                }
            }
            if l == 0 {
                break;
            }
            // Through the previous layer's pool, activation quantizer and ReLU.
            let prev = &layers[l - 1];
            let hi = q.map_or(f32::INFINITY, |q| q.act_clip[l - 1]);
            let idx = prev.pool.then(|| &cache.pool_idx[l - 1][..]);
            let dx = parallel::activate_backward(&dx, idx, &cache.pre[l - 1], n, hi);
            dz = dx;
        }
        Grads {
            weights: gw,
            biases: gb,
        }
    }

    /// Logits of a batch (no cache): float, or training-style fake quant with `q`.
    pub fn forward_float(&self, q: Option<&QuantState>, x: &[f32], n: usize) -> Vec<f32> {
        self.forward_train(q, x, n, None).0
    }

    /// The fake-quant model at evaluation time (see the module docs) for `n` samples, with the
    /// frozen integer parameters of `im` (built from this network by
    /// [`IntModel::from_network`]). Returns, per layer, the input activations, the
    /// accumulators and (hidden layers) the output activations, all as integers, batch-major.
    /// `wdec` is [`IntModel::decoded`] of `im` (decoded once by the caller).
    pub fn eval_fake_quant(
        &self,
        im: &IntModel,
        wdec: &[Vec<i64>],
        x: &[f32],
        n: usize,
    ) -> Vec<LayerIo> {
        let mut cur: Vec<f64> = im.quantize_input(x).into_iter().map(|v| v as f64).collect();
        let mut out = Vec::new();
        let last = self.arch.layers.len() - 1;
        for (l, (def, il)) in self.arch.layers.iter().zip(&im.layers).enumerate() {
            let w: Vec<f64> = wdec[l].iter().map(|&v| v as f64).collect();
            let bias: Vec<f64> = il.bias.iter().map(|&b| b as f64).collect();
            let mut acc = vec![0.0f64; n * def.acc_len()];
            match def.kind {
                LayerKind::Dense { inputs, outputs } => {
                    dgemm(n, inputs, outputs, &cur, false, &w, true, 0.0, &mut acc);
                    for row in acc.chunks_exact_mut(outputs) {
                        for (a, b) in row.iter_mut().zip(&bias) {
                            *a += b;
                        }
                    }
                }
                LayerKind::Conv(s) => {
                    let mut cols = Vec::new();
                    im2col(&cur, n, &s, &mut cols);
                    let np = n * s.out_pixels();
                    let mut t = vec![0.0f64; s.out_c * np];
                    dgemm(
                        s.out_c,
                        s.col_rows(),
                        np,
                        &w,
                        false,
                        &cols,
                        false,
                        0.0,
                        &mut t,
                    );
                    channels_to_batch(&t, n, s.out_c, s.out_pixels(), &bias, &mut acc);
                }
            }
            let acc_i: Vec<i64> = acc.iter().map(|&v| v as i64).collect();
            let act_in: Vec<i64> = cur.iter().map(|&v| v as i64).collect();
            if l == last {
                out.push(LayerIo {
                    act_in,
                    acc: acc_i,
                    act_out: Vec::new(),
                });
                break;
            }
            // Batch-major accumulators: output channel of index i is (i / per) mod channels.
            let (per, channels) = (il.channel_size(), def.out_rows());
            let mut a: Vec<i64> = acc_i
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let rq = il
                        .requant_for((i / per) % channels)
                        .expect("hidden layers requantize");
                    requantize(v, rq.m, rq.s, im.act_bits)
                })
                .collect();
            if def.pool {
                let (c, h, w) = def.acc_planes();
                a = maxpool2(&a, n * c, h, w).0;
            }
            cur = a.iter().map(|&v| v as f64).collect();
            out.push(LayerIo {
                act_in,
                acc: acc_i,
                act_out: a,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Network;
    use crate::model::arch::{Arch, CnnSpec, ConvStage, Padding};
    use crate::rng::Rng;

    /// Whole-network gradients (float, no quantization) against central differences of
    /// L = Σ logits·g: every weight and bias of every layer of a CNN with 5×5 stride-2
    /// convolutions and two dense layers. With the ReLU pattern and the pooled maxima fixed,
    /// L is linear in any one parameter, so the difference is exact up to f32 rounding; the
    /// step shrinks (1e-2, 1e-3, 1e-4) until it moves no ReLU across zero and no pooled
    /// maximum, and a parameter whose every step does is skipped (few are).
    #[test]
    fn cnn_gradients_with_strided_5x5_convolutions_and_two_dense_layers_match_finite_differences() {
        let stage = |pool| ConvStage {
            k: 5,
            stride: 2,
            padding: Padding::Same,
            pool,
        };
        let cases = [
            // 8×8 → 4×4 → pool 2×2; dense 3·2·2 = 12 → 6 → 4.
            ((1, 8, 8), vec![3], stage(true), vec![6]),
            // 9×9 → 5×5 → 3×3 (no pool); dense 4·3·3 = 36 → 5 → 4.
            ((2, 9, 9), vec![3, 4], stage(false), vec![5]),
        ];
        for (input, channels, stage, hidden) in cases {
            let spec = CnnSpec {
                channels,
                stage,
                hidden,
            };
            let arch = Arch::cnn(input, &spec, 4).unwrap();
            let dense = arch.layers.iter().filter(|l| l.conv().is_none()).count();
            assert_eq!(dense, 2, "{arch:?}");
            gradients_match(Network::new(arch, 11).unwrap());
        }
    }

    /// The same check with per-output-channel scales (a folded BatchNorm) on the hidden
    /// convolution and the hidden dense layer: the scale multiplies the forward outputs and
    /// the backward gradients.
    #[test]
    fn gradients_with_channel_scales_match_finite_differences() {
        let spec = CnnSpec {
            channels: vec![3],
            stage: ConvStage {
                k: 3,
                stride: 1,
                padding: Padding::Same,
                pool: true,
            },
            hidden: vec![5],
        };
        let arch = Arch::cnn((1, 6, 6), &spec, 4).unwrap();
        let mut net = Network::new(arch, 5).unwrap();
        net.channel_scales = vec![vec![0.5, 2.0, 1.25], vec![0.7, 1.5, 0.3, 2.2, 1.0], vec![]];
        gradients_match(net);
    }

    fn gradients_match(mut net: Network) {
        let mut r = Rng::new(12);
        let n = 3;
        let per = net.arch.input.0 * net.arch.input.1 * net.arch.input.2;
        let x: Vec<f32> = (0..n * per).map(|_| r.normal() as f32).collect();
        for b in net.biases.iter_mut().flatten() {
            *b = 0.1 * r.normal() as f32;
        }
        let g: Vec<f32> = (0..n * net.arch.classes)
            .map(|_| r.normal() as f32)
            .collect();
        // The loss and the pattern it is linear within (ReLU signs, pooled maxima).
        let run = |net: &Network| {
            let (logits, cache) = net.forward_train(None, &x, n, None);
            let loss: f64 = logits
                .iter()
                .zip(&g)
                .map(|(a, b)| *a as f64 * *b as f64)
                .sum();
            let signs: Vec<Vec<bool>> = cache
                .pre
                .iter()
                .map(|z| z.iter().map(|&v| v > 0.0).collect())
                .collect();
            (loss, (signs, cache.pool_idx.clone()), cache)
        };
        let (_, pattern, cache) = run(&net);
        let grads = net.backward(None, &cache, &g, n);
        for (l, w) in grads.weights.iter().enumerate() {
            assert!(w.iter().any(|v| v.abs() > 1e-2), "layer {l}: no gradient");
        }
        let (mut checked, mut skipped, mut worst) = (0usize, 0usize, 0.0f64);
        for l in 0..net.arch.layers.len() {
            for bias in [false, true] {
                let len = if bias {
                    net.biases[l].len()
                } else {
                    net.weights[l].len()
                };
                for i in 0..len {
                    let at = |d: f32| {
                        let mut m = net.clone();
                        let p = if bias {
                            &mut m.biases[l][i]
                        } else {
                            &mut m.weights[l][i]
                        };
                        *p += d;
                        let (loss, pat, _) = run(&m);
                        (loss, pat == pattern)
                    };
                    // The largest step that keeps the pattern (a larger one rounds less).
                    let num = [1e-2f32, 1e-3, 1e-4].into_iter().find_map(|eps| {
                        let ((hi, same_hi), (lo, same_lo)) = (at(eps), at(-eps));
                        (same_hi && same_lo).then(|| (hi - lo) / (2.0 * eps as f64))
                    });
                    let Some(num) = num else {
                        skipped += 1;
                        continue;
                    };
                    let a = if bias {
                        grads.biases[l][i]
                    } else {
                        grads.weights[l][i]
                    } as f64;
                    worst = worst.max((num - a).abs() / (1e-2 + num.abs().max(a.abs())));
                    checked += 1;
                }
            }
        }
        assert!(worst < 1e-2, "relative gradient error {worst}");
        assert!(
            skipped * 10 < checked,
            "{skipped} parameters skipped, {checked} checked"
        );
    }

    #[test]
    fn percentile_by_selection_and_by_the_top_buffer_agree() {
        let mut r = crate::rng::Rng::new(4);
        for n in [1usize, 7, 100, 5000, 70_000, 200_003] {
            let v: Vec<f32> = (0..n).map(|_| (r.normal() * 2.0) as f32).collect();
            for p in [0.0, 50.0, 99.0, 99.99, 100.0] {
                let stride = n.div_ceil(65536).max(1);
                let mut s: Vec<f32> = v.iter().step_by(stride).map(|x| x.max(0.0)).collect();
                let k = (((p / 100.0) * (s.len() - 1) as f64).round() as usize).min(s.len() - 1);
                let want = *s.select_nth_unstable_by(k, |a, b| a.total_cmp(b)).1;
                assert_eq!(super::relu_percentile(&v, p), want, "n={n} p={p}");
            }
        }
    }
}
