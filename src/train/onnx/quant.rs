//! Quantizer nodes: weight quantizers evaluated as constants, and what a layer's weights are.
//!
//! QCDQ (`QuantizeLinear`, `Clip`, `DequantizeLinear` of the default domain) and QONNX
//! (`Quant`, and its newer name `IntQuant`, in the domain `qonnx.custom_op.general` or the
//! older `finn.custom_op.general` and `onnx.brevitas`) applied to constants are folded into
//! the dequantized weights they give. [`detect`] then reads the grid from the values alone:
//! no ONNX or QONNX quantizer is per-element power-of-two, so a layer is power-of-two when
//! every weight is 0 or ±2^k times one scale.

use super::proto::NodeProto;
use super::tensor::Const;
use crate::quant::spec::{FormatKind, FormatSpec, ZeroSpec};
use crate::train::model::LayerQuant;
use crate::train::quantizer::ClipRule;

/// The domains of QONNX's `Quant` / `IntQuant`, newest first.
pub const QONNX_DOMAINS: &[&str] = &[
    "qonnx.custom_op.general",
    "finn.custom_op.general",
    "onnx.brevitas",
];

/// Whether `n` is a quantizer node the importer reads.
pub fn is_quantizer(n: &NodeProto) -> bool {
    match n.op_type.as_str() {
        "Quant" | "IntQuant" => QONNX_DOMAINS.contains(&n.domain.as_str()),
        "QuantizeLinear" | "DequantizeLinear" | "Clip" => {
            n.domain.is_empty() || n.domain == "ai.onnx"
        }
        _ => false,
    }
}

fn attr_i(n: &NodeProto, name: &str, default: i64) -> i64 {
    n.attribute
        .iter()
        .find(|a| a.name == name)
        .map_or(default, |a| a.i)
}

/// `p` broadcast to the shape `dims`: a scalar, a 1-D tensor along `axis` (QCDQ), or numpy
/// broadcasting (QONNX).
fn spread(p: &Const, dims: &[usize], axis: Option<i64>, what: &str) -> Result<Vec<f64>, String> {
    let n: usize = dims.iter().product();
    if p.len() == 1 {
        return Ok(vec![p.data[0]; n]);
    }
    let mut pd = vec![1usize; dims.len()];
    match axis {
        Some(a) if p.dims.len() == 1 => {
            let a = if a < 0 { a + dims.len() as i64 } else { a };
            if !(0..dims.len() as i64).contains(&a) || dims[a as usize] != p.len() {
                return Err(format!(
                    "{what} of {} values along axis {a} of {dims:?}",
                    p.len()
                ));
            }
            pd[a as usize] = p.len();
        }
        _ => {
            if p.dims.len() > dims.len() {
                return Err(format!("{what} of shape {:?} for {dims:?}", p.dims));
            }
            pd[dims.len() - p.dims.len()..].copy_from_slice(&p.dims);
        }
    }
    if pd.iter().zip(dims).any(|(&a, &b)| a != 1 && a != b) {
        return Err(format!(
            "{what} of shape {:?} does not broadcast to {dims:?}",
            p.dims
        ));
    }
    Ok((0..n)
        .map(|i| {
            // Unravel i over dims, ravel over pd (size-1 axes stay at 0).
            let (mut rest, mut at, mut stride) = (i, 0, 1);
            for (&d, &q) in dims.iter().zip(&pd).rev() {
                if q != 1 {
                    at += (rest % d) * stride;
                    stride *= q;
                }
                rest /= d;
            }
            p.data[at]
        })
        .collect())
}

/// The range of an ONNX integer element type.
fn int_range(elem: i32) -> Result<(f64, f64), String> {
    Ok(match elem {
        2 => (0.0, 255.0),
        3 => (-128.0, 127.0),
        4 => (0.0, 65535.0),
        5 => (-32768.0, 32767.0),
        6 => (i32::MIN as f64, i32::MAX as f64),
        e => {
            return Err(format!(
                "zero point of element type {e} (an integer type is needed)"
            ))
        }
    })
}

