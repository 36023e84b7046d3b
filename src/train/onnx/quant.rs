//! Quantizer nodes: weight quantizers on constants, evaluated into the weights they give.
//!
//! QCDQ (`QuantizeLinear`, `Clip`, `DequantizeLinear` of the default domain) and QONNX
//! (`Quant`, and its newer name `IntQuant`, in the domain `qonnx.custom_op.general` or the
//! older `finn.custom_op.general` and `onnx.brevitas`) applied to constants are folded into
//! the dequantized weights they give; [`super::grid::detect`] then reads the layer's grid from
//! the values alone.

use super::proto::NodeProto;
use super::tensor::Const;

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
