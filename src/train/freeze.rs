//! Freezing a trained network into its integer model ([`IntModel::from_network`]: weight
//! codes, integer biases rounded half away from zero, requantization constants and exact
//! accumulator widths). The integer model and its arithmetic are described in
//! [`crate::model`]; this constructor lives here, beside the network it reads, so that the
//! model floor knows nothing of training.

use super::model::{Network, QuantState};
use super::QatError;
use crate::model::{requant_params, IntLayer, IntModel, ModelError};
use crate::quant::signed_width;

impl IntModel {
    /// Freeze a QAT network into its integer model.
    pub fn from_network(net: &Network, q: &QuantState) -> Result<Self, QatError> {
        let amax = (1i64 << q.act_bits) - 1;
        let mut in_scale = q.input_scale;
        let mut layers = Vec::new();
        let last = net.arch.layers.len() - 1;
        for (l, def) in net.arch.layers.iter().enumerate() {
            let lq = &q.layers[l];
            let qw = lq.quantize(&net.weights[l]);
            let acc_scale = qw.scale * in_scale;
            let bias: Vec<i64> = net.biases[l]
                .iter()
                .map(|&b| (b as f64 / acc_scale).round() as i64)
                .collect();
            let (mut lo, mut hi) = (i128::MAX, i128::MIN);
            for (row, &b) in qw.ints.chunks_exact(def.fan_in()).zip(&bias) {
                let neg: i128 = row.iter().filter(|&&v| v < 0).map(|&v| v as i128).sum();
                let pos: i128 = row.iter().filter(|&&v| v > 0).map(|&v| v as i128).sum();
                lo = lo.min(b as i128 + neg * amax as i128);
                hi = hi.max(b as i128 + pos * amax as i128);
            }
            let (out_scale, requant) = if l == last {
                (None, None)
            } else {
                let s_out = q.act_scale(l) as f64;
                let rq = requant_params(acc_scale / s_out).map_err(|e| {
                    let origin = net
                        .origins
                        .get(l)
                        .map(|o| format!(" ({o})"))
                        .unwrap_or_default();
                    QatError::Export(format!(
                        "layer {l}{origin}: {} (weight scale {:.3e} × input scale {in_scale:.3e} \
                         / output scale {s_out:.3e}): the layer's weights, bias or activations \
                         span too wide a range",
                        export_message(e),
                        qw.scale
                    ))
                })?;
                (Some(s_out), Some(rq))
            };
            layers.push(IntLayer {
                kind: def.kind,
                pool: def.pool,
                format: lq.spec,
                codes: qw.codes,
                bias,
                w_scale: qw.scale,
                in_scale,
                out_scale,
                requant,
                requant_channels: None,
                acc_width: signed_width(lo, hi),
            });
            if let Some(s) = out_scale {
                in_scale = s;
            }
        }
        Ok(Self {
            input: net.arch.input,
            classes: net.arch.classes,
            act_bits: q.act_bits,
            input_scale: q.input_scale,
            layers,
        })
    }
}

/// The message of a requantization error (its own words, without the `integer export:` that
/// [`QatError::Export`] adds again).
fn export_message(e: ModelError) -> String {
    match e {
        ModelError::Export(m) => m,
        other => other.to_string(),
    }
}
