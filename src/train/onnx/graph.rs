//! An ONNX graph as a chain of potmac layers.
//!
//! The nodes are read in order (ONNX stores them topologically sorted). One value is the
//! running activation; every other input is a constant (an initializer, a `Constant` node, or
//! an `Identity` of either). A `Conv`, `Gemm` or `MatMul` opens a layer; `Add` of a constant
//! adds to its bias, `BatchNormalization` scales its output channels and shifts its bias,
//! `Relu` and a 2×2 `MaxPool` close it as a hidden layer; `Flatten` and `Reshape` to
//! `[batch, features]` turn the image into a vector. The next linear node starts the next
//! layer, and the graph's output must be a layer with no `Relu` (the logits).
//! The layer-building operators are in `ops.rs`; quantizer nodes in [`super::quant`].

use super::proto::{AttributeProto, GraphProto, NodeProto};
use super::quant::{fold, is_quantizer};
use super::tensor::{decode, fold_shape_op, Const, SHAPE_OPS};
use crate::model::arch::LayerDef;
use crate::train::QatError;
use std::collections::HashMap;
use std::path::Path;

/// The operators the importer reads (domain `""` / `ai.onnx`).
pub const SUPPORTED: &str = "Conv, Gemm, MatMul, Add (a bias), BatchNormalization, Relu, \
    MaxPool (2x2, stride 2), Flatten, Reshape (to [batch, features]), Identity, Constant, \
    Shape, Gather, Unsqueeze, Squeeze, Concat, Cast (shape arithmetic for a Reshape), \
    QuantizeLinear, Clip, DequantizeLinear, QONNX Quant and IntQuant";

/// The running activation: an image `C×H×W` or a vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flow {
    Image(usize, usize, usize),
    Flat(usize),
}

/// A layer read from the graph: `z = g ⊙ (W·x + b)`, then ReLU and pooling if hidden.
#[derive(Debug, Clone)]
pub struct GraphLayer {
    pub def: LayerDef,
    pub relu: bool,
    /// `[out][fan_in]`, im2col order for a convolution.
    pub w: Vec<f64>,
    pub b: Vec<f64>,
    /// Per-output-channel scale (from BatchNormalization), if any.
    pub g: Option<Vec<f64>>,
    /// The nodes it came from, e.g. "`conv1` (Conv)".
    pub nodes: Vec<String>,
    /// The quantizer node its weights came from, if any.
    pub w_from: Option<String>,
}

/// The layers of a graph, the input image they read and the constants they used.
#[derive(Debug, Clone)]
pub struct GraphNet {
    pub input: (usize, usize, usize),
    pub layers: Vec<GraphLayer>,
    /// Name and dimensions of every constant a layer used, in graph order.
    pub tensors: Vec<(String, Vec<usize>)>,
    /// What was read otherwise than literally (activation quantizers read as identity).
    pub notes: Vec<String>,
    /// The nodes of an input normalization the graph does itself (folded into layer 0).
    pub normalization: Option<String>,
}

pub(super) struct Walk<'a> {
    pub(super) path: &'a Path,
    pub(super) consts: HashMap<String, Const>,
    pub(super) used: Vec<(String, Vec<usize>)>,
    pub(super) cur: String,
    pub(super) flow: Flow,
    pub(super) done: Vec<GraphLayer>,
    pub(super) open: Option<GraphLayer>,
    /// Constant → the quantizer node that produced it.
    pub(super) quant: HashMap<String, String>,
    pub(super) notes: Vec<String>,
    /// The running activation is between a QuantizeLinear and its DequantizeLinear.
    pub(super) in_qdq: bool,
    /// `x' = a·x + c` of the input, done by `Sub`, `Div`, `Mul`, `Add` nodes before any
    /// layer, and those nodes.
    affine: (f64, f64),
    affine_nodes: Vec<String>,
}

/// "`conv1` (Conv)", or "node 3 (Conv)" for an unnamed node.
pub fn node_label(n: &NodeProto, i: usize) -> String {
    if n.name.is_empty() {
        format!("node {i} ({})", n.op_type)
    } else {
        format!("`{}` ({})", n.name, n.op_type)
    }
}

