//! Weight and activation quantizers used by QAT, tied to the hardware code tables.
//!
//! The textual weight format (`pot:4`, `pot:4:none`, `uniform:8`, `apot:4`) is
//! [`crate::quant::spec::FormatSpec`]. [`WeightQuantizer`] is a vectorised form of [`WeightFormat::encode`]: it is *built from*
//! the format's code table (levels, and codes obtained by calling `encode` on each level) and
//! the format's documented decision thresholds, and a test checks it against `encode` on dense
//! sweeps and on every threshold and its f64 neighbours, for every format and width. So the
//! trainer and the hardware tables cannot diverge.
//!
//! Thresholds between consecutive produced magnitudes `m_i < m_{i+1}` (a magnitude `|t|` at or
//! above the threshold goes up):
//! - uniform / APoT: the linear midpoint `(m_i + m_{i+1}) / 2` (ties away from zero);
//! - PoT: `√2·m_i` (log-domain midpoint, tie up), and `0.5` between zero and 1.
//!
//! Per layer, the weight scale is `scale = clip / max_level` with `clip = max|W|` (the paper's
//! dynamic full-scale range, recomputed every step) or `clip = α·max|W|` with α calibrated to
//! minimise the quantization MSE (APoT default). Pruning (paper's PF): with a pruning factor
//! `pf`, normalised magnitudes `|w|/scale < pf × (smallest nonzero level)` become zero; only
//! formats with a zero level accept it.

use crate::quant::WeightFormat;
use serde::{Deserialize, Serialize};

/// How a layer's clipping threshold (full scale) is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClipRule {
    /// `clip = max|W|`, recomputed every step (the paper's rule).
    Max,
    /// `clip = α·max|W|`, α ∈ {0.50, 0.52, …, 1.00} minimising Σ(w − q(w))², recalibrated at
    /// the start of every epoch; between calibrations α is fixed and max|W| is still tracked
    /// every step.
    Mse,
}

/// The result of quantizing one weight tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantized {
    /// Float scale: weight ≈ scale × decode(code).
    pub scale: f64,
    /// Hardware codes.
    pub codes: Vec<u32>,
    /// `decode(code)` for every weight.
    pub ints: Vec<i64>,
    /// Fake-quantized weights, `(scale × decode(code)) as f32`.
    pub values: Vec<f32>,
    /// Whether each shadow weight lies inside the clipping range (STE passes its gradient).
    pub inside: Vec<bool>,
}

/// Vectorised, table-driven equivalent of [`WeightFormat::encode`] + `decode`.
#[derive(Debug, Clone)]
pub struct WeightQuantizer {
    format: WeightFormat,
    mags: Vec<i64>,
    thresholds: Vec<f64>,
    pos_codes: Vec<u32>,
    neg_codes: Vec<u32>,
}

impl WeightQuantizer {
    /// Build from the code table of `format`.
    pub fn new(format: WeightFormat) -> Self {
        let mut mags: Vec<i64> = format
            .table()
            .iter()
            .filter(|e| e.produced && e.value >= 0)
            .map(|e| e.value)
            .collect();
        mags.sort_unstable();
        mags.dedup();
        let log = matches!(format, WeightFormat::Pot(_));
        let thresholds = mags
            .windows(2)
            .map(|w| match (log, w[0]) {
                (true, 0) => 0.5,
                (true, m) => m as f64 * std::f64::consts::SQRT_2,
                (false, _) => (w[0] + w[1]) as f64 / 2.0,
            })
            .collect();
        let pos_codes = mags.iter().map(|&m| format.encode(m as f64, 1.0)).collect();
        let neg_codes = mags
            .iter()
            .map(|&m| format.encode(-(m as f64), 1.0))
            .collect();
        Self {
            format,
            mags,
            thresholds,
            pos_codes,
            neg_codes,
        }
    }

    /// The format.
    pub fn format(&self) -> WeightFormat {
        self.format
    }

    /// Whether the format has a zero level (pruning is only defined then).
    pub fn has_zero(&self) -> bool {
        self.mags[0] == 0
    }