fn round(x: f64, mode: &str) -> Result<f64, String> {
    Ok(match mode {
        "ROUND" => x.round_ties_even(),
        "HALF_UP" => (x + 0.5).floor(),
        "FLOOR" => x.floor(),
        "CEIL" => x.ceil(),
        "ROUND_TO_ZERO" => x.trunc(),
        m => return Err(format!("rounding_mode {m} is not read")),
    })
}

/// The constant output of quantizer `n` on the constant inputs `ins` (`None`: absent).
pub fn fold(n: &NodeProto, ins: &[Option<Const>]) -> Result<Const, String> {
    let x = ins.first().cloned().flatten().ok_or("input 0 is missing")?;
    let get = |k: usize| ins.get(k).cloned().flatten();
    let axis = Some(attr_i(n, "axis", 1));
    let float = |data: Vec<f64>| Const {
        dims: x.dims.clone(),
        data,
        elem: 1,
    };
    match n.op_type.as_str() {
        "QuantizeLinear" => {
            let s = spread(&get(1).ok_or("no scale")?, &x.dims, axis, "scale")?;
            let zp = get(2);
            let elem = zp.as_ref().map_or(2, |z| z.elem);
            let (lo, hi) = int_range(elem)?;
            let z = match &zp {
                Some(z) => spread(z, &x.dims, axis, "zero point")?,
                None => vec![0.0; x.len()],
            };
            let data = x.data.iter().zip(s.iter().zip(&z));
            let data = data.map(|(v, (s, z))| ((v / s).round_ties_even() + z).clamp(lo, hi));
            Ok(Const {
                dims: x.dims.clone(),
                data: data.collect(),
                elem,
            })
        }
        "DequantizeLinear" => {
            let s = spread(&get(1).ok_or("no scale")?, &x.dims, axis, "scale")?;
            let z = match get(2) {
                Some(z) => spread(&z, &x.dims, axis, "zero point")?,
                None => vec![0.0; x.len()],
            };
            let data = x.data.iter().zip(s.iter().zip(&z));
            Ok(float(data.map(|(v, (s, z))| (v - z) * s).collect()))
        }
        "Clip" => {
            let bound = |k: usize, attr: &str, d: f64| match get(k) {
                Some(c) => c
                    .data
                    .first()
                    .copied()
                    .ok_or(format!("empty Clip bound {k}")),
                None => Ok(n
                    .attribute
                    .iter()
                    .find(|a| a.name == attr)
                    .map_or(d, |a| a.f as f64)),
            };
            let (lo, hi) = (bound(1, "min", f64::MIN)?, bound(2, "max", f64::MAX)?);
            let data = x.data.iter().map(|v| v.clamp(lo, hi)).collect();
            Ok(Const {
                dims: x.dims.clone(),
                data,
                elem: x.elem,
            })
        }
        _ => {
            // QONNX Quant / IntQuant: q = clamp(round(x / scale + zeropt)), y = (q − zeropt)·scale.
            let s = spread(&get(1).ok_or("no scale")?, &x.dims, None, "scale")?;
            let z = spread(&get(2).ok_or("no zero point")?, &x.dims, None, "zero point")?;
            let bits = get(3)
                .and_then(|b| b.data.first().copied())
                .ok_or("no bit width")?;
            if !(1.0..=32.0).contains(&bits) || bits.fract() != 0.0 {
                return Err(format!(
                    "bit width {bits} is not a whole number from 1 to 32"
                ));
            }
            let (signed, narrow) = (attr_i(n, "signed", 1) != 0, attr_i(n, "narrow", 0) != 0);
            let (lo, hi) = match signed {
                true => (
                    -(2f64.powf(bits - 1.0)) + narrow as u8 as f64,
                    2f64.powf(bits - 1.0) - 1.0,
                ),
                false => (0.0, 2f64.powf(bits) - 1.0 - narrow as u8 as f64),
            };
            let mode = n
                .attribute
                .iter()
                .find(|a| a.name == "rounding_mode")
                .map_or("ROUND".to_string(), |a| {
                    String::from_utf8_lossy(&a.s).into_owned()
                });
            let mut data = Vec::with_capacity(x.len());
            for (v, (s, z)) in x.data.iter().zip(s.iter().zip(&z)) {
                let q = round(v / s + z, &mode)?.clamp(lo, hi);
                data.push((q - z) * s);
            }
            Ok(float(data))
        }
    }
}

