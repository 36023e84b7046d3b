//! What grid a layer's weights lie on, read from their values alone: no ONNX or QONNX
//! quantizer is per-element power-of-two, so the format is found from the dequantized weights.
//!
//! [`detect`] tries, in order, the simplest description first: power-of-two (every weight 0 or
//! ±2^k times one scale), uniform integers, then additive powers of two (every weight 0 or ±a
//! level of one of potmac's `apot:N` formats — a sum of one power of two from each of its base
//! sets, see [`crate::quant::Apot`] — times one scale). Uniform comes before APoT because small
//! integers are APoT levels too (0..7 are all sums of `apot:7` terms): a 4-bit integer grid is
//! reported as what it was made as. A PoT or APoT grid is claimed only when a potmac format
//! reproduces every weight bit for bit ([`exact_in`]).

use crate::quant::spec::{FormatKind, FormatSpec, ZeroSpec};
use crate::quant::{Apot, APOT_MAX_BITS, APOT_MIN_BITS};
use crate::train::model::LayerQuant;
use crate::train::quantizer::ClipRule;

/// The grid a layer's weights lie on, read from their values.
#[derive(Debug, Clone, PartialEq)]
pub enum Grid {
    /// Every weight is 0 or ±2^k times one scale, with exponents spanning `span` octaves
    /// below the largest: imported exactly in `spec`.
    Pot { spec: FormatSpec, span: u32 },
    /// Every weight is an integer multiple of one scale, `max|W|` being `2^(bits−1) − 1` of
    /// them (not power-of-two).
    Uniform { bits: u32 },
    /// Every weight is 0 or ±(a level of `spec`, a sum of up to `terms` powers of two) times
    /// one scale, neither power-of-two nor uniform: `spec` is the smallest `apot:N` that
    /// reproduces every weight bit for bit, and the layer is imported exactly in it.
    Apot { spec: FormatSpec, terms: usize },
    /// None of these.
    Float,
}

fn max_abs(w: &[f32]) -> f64 {
    w.iter().fold(0.0f64, |m, &v| m.max((v as f64).abs()))
}

/// The grid of the weights `w` (see [`Grid`]). A power-of-two or APoT grid is claimed only
/// when the smallest format of its kind that spans it reproduces every weight exactly.
pub fn detect(w: &[f32]) -> Grid {
    let max = max_abs(w);
    if max == 0.0 || !max.is_finite() {
        return Grid::Float;
    }
    let mut span = 0u32;
    let pot = w.iter().all(|&v| {
        let r = (v as f64).abs() / max;
        if r == 0.0 {
            return true;
        }
        let d = -r.log2().round();
        span = span.max(d as u32);
        (0.0..=40.0).contains(&d) && 2f64.powi(-(d as i32)) == r
    });
    if pot {
        let zero = if w.contains(&0.0) {
            ZeroSpec::Code
        } else {
            ZeroSpec::None
        };
        for bits in 2..=6 {
            let spec = FormatSpec {
                kind: FormatKind::Pot,
                bits,
                zero,
            };
            let Ok(lq) = LayerQuant::new(spec, ClipRule::Max, 0.0) else {
                continue;
            };
            if lq.quantize(w).values == w {
                return Grid::Pot { spec, span };
            }
        }
    }
    for bits in 2..=8u32 {
        let m = ((1u32 << (bits - 1)) - 1) as f64;
        if w.iter().all(|&v| {
            let t = (v as f64) / max * m;
            (t - t.round()).abs() < 1e-4
        }) {
            return Grid::Uniform { bits };
        }
    }
    for bits in APOT_MIN_BITS..=APOT_MAX_BITS {
        let spec = FormatSpec {
            kind: FormatKind::Apot,
            bits,
            zero: ZeroSpec::Code,
        };
        if exact(spec, w, true).is_some() {
            let terms = Apot::new(bits).map_or(0, |a| a.terms().len());
            return Grid::Apot { spec, terms };
        }
    }
    Grid::Float
}

/// The layer quantizer of `spec` that reproduces every weight of `w`, if one does: the same
/// integers on one scale, bit for bit when a scale gives every weight back exactly (always on
/// a power-of-two grid; on other grids the scale is fitted to the weights' float rounding),
/// else within 1e-6 of max|W|. The full scale (`α·max|W|`) is tried at each level of the
/// format as the largest weight's, so weights on the format's grid at any step are found
/// (e.g. 4-bit integers in `uniform:8`).
pub fn exact_in(spec: FormatSpec, w: &[f32]) -> Option<LayerQuant> {
    exact(spec, w, false)
}

/// [`exact_in`]; with `bit_exact`, only a quantizer that gives every weight back bit for bit.
fn exact(spec: FormatSpec, w: &[f32], bit_exact: bool) -> Option<LayerQuant> {
    let max = max_abs(w);
    if max == 0.0 || !max.is_finite() {
        return None;
    }
    let mut lq = LayerQuant::new(spec, ClipRule::Max, 0.0).ok()?;
    let format = spec.format().ok()?;
    let top = format.max_level() as f64;
    let mut levels: Vec<i64> = format
        .table()
        .iter()
        .filter(|e| e.produced && e.value > 0)
        .map(|e| e.value)
        .collect();
    levels.sort_unstable();
    levels.dedup();
    for &m in levels.iter().rev() {
        // Cheap test first: every weight an integer number of steps max|W| / m.
        let on_grid = w.iter().all(|&v| {
            let t = (v as f64).abs() / max * m as f64;
            (t - t.round()).abs() <= 1e-6 * m as f64
        });
        if !on_grid {
            continue;
        }
        lq.alpha = top / m as f64;
        let q = lq.quantize(w);
        if q.values == w {
            return Some(lq);
        }
        if let Some(alpha) = fitted_alpha(w, max, m as f64, top) {
            let mut fit = lq.clone();
            fit.alpha = alpha;
            if fit.quantize(w).values == w {
                return Some(fit);
            }
        }
        // The same integers: values equal up to the float rounding of the scale.
        let close = |(a, b): (&f32, &f32)| ((a - b) as f64).abs() <= 1e-6 * max;
        if !bit_exact && q.values.iter().zip(w).all(close) {
            return Some(lq);
        }
    }
    None
}

/// The α whose scale `α·max/top` gives every weight back bit for bit, as its integer (the
/// nearest multiple of `max / m`) times the scale rounded to f32, if such a scale exists:
/// weights dequantized in f32 as `q·s` are `q·s` rounded, not exact multiples of `max / m`.
/// Each weight bounds the scale to the interval that rounds `q·s` to it; the middle of their
/// intersection is taken.
fn fitted_alpha(w: &[f32], max: f64, m: f64, top: f64) -> Option<f64> {
    let (mut lo, mut hi) = (0.0f64, f64::INFINITY);
    for &v in w {
        let a = v.abs();
        let q = (a as f64 / max * m).round();
        if a == 0.0 || q == 0.0 {
            continue;
        }
        let (down, up) = (
            f32::from_bits(a.to_bits() - 1),
            f32::from_bits(a.to_bits() + 1),
        );
        lo = lo.max((a as f64 + down as f64) / 2.0 / q);
        hi = hi.min((a as f64 + up as f64) / 2.0 / q);
    }
    (lo < hi && hi.is_finite()).then(|| (lo + hi) / 2.0 * top / max)
}

#[cfg(test)]
mod tests;
