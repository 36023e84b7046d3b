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
            let g = net.channel_scale(l);
            if l == last && g.is_some() {
                return Err(QatError::Export(format!(
                    "layer {l}{}: the last layer has a per-class scale; its logits share one scale",
                    origin_of(net, l)
                )));
            }
            let (out_scale, requant, requant_channels) = if l == last {
                (None, None, None)
            } else {
                let s_out = q.act_scale(l) as f64;
                let params = |r: f64| {
                    requant_params(r).map_err(|e| {
                        QatError::Export(format!(
                            "layer {l}{}: {} (weight scale {:.3e} × input scale {in_scale:.3e} \
                             / output scale {s_out:.3e}): the layer's weights, bias or \
                             activations span too wide a range",
                            origin_of(net, l),
                            export_message(e),
                            qw.scale
                        ))
                    })
                };
                match g {
                    // A folded BatchNorm: one requantization per output channel,
                    // r_c = g_c · s_w · s_in / s_out (the channel scales are positive).
                    Some(g) => {
                        let rqs = g
                            .iter()
                            .map(|&gc| params(gc as f64 * acc_scale / s_out))
                            .collect::<Result<Vec<_>, _>>()?;
                        (Some(s_out), None, Some(rqs))
                    }
                    None => (Some(s_out), Some(params(acc_scale / s_out)?), None),
                }
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
                requant_channels,
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

/// " (ORIGIN)" of layer `l` of an imported network, or nothing.
fn origin_of(net: &Network, l: usize) -> String {
    net.origins
        .get(l)
        .map(|o| format!(" ({o})"))
        .unwrap_or_default()
}

/// The message of a requantization error (its own words, without the `integer export:` that
/// [`QatError::Export`] adds again).
fn export_message(e: ModelError) -> String {
    match e {
        ModelError::Export(m) => m,
        other => other.to_string(),
    }
}
