//! An ONNX graph as a chain of potmac layers.
//!
//! The nodes are read in order (ONNX stores them topologically sorted). One value is the
//! running activation; every other input is a constant (an initializer, a `Constant` node, or
//! an `Identity` of either). A `Conv`, `Gemm` or `MatMul` opens a layer; `Add` of a constant
//! adds to its bias, `BatchNormalization` scales its output channels and shifts its bias,
//! `Relu` and a 2×2 `MaxPool` close it as a hidden layer; `Flatten` and `Reshape` to
//! `[batch, features]` turn the image into a vector. The next linear node starts the next
//! layer, and the graph's output must be a layer with no `Relu` (the logits).

use super::proto::{AttributeProto, GraphProto, NodeProto};
use super::quant::{fold, is_quantizer};
use super::tensor::{decode, Const};
use crate::model::arch::{ConvShape, LayerDef, LayerKind};
use crate::train::QatError;
use std::collections::HashMap;
use std::path::Path;

/// The operators the importer reads (domain `""` / `ai.onnx`).
pub const SUPPORTED: &str = "Conv, Gemm, MatMul, Add (a bias), BatchNormalization, Relu, \
    MaxPool (2x2, stride 2), Flatten, Reshape (to [batch, features]), Identity, Constant, \
    QuantizeLinear, Clip, DequantizeLinear, QONNX Quant and IntQuant";

/// The running activation: an image `C×H×W` or a vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
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
}

struct Walk<'a> {
    path: &'a Path,
    consts: HashMap<String, Const>,
    used: Vec<(String, Vec<usize>)>,
    cur: String,
    flow: Flow,
    done: Vec<GraphLayer>,
    open: Option<GraphLayer>,
    /// Constant → the quantizer node that produced it.
    quant: HashMap<String, String>,
    notes: Vec<String>,
    /// The running activation is between a QuantizeLinear and its DequantizeLinear.
    in_qdq: bool,
}

/// "`conv1` (Conv)", or "node 3 (Conv)" for an unnamed node.
pub fn node_label(n: &NodeProto, i: usize) -> String {
    if n.name.is_empty() {
        format!("node {i} ({})", n.op_type)
    } else {
        format!("`{}` ({})", n.name, n.op_type)
    }
}

fn attr<'n>(n: &'n NodeProto, name: &str) -> Option<&'n AttributeProto> {
    n.attribute.iter().find(|a| a.name == name)
}
fn ints(n: &NodeProto, name: &str) -> Option<Vec<i64>> {
    attr(n, name).map(|a| a.ints.clone())
}
fn int(n: &NodeProto, name: &str, default: i64) -> i64 {
    attr(n, name).map_or(default, |a| a.i)
}
fn float(n: &NodeProto, name: &str, default: f32) -> f64 {
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
    Ok(GraphNet {
        input: shape,
        layers: wk.done,
        tensors: wk.used,
        notes: wk.notes,
    })
}