    /// Smallest nonzero magnitude in integer units.
    pub fn smallest_level(&self) -> i64 {
        self.mags.iter().copied().find(|&m| m > 0).unwrap_or(1)
    }

    /// Code of `t` in integer units; identical to `format.encode(t·scale, scale)` for the
    /// `t = w / scale` that `encode` computes. With `prune > 0`, magnitudes below
    /// `prune × smallest_level` encode as zero (requires a zero level).
    pub fn encode_t(&self, t: f64, prune: f64) -> (u32, i64) {
        let t = if t.is_nan() { 0.0 } else { t };
        let a = t.abs();
        let mut i = self.thresholds.partition_point(|&th| th <= a);
        if prune > 0.0 && self.has_zero() && a < prune * self.smallest_level() as f64 {
            i = 0;
        }
        let m = self.mags[i];
        if t < 0.0 && m != 0 {
            (self.neg_codes[i], -m)
        } else {
            (self.pos_codes[i], m)
        }
    }

    /// Quantize a tensor with the given clip (full-scale magnitude) and pruning factor.
    pub fn quantize(&self, w: &[f32], clip: f64, prune: f64) -> Quantized {
        let max_level = self.format.max_level() as f64;
        let scale = if clip > 0.0 && clip.is_finite() {
            clip / max_level
        } else {
            1.0
        };
        let n = w.len();
        let mut q = Quantized {
            scale,
            codes: Vec::with_capacity(n),
            ints: Vec::with_capacity(n),
            values: Vec::with_capacity(n),
            inside: Vec::with_capacity(n),
        };
        for &x in w {
            let t = x as f64 / scale;
            let (code, v) = self.encode_t(t, prune);
            q.codes.push(code);
            q.ints.push(v);
            q.values.push((scale * v as f64) as f32);
            q.inside.push(t.abs() <= max_level);
        }
        q
    }

    /// The clip for `w` under `rule`; for [`ClipRule::Mse`] returns the calibrated α too.
    pub fn calibrate(&self, w: &[f32], rule: ClipRule, prune: f64) -> f64 {
        match rule {
            ClipRule::Max => 1.0,
            ClipRule::Mse => {
                let wmax = max_abs(w);
                if wmax == 0.0 {
                    return 1.0;
                }
                let max_level = self.format.max_level() as f64;
                let mut best = (f64::INFINITY, 1.0);
                for step in (0..=25).rev() {
                    let alpha = 0.5 + 0.02 * step as f64;
                    let scale = alpha * wmax / max_level;
                    let err: f64 = w
                        .iter()
                        .map(|&x| {
                            let (_, v) = self.encode_t(x as f64 / scale, prune);
                            (x as f64 - scale * v as f64).powi(2)
                        })
                        .sum();
                    if err < best.0 {
                        best = (err, alpha);
                    }
                }
                best.1
            }
        }
    }
}

/// max |x| of a tensor (0 for an empty one).
pub fn max_abs(w: &[f32]) -> f64 {
    w.iter().fold(0.0f64, |m, &x| m.max((x as f64).abs()))
}

