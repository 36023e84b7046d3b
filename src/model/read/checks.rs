//! The structural checks of an export: the integer model's fields and code tables, and the
//! manifest against the model. Messages name the field; the caller names the file.

use crate::model::arch::LayerDef;
use crate::model::write::Manifest;
use crate::model::{IntLayer, IntModel, Requant, REQUANT_M_BITS};
use crate::quant::signed_width;
use serde::Deserialize;

/// The per-layer code tables of `model.json` (the rest is the [`IntModel`]).
#[derive(Deserialize)]
pub(super) struct Tables {
    pub(super) layers: Vec<Table>,
}

#[derive(Deserialize)]
pub(super) struct Table {
    pub(super) code_table: Option<Vec<i64>>,
}

/// Structure of the integer model; messages name the field.
pub(super) fn check_model(m: &IntModel, tables: &Tables) -> Result<(), String> {
    if m.layers.is_empty() {
        return Err("`layers` is empty".into());
    }
    if !(1..=16).contains(&m.act_bits) {
        return Err(format!("act_bits = {} is outside 1..=16", m.act_bits));
    }
    let mut n = m.input.0 * m.input.1 * m.input.2;
    let last = m.layers.len() - 1;
    for (l, (il, t)) in m.layers.iter().zip(&tables.layers).enumerate() {
        let f = il
            .format
            .format()
            .map_err(|e| format!("layers[{l}].format: {e}"))?;
        let def = LayerDef {
            kind: il.kind,
            pool: il.pool,
        };
        if let Some(why) = def.conv().and_then(|c| c.misfit()) {
            return Err(format!("layers[{l}]: {why}"));
        }
        if def.in_len() != n {
            return Err(format!(
                "layers[{l}] takes {} inputs, gets {n}",
                def.in_len()
            ));
        }
        n = def.out_len();
        let (rows, fan_in) = (def.out_rows(), def.fan_in());
        if il.codes.len() != rows * fan_in {
            return Err(format!(
                "layers[{l}].codes has {} codes, the {rows}×{fan_in} weights need {}",
                il.codes.len(),
                rows * fan_in
            ));
        }
        if let Some(i) = il.codes.iter().position(|&c| c >= f.num_codes()) {
            return Err(format!(
                "layers[{l}].codes[{i}] = {} is not a {}-bit code",
                il.codes[i],
                f.bits()
            ));
        }
        let want: Vec<i64> = (0..f.num_codes()).map(|c| f.decode(c)).collect();
        match &t.code_table {
            None => return Err(format!("layers[{l}].code_table is missing")),
            Some(got) if *got != want => {
                return Err(format!(
                    "layers[{l}].code_table {got:?} is not the {} table {want:?}",
                    il.format.label()
                ))
            }
            _ => {}
        }
        if il.bias.len() != rows {
            return Err(format!(
                "layers[{l}].bias has {} values, not {rows}",
                il.bias.len()
            ));
        }
        // The exact accumulator range, as the export derives it.
        let amax = (1i128 << m.act_bits) - 1;
        let (mut lo, mut hi) = (i128::MAX, i128::MIN);
        for (o, &b) in il.bias.iter().enumerate() {
            let row = &il.codes[o * fan_in..(o + 1) * fan_in];
            let vals = row.iter().map(|&c| f.decode(c) as i128);
            let neg: i128 = vals.clone().filter(|&v| v < 0).sum();
            let pos: i128 = vals.filter(|&v| v > 0).sum();
            lo = lo.min(b as i128 + neg * amax);
            hi = hi.max(b as i128 + pos * amax);
        }
        let need = signed_width(lo, hi);
        if il.acc_width != need {
            return Err(format!(
                "layers[{l}].acc_width = {}, but its weights and biases need exactly {need}",
                il.acc_width
            ));
        }
        check_requant(l, l == last, rows, il)?;
    }
    if tables.layers.len() != m.layers.len() {
        return Err("`layers` and their code tables differ in number".into());
    }
    if n != m.classes {
        return Err(format!(
            "the last layer gives {n} outputs, classes = {}",
            m.classes
        ));
    }
    Ok(())
}

/// A layer's requantization: the last layer has none; a hidden layer has `requant` or
/// `requant_channels` (one per output channel, `rows`) or both, each constant in range.
fn check_requant(l: usize, last: bool, rows: usize, il: &IntLayer) -> Result<(), String> {
    let in_range = |field: String, r: Requant| {
        let mr = (1i64 << (REQUANT_M_BITS - 1))..(1i64 << REQUANT_M_BITS);
        if mr.contains(&r.m) && (1..=62).contains(&r.s) {
            Ok(())
        } else {
            Err(format!(
                "{field}: M = {}, S = {} (need 2^15 ≤ M < 2^16, 1 ≤ S ≤ 62)",
                r.m, r.s
            ))
        }
    };
    if last {
        if il.requant.is_some() {
            return Err(format!("layers[{l}].requant: the last layer has none"));
        }
        if il.requant_channels.is_some() {
            return Err(format!(
                "layers[{l}].requant_channels: the last layer has none"
            ));
        }
        return Ok(());
    }
    if !il.requantizes() {
        return Err(format!(
            "layers[{l}].requant is missing (a hidden layer needs `requant` or \
             `requant_channels`)"
        ));
    }
    if let Some(r) = il.requant {
        in_range(format!("layers[{l}].requant"), r)?;
    }
    if let Some(v) = &il.requant_channels {
        if v.len() != rows {
            return Err(format!(
                "layers[{l}].requant_channels has {} entries, the layer has {rows} output \
                 channels (one each)",
                v.len()
            ));
        }
        for (o, &r) in v.iter().enumerate() {
            in_range(format!("layers[{l}].requant_channels[{o}]"), r)?;
        }
    }
    Ok(())
}

/// The manifest's description of each layer must be the model's.
pub(super) fn check_manifest(m: &IntModel, man: &Manifest) -> Result<(), String> {
    if man.layers.len() != m.layers.len() {
        return Err(format!(
            "{} layers, model.json has {}",
            man.layers.len(),
            m.layers.len()
        ));
    }
    for (l, (ml, il)) in man.layers.iter().zip(&m.layers).enumerate() {
        let facts = [
            ("acc_width", ml.acc_width as i64, il.acc_width as i64),
            ("act_bits", ml.act_bits as i64, m.act_bits as i64),
            ("pool", ml.pool as i64, il.pool as i64),
            ("weight_bits", ml.weight_bits as i64, il.format.bits as i64),
            (
                "requant_m",
                ml.requant_m.unwrap_or(-1),
                il.requant.map_or(-1, |r| r.m),
            ),
            (
                "requant_s",
                ml.requant_s.map_or(-1, i64::from),
                il.requant.map_or(-1, |r| r.s as i64),
            ),
            (
                "requant_per_channel",
                i64::from(ml.requant_per_channel),
                i64::from(il.requant_channels.is_some()),
            ),
        ];
        for (field, got, want) in facts {
            if got != want {
                return Err(format!(
                    "layers[{l}].{field} = {got}, model.json says {want}"
                ));
            }
        }
        if ml.weight_format != il.format.label() {
            return Err(format!(
                "layers[{l}].weight_format `{}`, model.json says `{}`",
                ml.weight_format,
                il.format.label()
            ));
        }
    }
    Ok(())
}
