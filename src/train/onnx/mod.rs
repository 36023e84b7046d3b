//! `potmac import model.onnx`: an ONNX graph as a [`Network`].
//!
//! [`proto`] declares the subset of ONNX's protobuf messages that is read (with `prost`'s
//! derive: no build script, no `protoc`), [`tensor`] decodes initializers and constants
//! (inline or in an external data file), and [`graph`] walks the nodes into a chain of layers
//! (see there for the operators). The architecture comes from the graph, so no `--arch` is
//! needed. A `BatchNormalization` is folded exactly into a per-output-channel scale and the
//! bias ([`Network::channel_scales`]), never into the weights, so weights on a power-of-two
//! grid stay on it; a negative channel scale is folded into the sign of that channel's
//! weights and bias, which every symmetric format represents.

pub mod graph;
pub mod grid;
mod ops;
pub mod proto;
pub mod quant;
pub mod tensor;

use super::import::read_file;
use super::model::Network;
use super::report::SourceFile;
use super::QatError;
use crate::model::arch::Arch;
use crate::quant::spec::FormatSpec;
use grid::Grid;
use prost::Message;
use std::path::Path;

/// An imported ONNX model.
#[derive(Debug, Clone)]
pub struct OnnxImport {
    pub net: Network,
    /// The constants the layers used: name and dimensions.
    pub tensors: Vec<(String, Vec<usize>)>,
    pub source: SourceFile,
    /// One line per layer (its shape, nodes and weight grid), then any notes.
    pub layers: Vec<String>,
    /// Per layer, the smallest power-of-two or APoT format its weights were found on
    /// ([`grid::detect`]): imported exactly, in the requested format when that holds them,
    /// else in this one.
    pub formats: Vec<Option<FormatSpec>>,
    /// The nodes of the input normalization the graph does itself, if any.
    pub normalization: Option<String>,
}

/// Whether `path` names an ONNX file (by its extension).
pub fn is_onnx(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "onnx")
}

/// Read the ONNX model `path` and build its network on images of `shape` with `classes`
/// classes (the data set's). Every error names the file and the node or tensor.
pub fn import(
    path: &Path,
    shape: (usize, usize, usize),
    classes: usize,
) -> Result<OnnxImport, QatError> {
    let (bytes, source) = read_file(path)?;
    let err = |m: String| QatError::Import(format!("{}: {m}", path.display()));
    let model = proto::ModelProto::decode(&bytes[..])
        .map_err(|e| err(format!("not a valid ONNX (protobuf) file: {e}")))?;
    let g = model
        .graph
        .as_ref()
        .ok_or_else(|| err("not an ONNX model: it has no graph".into()))?;
    let gn = graph::walk(g, path, shape)?;
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let arch = Arch {
        input: shape,
        classes,
        layers: gn.layers.iter().map(|l| l.def).collect(),
    };
    arch.validate().map_err(|e| {
        err(format!(
            "the graph's layers do not fit the data set ({classes} classes): {e}"
        ))
    })?;
    let mut net = Network::new(arch, 0)?;
    let any_scale = gn.layers.iter().any(|l| l.g.is_some());
    let mut lines = Vec::new();
    let mut formats = Vec::new();
    for (l, gl) in gn.layers.into_iter().enumerate() {
        let (mut w, mut b, mut g) = (gl.w, gl.b, gl.g);
        if let Some(g) = g.as_mut() {
            // A negative channel scale goes into the sign of the channel's weights and bias.
            let fan_in = w.len() / b.len();
            for (ch, gc) in g.iter_mut().enumerate() {
                if *gc < 0.0 {
                    *gc = -*gc;
                    b[ch] = -b[ch];
                    w[ch * fan_in..(ch + 1) * fan_in]
                        .iter_mut()
                        .for_each(|v| *v = -*v);
                }
            }
        }
        let to32 = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        net.weights[l] = to32(&w);
        net.biases[l] = to32(&b);
        if any_scale {
            net.channel_scales
                .push(g.as_deref().map(to32).unwrap_or_default());
        }
        let nodes = gl.nodes.join(", ");
        net.origins.push(format!("{nodes} in {file}"));
        let shape = match gl.def.kind {
            crate::model::arch::LayerKind::Dense { inputs, outputs } => {
                format!("dense {inputs}->{outputs}")
            }
            crate::model::arch::LayerKind::Conv(s) => format!(
                "conv {}x{} stride {} pad {} {}->{}{}",
                s.k,
                s.k,
                s.stride,
                s.pad,
                s.in_c,
                s.out_c,
                if gl.def.pool { " + 2x2 max-pool" } else { "" }
            ),
        };
        let bn = if g.is_some() {
            ", BatchNorm folded into per-channel scales"
        } else {
            ""
        };
        let from = gl
            .w_from
            .as_ref()
            .map_or(String::new(), |q| format!(" (from {q})"));
        let grid = grid::detect(&net.weights[l]);
        formats.push(match grid {
            Grid::Pot { spec, .. } | Grid::Apot { spec, .. } => Some(spec),
            _ => None,
        });
        let grid = match grid {
            Grid::Pot { spec, span } => format!(
                "; weights{from} are 0 or ±2^k on one scale ({span} octaves), exact in {} or wider",
                spec.label()
            ),
            Grid::Apot { spec, terms } => format!(
                "; weights{from} are 0 or ±sums of up to {terms} powers of two on one scale: \
                 APoT grid detected ({0}), exact in {0}",
                spec.label()
            ),
            Grid::Uniform { bits } => {
                format!("; weights{from} are {bits}-bit integers on one scale, not power-of-two")
            }
            Grid::Float if gl.w_from.is_some() => format!("; weights{from} on no common grid"),
            Grid::Float => String::new(),
        };
        lines.push(format!("layer {l}: {shape} from {nodes}{bn}{grid}"));
        for v in net.weights[l].iter().chain(&net.biases[l]) {
            if !v.is_finite() {
                return Err(err(format!(
                    "layer {l} ({nodes}) holds a non-finite weight or bias"
                )));
            }
        }
    }
    lines.extend(gn.notes.iter().cloned());
    Ok(OnnxImport {
        net,
        tensors: gn.tensors,
        source,
        layers: lines,
        formats,
        normalization: gn.normalization,
    })
}
