//! The layer-building operators of the graph walk ([`super::graph`]): `Conv`, `Gemm` and
//! `MatMul` open a layer, `Add` adds to its bias, `BatchNormalization` folds into its channel
//! scales and bias, `MaxPool` pools it, `Flatten` and `Reshape` flatten the image.

use super::graph::{attr, float, int, ints, Flow, GraphLayer, Walk};
use super::proto::NodeProto;
use super::tensor::Const;
use crate::model::arch::{ConvShape, LayerDef, LayerKind};

impl Walk<'_> {
    /// A `Conv`: opens a convolution layer.
    pub(super) fn conv(&mut self, n: &NodeProto, label: &str) -> Result<(), String> {
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

    /// A `Gemm` or `MatMul`: opens a dense layer.
    pub(super) fn dense(&mut self, n: &NodeProto, label: &str) -> Result<(), String> {
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

    /// `Add` of a constant per output channel (or a scalar) to a layer's output: its bias.
    pub(super) fn add(&mut self, n: &NodeProto, label: &str) -> Result<(), String> {
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

    /// A `BatchNormalization` folded into the open layer's channel scales and bias.
    pub(super) fn batch_norm(&mut self, n: &NodeProto, label: &str) -> Result<(), String> {
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

    /// A 2×2 stride-2 `MaxPool` of the open convolution.
    pub(super) fn max_pool(&mut self, n: &NodeProto, label: &str) -> Result<(), String> {
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

    /// `Flatten` or `Reshape` to `[batch, features]`.
    pub(super) fn flatten(&mut self, n: &NodeProto) -> Result<(), String> {
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
