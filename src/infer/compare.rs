//! What the hardware must produce, per image, and the comparison: logits (the last layer's
//! accumulators plus bias), class (first maximum, as [`IntModel::predict`]) and, per pass,
//! the analytic cycle count; with per-layer dumps, every layer's outputs.

use super::sim::SimOutput;
use crate::model::arch::LayerKind;
use crate::model::argmax_rows;
use crate::model::{IntModel, Trace};

/// The integer model's results for one image.
#[derive(Debug, Clone)]
pub struct Expected {
    /// Every layer's inputs, accumulators and outputs.
    pub trace: Trace,
    /// The predicted class.
    pub class: usize,
    /// Output pixels per channel of each layer (after the pool; 1 for a dense layer).
    pub pixels: Vec<usize>,
}

impl Expected {
    /// Run the integer model on a quantized image.
    pub fn new(model: &IntModel, wdec: &[Vec<i64>], x_int: &[i64]) -> Expected {
        let trace = model.infer_with(wdec, x_int);
        let class = argmax_rows(&trace.last().expect("layers").acc, model.classes)[0];
        let pixels = model
            .layers
            .iter()
            .map(|l| match l.kind {
                LayerKind::Conv(s) if l.pool => (s.out_h() / 2) * (s.out_w() / 2),
                LayerKind::Conv(s) => s.out_pixels(),
                LayerKind::Dense { .. } => 1,
            })
            .collect();
        Expected {
            trace,
            class,
            pixels,
        }
    }

    /// The outputs of layer `l` as the accelerator writes them: hidden layers' requantized
    /// activations, the last layer's logits.
    pub fn layer_out(&self, l: usize) -> &[i64] {
        let io = &self.trace[l];
        if l + 1 == self.trace.len() {
            &io.acc
        } else {
            &io.act_out
        }
    }
}

/// The first difference between the hardware and the integer model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// Test-set index of the image.
    pub sample: usize,
    /// What differs (class, a logit, missing output, the cycle count).
    pub what: String,
}

/// Compare one pass (images `first..first+expected.len()`) with the integer model and the
/// cycle model; `None` when everything agrees.
pub fn check_pass(
    out: &SimOutput,
    first: usize,
    expected: &[Expected],
    last_layer: usize,
    cycles: u64,
    pass: usize,
) -> Option<Disagreement> {
    for (i, e) in expected.iter().enumerate() {
        let s = first + i;
        let dis = |what: String| Some(Disagreement { sample: s, what });
        match out.classes.get(&s) {
            None => return dis("the hardware gave no class".into()),
            Some(&c) if c != Some(e.class) => {
                return dis(format!(
                    "hardware class {}, integer model {}",
                    c.map_or("x".into(), |c| c.to_string()),
                    e.class
                ))
            }
            _ => {}
        }
        if let Some(w) = differs(out, last_layer, s, e) {
            return dis(format!("logit {w}"));
        }
    }
    match out.cycles.get(pass) {
        Some(&c) if c == cycles => None,
        got => Some(Disagreement {
            sample: first,
            what: format!(
                "pass {pass} took {} cycles, the cycle model says {cycles}",
                got.map_or("no".into(), |c| c.to_string())
            ),
        }),
    }
}

/// Where the hardware's outputs of layer `l` for image `s` differ from the integer model's:
/// "o: hardware h, integer model w".
fn differs(out: &SimOutput, l: usize, s: usize, e: &Expected) -> Option<String> {
    let want = e.layer_out(l);
    let got = out.layer_values(l, s, want.len(), e.pixels[l]);
    for (o, (g, w)) in got.iter().zip(want).enumerate() {
        if *g != Some(*w) {
            return Some(format!(
                "{o}: hardware {}, integer model {w}",
                g.map_or("missing or x".into(), |g| g.to_string())
            ));
        }
    }
    None
}

/// With every layer dumped: the first layer whose outputs for image `s` differ, and how.
pub fn first_bad_layer(out: &SimOutput, s: usize, e: &Expected) -> Option<(usize, String)> {
    (0..e.trace.len()).find_map(|l| differs(out, l, s, e).map(|w| (l, w)))
}
