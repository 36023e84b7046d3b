//! ONNX tensors as numbers: the element types the importer reads (float, double, the
//! integer types) from `raw_data` (little-endian), the typed fields, or an external data file
//! (`data_location` EXTERNAL, with `location`, `offset` and `length` entries; the location
//! is relative to the model file's folder and may not leave it).

use super::proto::{NodeProto, TensorProto};
use crate::train::QatError;
use std::path::{Component, Path};

/// A constant tensor: its dimensions and its values (every element type the importer reads
/// is exact in f64: float32, float64, and integers below 2^53).
#[derive(Debug, Clone, PartialEq)]
pub struct Const {
    pub dims: Vec<usize>,
    pub data: Vec<f64>,
    /// ONNX `DataType` of the elements (1 float, 3 int8, 7 int64, ...).
    pub elem: i32,
}

impl Const {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }
    /// Whether the tensor has no element.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// ONNX `DataType` codes and their byte widths, as far as the importer reads them.
fn elem(data_type: i32) -> Option<(&'static str, usize)> {
    Some(match data_type {
        1 => ("float", 4),
        2 => ("uint8", 1),
        3 => ("int8", 1),
        4 => ("uint16", 2),
        5 => ("int16", 2),
        6 => ("int32", 4),
        7 => ("int64", 8),
        11 => ("double", 8),
        12 => ("uint32", 4),
        _ => return None,
    })
}

/// Little-endian element `b` of type `data_type` (already checked by [`elem`]).
fn from_le(data_type: i32, b: &[u8]) -> f64 {
    match data_type {
        1 => f32::from_le_bytes(b.try_into().expect("4 bytes")) as f64,
        2 => b[0] as f64,
        3 => b[0] as i8 as f64,
        4 => u16::from_le_bytes(b.try_into().expect("2 bytes")) as f64,
        5 => i16::from_le_bytes(b.try_into().expect("2 bytes")) as f64,
        6 => i32::from_le_bytes(b.try_into().expect("4 bytes")) as f64,
        7 => i64::from_le_bytes(b.try_into().expect("8 bytes")) as f64,
        11 => f64::from_le_bytes(b.try_into().expect("8 bytes")),
        12 => u32::from_le_bytes(b.try_into().expect("4 bytes")) as f64,
        _ => unreachable!("element type checked"),
    }
}

/// The values of `t` (named `what` in errors), read from `model`'s folder when external.
pub fn decode(t: &TensorProto, what: &str, model: &Path) -> Result<Const, QatError> {
    let bad = |why: String| QatError::Import(format!("{}: {what}: {why}", model.display()));
    let mut dims = Vec::with_capacity(t.dims.len());
    for &d in &t.dims {
        if !(0..=1 << 28).contains(&d) {
            return Err(bad(format!("dimension {d} is out of range")));
        }
        dims.push(d as usize);
    }
    let n = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d).filter(|&v| v <= 1 << 28))
        .ok_or_else(|| bad(format!("shape {dims:?} is too large")))?;
    let (ty, width) = elem(t.data_type).ok_or_else(|| {
        bad(format!(
            "element type {} is not read (float, double or an integer type)",
            t.data_type
        ))
    })?;
    let raw: Option<Vec<u8>> = if t.data_location == 1 {
        Some(external(t, n * width, model).map_err(bad)?)
    } else if !t.raw_data.is_empty() || n == 0 {
        Some(t.raw_data.clone())
    } else {
        None
    };
    let data: Vec<f64> = match raw {
        Some(raw) => {
            if raw.len() != n * width {
                return Err(bad(format!(
                    "holds {} bytes of data, its shape {dims:?} of {ty} needs {}",
                    raw.len(),
                    n * width
                )));
            }
            raw.chunks_exact(width)
                .map(|b| from_le(t.data_type, b))
                .collect()
        }
        None => match t.data_type {
            1 => t.float_data.iter().map(|&v| v as f64).collect(),
            11 => t.double_data.clone(),
            7 => t.int64_data.iter().map(|&v| v as f64).collect(),
            2..=6 => t.int32_data.iter().map(|&v| v as f64).collect(),
            _ => Vec::new(),
        },
    };
    if data.len() != n {
        return Err(bad(format!(
            "holds {} values, its shape {dims:?} needs {n}",
            data.len()
        )));
    }
    Ok(Const {
        dims,
        data,
        elem: t.data_type,
    })
}