pub(super) fn attr<'n>(n: &'n NodeProto, name: &str) -> Option<&'n AttributeProto> {
    n.attribute.iter().find(|a| a.name == name)
}
pub(super) fn ints(n: &NodeProto, name: &str) -> Option<Vec<i64>> {
    attr(n, name).map(|a| a.ints.clone())
}
pub(super) fn int(n: &NodeProto, name: &str, default: i64) -> i64 {
    attr(n, name).map_or(default, |a| a.i)
}
pub(super) fn float(n: &NodeProto, name: &str, default: f32) -> f64 {
    attr(n, name).map_or(default, |a| a.f) as f64
}

/// Read the graph of `path` on images of `shape` (the data set's).
pub fn walk(
    g: &GraphProto,
    path: &Path,
    shape: (usize, usize, usize),
) -> Result<GraphNet, QatError> {
    let err = |m: String| QatError::Import(format!("{}: {m}", path.display()));
    let mut consts = HashMap::new();
    for t in &g.initializer {
        let c = decode(t, &format!("initializer `{}`", t.name), path)?;
        consts.insert(t.name.clone(), c);
    }
    let inputs: Vec<_> = g
        .input
        .iter()
        .filter(|v| !consts.contains_key(&v.name))
        .collect();
    let [input] = inputs[..] else {
        return Err(err(format!(
            "the graph has {} inputs besides its initializers; potmac imports a graph with one (the image)",
            inputs.len()
        )));
    };
    let dims: Vec<i64> = input
        .r#type
        .as_ref()
        .and_then(|t| t.tensor_type.as_ref())
        .and_then(|t| t.shape.as_ref())
        .map(|s| s.dim.iter().map(|d| d.dim_value).collect())
        .unwrap_or_default();
    let (c, h, w) = shape;
    let flow = match dims.get(1..) {
        Some([a, b, d]) if [*a, *b, *d] == [c as i64, h as i64, w as i64] => Flow::Image(c, h, w),
        Some([f]) if *f == (c * h * w) as i64 => Flow::Flat(c * h * w),
        _ => {
            return Err(err(format!(
                "graph input `{}` has shape {dims:?}; the data set's images need [batch, {c}, {h}, {w}] or [batch, {}]",
                input.name,
                c * h * w
            )))
        }
    };
    let mut wk = Walk {
        path,
        consts,
        used: Vec::new(),
        cur: input.name.clone(),
        flow,
        done: Vec::new(),
        open: None,
        quant: HashMap::new(),
        notes: Vec::new(),
        in_qdq: false,
        affine: (1.0, 0.0),
        affine_nodes: Vec::new(),
    };
    for (i, n) in g.node.iter().enumerate() {
        let label = node_label(n, i);
        wk.node(n, &label)
            .map_err(|m| err(format!("node {label}: {m}")))?;
    }
    let outs: Vec<&str> = g.output.iter().map(|o| o.name.as_str()).collect();
    if outs != [wk.cur.as_str()] {
        return Err(err(format!(
            "the graph's outputs {outs:?} are not the last layer's output `{}`",
            wk.cur
        )));
    }
    let last = wk
        .open
        .take()
        .ok_or_else(|| err("the graph has no Conv, Gemm or MatMul".into()))?;
    if last.relu || last.def.pool {
        return Err(err(format!(
            "the last layer ({}) ends in Relu or MaxPool; its outputs must be the logits",
            last.nodes.join(", ")
        )));
    }
    if last.g.is_some() {
        return Err(err(format!(
            "BatchNormalization after the last layer ({}) scales each logit differently; the integer model's logits share one scale, so this cannot be represented",
            last.nodes.join(", ")
        )));
    }
    wk.done.push(last);
    let normalization = wk.fold_input_affine().map_err(err)?;
    Ok(GraphNet {
        input: shape,
        layers: wk.done,
        tensors: wk.used,
        notes: wk.notes,
        normalization,
    })
}