/// The grid a layer's weights lie on, read from their values.
#[derive(Debug, Clone, PartialEq)]
pub enum Grid {
    /// Every weight is 0 or ±2^k times one scale, with exponents spanning `span` octaves
    /// below the largest: imported exactly in `spec`.
    Pot { spec: FormatSpec, span: u32 },
    /// Every weight is an integer multiple of one scale, `max|W|` being `2^(bits−1) − 1` of
    /// them (not power-of-two).
    Uniform { bits: u32 },
    /// Neither.
    Float,
}

/// The grid of the weights `w` (see [`Grid`]). A power-of-two grid is claimed only when the
/// smallest format that spans it reproduces every weight exactly.
pub fn detect(w: &[f32]) -> Grid {
    let max = w.iter().fold(0.0f64, |m, &v| m.max((v as f64).abs()));
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
    Grid::Float
}

/// The layer quantizer of `spec` that reproduces every weight of `w`, if one does: the same
/// integers on one scale (bit for bit on a power-of-two grid; within 1e-6 of max|W|, the
/// float rounding of the scale, otherwise). The full scale (`α·max|W|`) is tried at each
/// level of the format as the largest weight's, so weights on the format's grid at any step
/// are found (e.g. 4-bit integers in `uniform:8`).
pub fn exact_in(spec: FormatSpec, w: &[f32]) -> Option<LayerQuant> {
    let max = w.iter().fold(0.0f64, |m, &v| m.max((v as f64).abs()));
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
        if on_grid {
            lq.alpha = top / m as f64;
            // The same integers: values equal up to the float rounding of the scale.
            let q = lq.quantize(w);
            if q.values
                .iter()
                .zip(w)
                .all(|(a, b)| ((a - b) as f64).abs() <= 1e-6 * max)
            {
                return Some(lq);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_by_hand() {
        let pot = detect(&[0.5, -0.125, 0.0, 0.25, -0.0625]);
        let spec = FormatSpec {
            kind: FormatKind::Pot,
            bits: 4,
            zero: ZeroSpec::Code,
        };
        assert_eq!(pot, Grid::Pot { spec, span: 3 });
        // No zero: pot:N:none, and 3 octaves need 3 bits (exponents 0..3).
        let Grid::Pot { spec, span } = detect(&[3.0, -1.5, 0.75, 0.375]) else {
            panic!("PoT")
        };
        assert_eq!((spec.label(), span), ("pot:3:none".into(), 3));
        assert_eq!(detect(&[0.7, -0.1234, 0.3141]), Grid::Float);
        // 4-bit narrow-range integers (max 7): uniform, not PoT.
        let w: Vec<f32> = [7.0f32, -3.0, 5.0, 0.0, -7.0, 1.0]
            .iter()
            .map(|v| v * 0.013)
            .collect();
        assert_eq!(detect(&w), Grid::Uniform { bits: 4 });
        assert_eq!(detect(&[0.0, 0.0]), Grid::Float);
        // Held exactly: the 4-bit integers by uniform:4 and uniform:8 (at another full scale),
        // not by pot:4; the PoT weights by pot:4, not by pot:3 (6 octaves need 7 exponents).
        let spec = |s: &str| FormatSpec::parse(s).unwrap();
        assert!(exact_in(spec("uniform:4"), &w).is_some());
        // The largest step count that fits: 126 = 18·7 of uniform:8's 127 levels.
        let lq = exact_in(spec("uniform:8"), &w).unwrap();
        assert_eq!(lq.alpha, 127.0 / 126.0);
        assert!(exact_in(spec("pot:4"), &w).is_none());
        let p = [1.0f32, -0.5, 0.0, 2f32.powi(-6)];
        assert!(exact_in(spec("pot:4"), &p).is_some());
        assert!(exact_in(spec("pot:3"), &p).is_none());
        assert!(exact_in(spec("uniform:8"), &[0.7, -0.1234, 0.3141]).is_none());
    }
}