/// The `bytes` bytes of an external tensor.
fn external(t: &TensorProto, bytes: usize, model: &Path) -> Result<Vec<u8>, String> {
    let entry = |key: &str| {
        t.external_data
            .iter()
            .find(|e| e.key == key)
            .map(|e| e.value.as_str())
    };
    let location = entry("location").ok_or("external data without a `location` entry")?;
    let rel = Path::new(location);
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!(
            "external data location `{location}` must be a path inside the model's folder"
        ));
    }
    let number = |key: &str| -> Result<Option<usize>, String> {
        entry(key)
            .map(|v| {
                v.parse::<usize>()
                    .map_err(|_| format!("external data `{key}` `{v}` is not a number"))
            })
            .transpose()
    };
    let offset = number("offset")?.unwrap_or(0);
    let length = number("length")?.unwrap_or(bytes);
    if length != bytes {
        return Err(format!(
            "external data length {length} is not the {bytes} bytes the tensor's shape needs"
        ));
    }
    let path = model.parent().unwrap_or(Path::new(".")).join(rel);
    let all = crate::fsread::read(&path, crate::fsread::WEIGHTS)
        .map_err(|e| format!("external data file {}: {e}", path.display()))?;
    all.get(offset..offset.saturating_add(length))
        .map(<[u8]>::to_vec)
        .ok_or_else(|| {
            format!(
                "external data file {} holds {} bytes, the tensor needs bytes {offset}..{}",
                path.display(),
                all.len(),
                offset + length
            )
        })
}

/// Operators folded on constants as 1-D shape arithmetic (the `Shape` → `Gather` →
/// `Unsqueeze` → `Concat` → `Reshape` chain of `x.view(x.size(0), -1)`).
pub const SHAPE_OPS: &[&str] = &["Gather", "Unsqueeze", "Squeeze", "Concat", "Cast"];

/// The constant output of shape operator `n` ([`SHAPE_OPS`]) on the constants `ins`, as a 1-D
/// tensor (a scalar stays a scalar under `Gather`).
pub fn fold_shape_op(n: &NodeProto, ins: &[Const]) -> Result<Const, String> {
    let axis = n
        .attribute
        .iter()
        .find(|a| a.name == "axis")
        .map_or(0, |a| a.i);
    let x = ins.first().ok_or("no input")?;
    let flat = |data: Vec<f64>, elem: i32| Const {
        dims: vec![data.len()],
        data,
        elem,
    };
    match n.op_type.as_str() {
        "Gather" => {
            let idx = ins.get(1).ok_or("Gather without indices")?;
            if axis != 0 || x.dims.len() > 1 {
                return Err("Gather is read on 1-D constants along axis 0 only".into());
            }
            let data = idx
                .data
                .iter()
                .map(|&i| {
                    let i = if i < 0.0 { i + x.len() as f64 } else { i };
                    x.data
                        .get(i as usize)
                        .copied()
                        .ok_or(format!("index {i} out of range"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Const {
                dims: idx.dims.clone(),
                data,
                elem: x.elem,
            })
        }
        "Concat" => {
            if axis != 0 || ins.iter().any(|c| c.dims.len() > 1) {
                return Err("Concat is read on 1-D constants along axis 0 only".into());
            }
            Ok(flat(
                ins.iter().flat_map(|c| c.data.clone()).collect(),
                x.elem,
            ))
        }
        "Cast" => {
            let to = n
                .attribute
                .iter()
                .find(|a| a.name == "to")
                .map_or(1, |a| a.i as i32);
            Ok(Const {
                elem: to,
                ..x.clone()
            })
        }
        _ => Ok(flat(x.data.clone(), x.elem)),
    }
}