impl Walk<'_> {
    /// The constant input `k` of `n`.
    fn konst(&mut self, n: &NodeProto, k: usize) -> Result<Const, String> {
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

    fn open(&mut self, what: &str) -> Result<&mut GraphLayer, String> {
        self.open
            .as_mut()
            .ok_or(format!("{what} before any Conv, Gemm or MatMul"))
    }

    /// Start a layer, closing the open one, which must end in Relu.
    fn start(&mut self, layer: GraphLayer) -> Result<(), String> {
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
        if x != self.cur {
            if n.op_type == "Identity" && self.consts.contains_key(x) {
                let c = self.consts[x].clone();
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

    fn conv(&mut self, n: &NodeProto, label: &str) -> Result<(), String> {
        let Flow::Image(c, h, w) = self.flow else {
            return Err("a convolution of a flattened vector".into());
        };
        let wt = self.konst(n, 1)?;
        let [o, wc, kh, kw] = wt.dims[..] else {
            return Err(format!(
                "weight of shape {:?}; a 2-D convolution needs [O, C, k, k]",
                wt.dims
            ));
        };
        if wc != c || kh != kw || ![1, 3, 5].contains(&kh) {
            return Err(format!(
                "weight of shape {:?} on a {c}-channel input: potmac supports square kernels of 1, 3 or 5 over all input channels",
                wt.dims
            ));
        }
        let k = kh;
        if let Some(ks) = ints(n, "kernel_shape") {
            if ks != [k as i64, k as i64] {
                return Err(format!(
                    "kernel_shape {ks:?} disagrees with the weight's {k}x{k}"
                ));
            }
        }
        if int(n, "group", 1) != 1 {
            return Err("grouped convolutions are not supported (group must be 1)".into());
        }
        if ints(n, "dilations").is_some_and(|d| d.iter().any(|&v| v != 1)) {
            return Err("dilated convolutions are not supported".into());
        }
        let strides = ints(n, "strides").unwrap_or(vec![1, 1]);
        let stride = match strides[..] {
            [1, 1] => 1,
            [2, 2] => 2,
            _ => {
                return Err(format!(
                    "strides {strides:?}: potmac supports [1, 1] and [2, 2]"
                ))
            }
        };
        let auto = attr(n, "auto_pad").map(|a| String::from_utf8_lossy(&a.s).into_owned());
        let pads = match auto.as_deref().unwrap_or("NOTSET") {
            "NOTSET" => ints(n, "pads").unwrap_or(vec![0; 4]),
            "VALID" => vec![0; 4],
            // SAME_*: total padding (⌈H/s⌉ − 1)·s + k − H, split evenly only for stride 1.
            "SAME_UPPER" | "SAME_LOWER" if stride == 1 => vec![(k / 2) as i64; 4],
            other => return Err(format!("auto_pad {other} with stride {stride} pads unevenly; potmac pads k/2 on every side or not at all")),
        };
        let pad = match pads[..] {
            [a, b, c2, d] if a == b && b == c2 && c2 == d && (a == 0 || a == (k / 2) as i64) => a as usize,
            _ => return Err(format!("pads {pads:?}: potmac pads a {k}x{k} kernel by {} on every side (\"same\") or not at all", k / 2)),
        };
        let s = ConvShape {
            in_c: c,
            in_h: h,
            in_w: w,
            out_c: o,
            k,
            pad,
            stride,
        };
        if let Some(why) = s.misfit() {
            return Err(why);
        }
        let b = match n.input.get(2).filter(|s| !s.is_empty()) {
            Some(_) => self.konst(n, 2)?.data,
            None => vec![0.0; o],
        };
        if b.len() != o {
            return Err(format!(
                "bias of {} values for {o} output channels",
                b.len()
            ));
        }
        self.flow = Flow::Image(o, s.out_h(), s.out_w());
        self.start(GraphLayer {
            def: LayerDef {
                kind: LayerKind::Conv(s),
                pool: false,
            },
            relu: false,
            w: wt.data,
            b,
            g: None,
            nodes: vec![label.to_string()],
            w_from: self.quant.get(&n.input[1]).cloned(),
        })
    }

    fn dense(&mut self, n: &NodeProto, label: &str) -> Result<(), String> {
        let Flow::Flat(inputs) = self.flow else {
            return Err(format!(
                "{} of an image; add a Flatten before it",
                n.op_type
            ));
        };
        let wt = self.konst(n, 1)?;
        let gemm = n.op_type == "Gemm";
        if gemm && int(n, "transA", 0) != 0 {
            return Err("transA = 1 is not supported".into());
        }
        let trans_b = gemm && int(n, "transB", 0) != 0;
        let [r, cc] = wt.dims[..] else {
            return Err(format!(
                "weight of shape {:?}; a dense layer needs a matrix",
                wt.dims
            ));
        };
        let (outputs, k) = if trans_b { (r, cc) } else { (cc, r) };
        if k != inputs {
            return Err(format!("weight of shape {:?} on {inputs} inputs", wt.dims));
        }
        let alpha = if gemm { float(n, "alpha", 1.0) } else { 1.0 };
        let mut w = vec![0.0; outputs * inputs];
        for o in 0..outputs {
            for i in 0..inputs {
                let v = if trans_b {
                    wt.data[o * inputs + i]
                } else {
                    wt.data[i * outputs + o]
                };
                w[o * inputs + i] = alpha * v;
            }
        }
        let mut b = vec![0.0; outputs];
        if gemm && n.input.get(2).is_some_and(|s| !s.is_empty()) {
            let beta = float(n, "beta", 1.0);
            let c = self.konst(n, 2)?;
            let per = broadcast(&c, outputs).ok_or(format!(
                "bias C of shape {:?} for {outputs} outputs",
                c.dims
            ))?;
            for (bo, v) in b.iter_mut().zip(per) {
                *bo = beta * v;
            }
        }
        self.flow = Flow::Flat(outputs);
        self.start(GraphLayer {
            def: LayerDef {
                kind: LayerKind::Dense { inputs, outputs },
                pool: false,
            },
            relu: false,
            w,
            b,
            g: None,
            nodes: vec![label.to_string()],
            w_from: self.quant.get(&n.input[1]).cloned(),
        })
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

    /// `Add` of a constant per output channel (or a scalar) to a layer's output: its bias.
    fn add(&mut self, n: &NodeProto, label: &str) -> Result<(), String> {
        let c = self.konst(n, 1)?;
        let l = self.open("Add")?;
        if l.relu || l.def.pool {
            return Err("an Add after Relu or MaxPool is not a bias".into());
        }
        let o = l.def.out_rows();
        let per = broadcast(&c, o).ok_or(format!(
            "constant of shape {:?} is not one value per output channel ({o})",
            c.dims
        ))?;
        for (ch, v) in per.into_iter().enumerate() {
            l.b[ch] += v / l.g.as_ref().map_or(1.0, |g| g[ch]);
        }
        l.nodes.push(label.to_string());
        Ok(())
    }

    fn batch_norm(&mut self, n: &NodeProto, label: &str) -> Result<(), String> {
        if int(n, "training_mode", 0) != 0 {
            return Err("training_mode = 1; export the model in eval mode".into());
        }
        let eps = float(n, "epsilon", 1e-5);
        let p: Vec<Const> = (1..5).map(|k| self.konst(n, k)).collect::<Result<_, _>>()?;
        let l = self.open("BatchNormalization")?;
        if l.relu || l.def.pool {
            return Err("BatchNormalization after Relu or MaxPool cannot be folded into the layer; potmac folds it when it directly follows the Conv or Gemm".into());
        }
        let o = l.def.out_rows();
        if p.iter().any(|c| c.len() != o) {
            return Err(format!(
                "its scale, B, mean and var must hold {o} values each (one per channel)"
            ));
        }
        let (gamma, beta, mean, var) = (&p[0].data, &p[1].data, &p[2].data, &p[3].data);
        let g = l.g.get_or_insert_with(|| vec![1.0; o]);
        for ch in 0..o {
            // z' = a·(z − mean) + beta with a = gamma/sqrt(var + eps) and z = g·(Wx + b).
            if var[ch] + eps <= 0.0 {
                return Err(format!(
                    "channel {ch} has var + epsilon = {} ≤ 0",
                    var[ch] + eps
                ));
            }
            let a = gamma[ch] / (var[ch] + eps).sqrt();
            let ag = a * g[ch];
            if ag == 0.0 || !ag.is_finite() {
                return Err(format!(
                    "channel {ch} has scale {a} (gamma {}), which cannot be folded",
                    gamma[ch]
                ));
            }
            l.b[ch] += (beta[ch] - a * mean[ch]) / ag;
            g[ch] = ag;
        }
        l.nodes.push(label.to_string());
        Ok(())
    }

    fn max_pool(&mut self, n: &NodeProto, label: &str) -> Result<(), String> {
        let two = Some(vec![2i64, 2]);
        let pads_ok = ints(n, "pads").is_none_or(|p| p.iter().all(|&v| v == 0));
        let plain = ints(n, "kernel_shape") == two
            && ints(n, "strides") == two
            && pads_ok
            && int(n, "ceil_mode", 0) == 0
            && ints(n, "dilations").is_none_or(|d| d.iter().all(|&v| v == 1))
            && attr(n, "auto_pad").is_none_or(|a| matches!(&a.s[..], b"NOTSET" | b"VALID"));
        if !plain {
            return Err(
                "potmac supports a 2x2 max-pool with stride 2, no padding and floor rounding"
                    .into(),
            );
        }
        let Flow::Image(c, h, w) = self.flow else {
            return Err("a max-pool of a flattened vector".into());
        };
        let l = self.open("MaxPool")?;
        if l.def.pool || l.def.conv().is_none() {
            return Err("potmac pools once, after a convolution".into());
        }
        if h < 2 || w < 2 {
            return Err(format!("a 2x2 max-pool of a {h}x{w} map"));
        }
        l.def.pool = true;
        l.nodes.push(label.to_string());
        self.flow = Flow::Image(c, h / 2, w / 2);
        Ok(())
    }

    fn flatten(&mut self, n: &NodeProto) -> Result<(), String> {
        let f = match self.flow {
            Flow::Image(c, h, w) => c * h * w,
            Flow::Flat(f) => f,
        };
        if n.op_type == "Flatten" {
            if int(n, "axis", 1) != 1 {
                return Err("Flatten with axis other than 1".into());
            }
        } else {
            let s = self.konst(n, 1)?;
            let ok = match s.data[..] {
                [b, x] => {
                    [0.0, 1.0, -1.0].contains(&b) && (x == f as f64 || (x == -1.0 && b != -1.0))
                }
                _ => false,
            };
            if !ok {
                return Err(format!(
                    "Reshape to {:?}; potmac reads a Reshape to [batch, {f}] (a flatten)",
                    s.data
                ));
            }
        }
        self.flow = Flow::Flat(f);
        Ok(())
    }
}

/// One value per channel from a constant of `o` values (any shape with one axis of `o`) or a
/// scalar.
fn broadcast(c: &Const, o: usize) -> Option<Vec<f64>> {
    match c.len() {
        1 => Some(vec![c.data[0]; o]),
        len if len == o && c.dims.iter().filter(|&&d| d != 1).count() <= 1 => Some(c.data.clone()),
        _ => None,
    }
}