impl Walk<'_> {
    /// The constant input `k` of `n`.
    pub(super) fn konst(&mut self, n: &NodeProto, k: usize) -> Result<Const, String> {
        let name = n
            .input
            .get(k)
            .filter(|s| !s.is_empty())
            .ok_or(format!("input {k} is missing"))?;
        let c = self.consts.get(name).cloned().ok_or_else(|| {
            format!("input `{name}` is not a constant (potmac imports one chain of layers with constant weights)")
        })?;
        if !self.used.iter().any(|(u, _)| u == name) {
            self.used.push((name.clone(), c.dims.clone()));
        }
        Ok(c)
    }

    pub(super) fn open(&mut self, what: &str) -> Result<&mut GraphLayer, String> {
        self.open
            .as_mut()
            .ok_or(format!("{what} before any Conv, Gemm or MatMul"))
    }

    /// Start a layer, closing the open one, which must end in Relu.
    pub(super) fn start(&mut self, layer: GraphLayer) -> Result<(), String> {
        if let Some(prev) = self.open.take() {
            if !prev.relu {
                return Err(format!(
                    "it reads the output of {} with no Relu between; potmac's hidden layers each end in ReLU",
                    prev.nodes.join(", ")
                ));
            }
            self.done.push(prev);
        }
        self.open = Some(layer);
        Ok(())
    }

    fn node(&mut self, n: &NodeProto, label: &str) -> Result<(), String> {
        if is_quantizer(n) {
            return self.quantizer(n, label);
        }
        if !(n.domain.is_empty() || n.domain == "ai.onnx") {
            return Err(format!(
                "operator domain `{}` is not supported; supported operators: {SUPPORTED}",
                n.domain
            ));
        }
        let out = n.output.first().cloned().unwrap_or_default();
        if n.op_type == "Constant" {
            let a = n.attribute.first().ok_or("a Constant with no value")?;
            let c = match (a.name.as_str(), &a.t) {
                ("value", Some(t)) => {
                    decode(t, &format!("constant `{out}`"), self.path).map_err(|e| e.to_string())?
                }
                ("value_float", _) => Const {
                    dims: vec![],
                    data: vec![a.f as f64],
                    elem: 1,
                },
                ("value_floats", _) => Const {
                    dims: vec![a.floats.len()],
                    data: a.floats.iter().map(|&v| v as f64).collect(),
                    elem: 1,
                },
                ("value_int", _) => Const {
                    dims: vec![],
                    data: vec![a.i as f64],
                    elem: 7,
                },
                ("value_ints", _) => Const {
                    dims: vec![a.ints.len()],
                    data: a.ints.iter().map(|&v| v as f64).collect(),
                    elem: 7,
                },
                (other, _) => return Err(format!("Constant attribute `{other}` is not read")),
            };
            self.consts.insert(out, c);
            return Ok(());
        }
        let x = n.input.first().map(String::as_str).unwrap_or("");
        if n.op_type == "Shape" && x == self.cur {
            // The batch dimension as 0, which a Reshape reads as "copy it".
            let data = match self.flow {
                Flow::Image(c, h, w) => vec![0.0, c as f64, h as f64, w as f64],
                Flow::Flat(f) => vec![0.0, f as f64],
            };
            let dims = vec![data.len()];
            self.consts.insert(
                out,
                Const {
                    dims,
                    data,
                    elem: 7,
                },
            );
            return Ok(());
        }
        if x != self.cur {
            if n.op_type == "Identity" && self.consts.contains_key(x) {
                let c = self.consts[x].clone();
                self.consts.insert(out, c);
                return Ok(());
            }
            if SHAPE_OPS.contains(&n.op_type.as_str()) {
                let mut ins = Vec::new();
                for name in &n.input {
                    ins.push(self.consts.get(name).cloned().ok_or_else(|| {
                        format!("input `{name}` of shape arithmetic is not a constant")
                    })?);
                }
                let c = fold_shape_op(n, &ins)?;
                self.consts.insert(out, c);
                return Ok(());
            }
            return Err(format!(
                "its first input `{x}` is not the running activation `{}` (potmac imports one chain of layers, no branches)",
                self.cur
            ));
        }
        match n.op_type.as_str() {
            "Identity" => {}
            "Conv" => self.conv(n, label)?,
            "Gemm" | "MatMul" => self.dense(n, label)?,
            "Sub" | "Div" | "Mul" | "Add" if self.open.is_none() => self.input_affine(n, label)?,
            "Add" => self.add(n, label)?,
            "BatchNormalization" => self.batch_norm(n, label)?,
            "Relu" => {
                let l = self.open("Relu")?;
                if l.relu {
                    return Err("a second Relu on the same layer".into());
                }
                l.relu = true;
                l.nodes.push(label.to_string());
            }
            "MaxPool" => self.max_pool(n, label)?,
            "Flatten" | "Reshape" => self.flatten(n)?,
            other => {
                return Err(format!(
                    "operator {other} is not supported; supported operators: {SUPPORTED}"
                ))
            }
        }
        self.cur = out;
        Ok(())
    }

    /// `Sub`, `Div`, `Mul` or `Add` of one constant value on the input, before any layer: an
    /// input normalization, folded into the first layer at the end.
    fn input_affine(&mut self, n: &NodeProto, label: &str) -> Result<(), String> {
        let c = self.konst(n, 1)?;
        let [v] = c.data[..] else {
            return Err(format!(
                "a constant of shape {:?} on the input; potmac folds one value (a per-tensor \
                 normalization) into the first layer",
                c.dims
            ));
        };
        let (a, b) = &mut self.affine;
        match n.op_type.as_str() {
            "Sub" => *b -= v,
            "Add" => *b += v,
            "Mul" => (*a, *b) = (*a * v, *b * v),
            _ if v == 0.0 => return Err("division by zero".into()),
            _ => (*a, *b) = (*a / v, *b / v),
        }
        self.affine_nodes.push(label.to_string());
        Ok(())
    }

    /// Fold the input's `x' = a·x + c` into the first layer: `W' = a·W`, `b' = b + c·ΣW`
    /// (exact unless a padded convolution reads padding, refused when `c ≠ 0`).
    fn fold_input_affine(&mut self) -> Result<Option<String>, String> {
        if self.affine_nodes.is_empty() {
            return Ok(None);
        }
        let nodes = self.affine_nodes.join(", ");
        let (a, c) = self.affine;
        let first = &mut self.done[0];
        if let Some(s) = first.def.conv().filter(|s| s.pad > 0 && c != 0.0) {
            return Err(format!(
                "the input normalization {nodes} shifts the pixels by {c}, and the first \
                 convolution ({}) pads with 0 (a normalized 0, not a pixel 0); potmac pads \
                 pixels, so padding {} cannot be reproduced",
                first.nodes.join(", "),
                s.pad
            ));
        }
        let fan_in = first.def.fan_in();
        for (row, bias) in first.w.chunks_exact_mut(fan_in).zip(first.b.iter_mut()) {
            *bias += c * row.iter().sum::<f64>();
            row.iter_mut().for_each(|w| *w *= a);
        }
        self.notes.push(format!(
            "input normalization {nodes} (x' = {a}·x + {c}) folded into layer 0"
        ));
        Ok(Some(nodes))
    }

    /// A quantizer: on constants (weights), folded into the dequantized constant; on the
    /// running activation, read as identity (potmac quantizes activations itself).
    fn quantizer(&mut self, n: &NodeProto, label: &str) -> Result<(), String> {
        let out = n.output.first().cloned().unwrap_or_default();
        let x = n.input.first().map(String::as_str).unwrap_or("");
        if x == self.cur {
            let ok = match n.op_type.as_str() {
                "QuantizeLinear" => !std::mem::replace(&mut self.in_qdq, true),
                "DequantizeLinear" => std::mem::replace(&mut self.in_qdq, false),
                "Clip" => self.in_qdq,
                _ => !self.in_qdq,
            };
            if !ok {
                return Err(format!(
                    "{} of the activation is read only as part of QuantizeLinear, Clip, \
                     DequantizeLinear; supported operators: {SUPPORTED}",
                    n.op_type
                ));
            }
            self.notes.push(format!(
                "activation quantizer {label} read as identity (potmac quantizes activations \
                 to --act-bits with its own calibration)"
            ));
            self.cur = out;
            return Ok(());
        }
        let mut ins = Vec::new();
        for name in &n.input {
            ins.push(match name.as_str() {
                "" => None,
                _ => Some(self.consts.get(name).cloned().ok_or_else(|| {
                    format!("input `{name}` is neither the running activation nor a constant")
                })?),
            });
        }
        let c = fold(n, &ins)?;
        self.consts.insert(out.clone(), c);
        self.quant.insert(out, label.to_string());
        Ok(())
    }
}