/// Fake-quantize post-ReLU activations to unsigned integers `0..=qmax` with step `s`
/// (round half away from zero, then clamp; negative inputs give 0).
pub fn fake_quant_act(x: f32, s: f32, qmax: f32) -> f32 {
    // = (x / s).round().clamp(0.0, qmax) * s: clamping first to the integer bounds gives the
    // same integer, and below 2^24 the truncation by `as i32` is exact, so rounding half away
    // from zero needs no libm call and vectorizes (this runs on every activation of every
    // training step).
    let v = (x / s).clamp(0.0, qmax);
    let t = (v as i32) as f32;
    (if v - t >= 0.5 { t + 1.0 } else { t }) * s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::spec::FormatSpec;

    /// Every format, uniform up to 10 bits (wider tables only slow the sweep down).
    fn formats() -> Vec<WeightFormat> {
        crate::quant::all_formats()
            .into_iter()
            .filter(|f| !matches!(f, WeightFormat::Uniform(_)) || f.bits() <= 10)
            .collect()
    }

    #[test]
    fn vectorised_quantizer_agrees_with_encode() {
        for f in formats() {
            let q = WeightQuantizer::new(f);
            let m = f.max_level() as f64;
            let mut probes: Vec<f64> = (0..=6000)
                .map(|i| -1.3 * m + 2.6 * m * i as f64 / 6000.0)
                .collect();
            for &th in &q.thresholds {
                for x in [
                    th,
                    f64::from_bits(th.to_bits() - 1),
                    f64::from_bits(th.to_bits() + 1),
                ] {
                    probes.push(x);
                    probes.push(-x);
                }
            }
            probes.extend([0.0, -0.0, f64::NAN, 1e-300, -1e-300, 1e30, -1e30]);
            for &scale in &[1.0, 0.013, 3.7] {
                for &t in &probes {
                    let w = t * scale;
                    let want = f.encode(w, scale);
                    let (code, v) = q.encode_t(w / scale, 0.0);
                    assert_eq!(code, want, "{f:?} t={t} scale={scale}");
                    assert_eq!(v, f.decode(want), "{f:?} t={t}");
                }
            }
        }
    }

    #[test]
    fn tensor_quantization_scales_pruning_and_values() {
        let f = FormatSpec::parse("pot:4").unwrap().format().unwrap();
        let q = WeightQuantizer::new(f);
        let w = [0.64f32, -0.33, 0.004, 0.011, -0.64];
        let r = q.quantize(&w, max_abs(&w), 0.0);
        assert!((r.scale - 0.64f32 as f64 / 64.0).abs() < 1e-12);
        assert_eq!(r.ints, vec![64, -32, 0, 1, -64]);
        for (v, (&c, &i)) in r.values.iter().zip(r.codes.iter().zip(&r.ints)) {
            assert_eq!(f.decode(c), i);
            assert_eq!(*v, (r.scale * i as f64) as f32);
        }
        // PF = 2: magnitudes below 2 × smallest level are pruned to zero.
        let p = q.quantize(&w, max_abs(&w), 2.0);
        assert_eq!(p.ints, vec![64, -32, 0, 0, -64]);
        // APoT MSE calibration clips a lone outlier.
        let aq = WeightQuantizer::new(FormatSpec::parse("apot:4").unwrap().format().unwrap());
        let mut ws: Vec<f32> = (0..200).map(|i| ((i as f32) * 0.37).sin() * 0.1).collect();
        ws.push(1.0);
        let alpha = aq.calibrate(&ws, ClipRule::Mse, 0.0);
        assert!(alpha < 1.0, "{alpha}");
        assert_eq!(aq.calibrate(&ws, ClipRule::Max, 0.0), 1.0);
    }

    #[test]
    fn format_specs_parse() {
        assert_eq!(
            FormatSpec::parse("pot:4:none").unwrap().label(),
            "pot:4:none"
        );
        assert_eq!(FormatSpec::parse("uniform:8").unwrap().bits, 8);
        assert!(FormatSpec::parse("apot:2").is_err());
        assert!(FormatSpec::parse("uniform:4:none").is_err());
        assert!(FormatSpec::parse("log:4").is_err());
        assert_eq!(fake_quant_act(0.26, 0.1, 15.0), 0.3f32 * 1.0);
        assert_eq!(fake_quant_act(-1.0, 0.1, 15.0), 0.0);
        assert_eq!(fake_quant_act(9.0, 0.1, 15.0), 1.5);
        // The same as rounding with `f32::round` then clamping, also at halves and limits.
        let mut r = crate::rng::Rng::new(9);
        for i in 0..100_000 {
            let x = match i % 4 {
                0 => (r.normal() * 3.0) as f32,
                1 => (i / 4) as f32 * 0.05 + 0.025,
                2 => f32::from_bits(0x3eff_ffff) * 0.1, // just below half a step
                _ => (r.normal() * 1e3) as f32,
            };
            for (s, qmax) in [(0.1f32, 15.0f32), (0.0137, 255.0), (3.0, 65535.0)] {
                let want = (x / s).round().clamp(0.0, qmax) * s;
                assert_eq!(fake_quant_act(x, s, qmax), want, "{x} {s} {qmax}");
            }
        }
    }
}
