//! Reading an export back, trusting nothing: [`load_export`] checks every file against the
//! SHA-256 in `manifest.json`, the model's structure (shapes that chain, codes inside the code
//! table, biases inside the accumulator, requantization constants in range) and its code
//! tables against the `quant` tables, parses every hex file with its field's range, and
//! recomputes the golden vectors with the integer model. Any failure is an input error naming
//! the file (and line or field), never a hardware mismatch.

use super::arch::LayerDef;
use super::export::{sha256_hex, Manifest, EXPORT_VERSION};
use super::integer::{IntModel, REQUANT_M_BITS};
use crate::quant::signed_width;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A rejected export: the file, the line when one is to blame, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ExportError {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

/// A verified export.
#[derive(Debug, Clone)]
pub struct Export {
    pub dir: PathBuf,
    pub model: IntModel,
    pub manifest: Manifest,
    /// The golden samples' integer inputs (`layer0_act_in.hex`), one vector per sample.
    pub inputs: Vec<Vec<i64>>,
}

/// The per-layer code tables of `model.json` (the rest is the [`IntModel`]).
#[derive(Deserialize)]
struct Tables {
    layers: Vec<Table>,
}

#[derive(Deserialize)]
struct Table {
    code_table: Option<Vec<i64>>,
}

/// Read and verify the export folder `dir` (see the module docs).
pub fn load_export(dir: &Path) -> Result<Export, ExportError> {
    let path = |name: &str| dir.join(name).display().to_string();
    let err = |name: &str, line: Option<usize>, message: String| ExportError {
        path: path(name),
        line,
        message,
    };
    let read = |name: &str| {
        std::fs::read(dir.join(name)).map_err(|e| {
            err(
                name,
                None,
                format!("cannot read: {e} (is this a complete `potmac qat` export?)"),
            )
        })
    };
    let json_err = |name: &str, e: serde_json::Error| err(name, Some(e.line()), e.to_string());

    let manifest_bytes = read("manifest.json")?;
    let manifest: Manifest =
        serde_json::from_slice(&manifest_bytes).map_err(|e| json_err("manifest.json", e))?;
    if manifest.export_version != EXPORT_VERSION {
        return Err(err(
            "manifest.json",
            None,
            format!(
                "export_version {} is not {EXPORT_VERSION}: re-export with this potmac",
                manifest.export_version
            ),
        ));
    }
    // Checksums first: any edited, truncated or deleted file is named before it is parsed.
    let mut contents = std::collections::BTreeMap::new();
    for f in &manifest.files {
        if f.name.is_empty() || f.name.contains(['/', '\\']) || f.name.starts_with('.') {
            return Err(err(
                "manifest.json",
                None,
                format!("file name `{}` is not a plain file name", f.name),
            ));
        }
        let bytes = read(&f.name)?;
        if bytes.len() as u64 != f.bytes || sha256_hex(&bytes) != f.sha256 {
            return Err(err(
                &f.name,
                None,
                format!(
                    "{} bytes, SHA-256 {} differs from manifest.json ({} bytes, {}): the file changed after export",
                    bytes.len(),
                    &sha256_hex(&bytes)[..16],
                    f.bytes,
                    &f.sha256[..f.sha256.len().min(16)]
                ),
            ));
        }
        contents.insert(f.name.clone(), bytes);
    }
    let text = |name: &str| -> Result<&str, ExportError> {
        let bytes = contents.get(name).ok_or_else(|| {
            err(
                "manifest.json",
                None,
                format!("`{name}` has no checksum in `files`"),
            )
        })?;
        std::str::from_utf8(bytes).map_err(|e| err(name, None, format!("not UTF-8: {e}")))
    };

    let model_text = text("model.json")?;
    let model: IntModel =
        serde_json::from_str(model_text).map_err(|e| json_err("model.json", e))?;
    let tables: Tables = serde_json::from_str(model_text).map_err(|e| json_err("model.json", e))?;
    check_model(&model, &tables).map_err(|m| err("model.json", None, m))?;
    check_manifest(&model, &manifest).map_err(|m| err("manifest.json", None, m))?;

    // Golden vectors: parsed with their field widths, then recomputed.
    let wdec = model.decoded();
    let first = LayerDef {
        kind: model.layers[0].kind,
        pool: model.layers[0].pool,
    };
    let ml = &manifest.layers;
    let act_in = parse_hex(
        &path(&ml[0].files.act_in),
        text(&ml[0].files.act_in)?,
        model.act_bits,
        false,
    )?;
    if act_in.len() != manifest.samples * first.in_len() {
        return Err(err(
            &ml[0].files.act_in,
            None,
            format!(
                "{} values; manifest.json promises {} samples of {}",
                act_in.len(),
                manifest.samples,
                first.in_len()
            ),
        ));
    }
    let inputs: Vec<Vec<i64>> = act_in.chunks(first.in_len()).map(<[i64]>::to_vec).collect();
    let traces: Vec<_> = inputs.iter().map(|x| model.infer_with(&wdec, x)).collect();
    for (l, (il, m)) in model.layers.iter().zip(ml).enumerate() {
        let bits = il
            .format
            .format()
            .map_err(|e| err("model.json", None, e.to_string()))?
            .bits();
        let wcode = parse_hex(&path(&m.files.wcode), text(&m.files.wcode)?, bits, false)?;
        let codes: Vec<i64> = il.codes.iter().map(|&c| c as i64).collect();
        same(
            &m.files.wcode,
            &wcode,
            &codes,
            &format!("layers[{l}].codes"),
            &path,
        )?;
        let bias = parse_hex(
            &path(&m.files.bias),
            text(&m.files.bias)?,
            il.acc_width,
            true,
        )?;
        same(
            &m.files.bias,
            &bias,
            &il.bias,
            &format!("layers[{l}].bias"),
            &path,
        )?;
        let golden = |pick: fn(&super::integer::LayerIo) -> &Vec<i64>| -> Vec<i64> {
            traces
                .iter()
                .flat_map(|t| pick(&t[l]).iter().copied())
                .collect()
        };
        let acc = parse_hex(&path(&m.files.acc), text(&m.files.acc)?, il.acc_width, true)?;
        same(
            &m.files.acc,
            &acc,
            &golden(|t| &t.acc),
            "the integer model's accumulators",
            &path,
        )?;
        let ain = parse_hex(
            &path(&m.files.act_in),
            text(&m.files.act_in)?,
            model.act_bits,
            false,
        )?;
        same(
            &m.files.act_in,
            &ain,
            &golden(|t| &t.act_in),
            "the integer model's inputs",
            &path,
        )?;
        if let Some(f) = &m.files.act_out {
            let out = parse_hex(&path(f), text(f)?, model.act_bits, false)?;
            same(
                f,
                &out,
                &golden(|t| &t.act_out),
                "the integer model's outputs",
                &path,
            )?;
        }
    }
    let predicted: Vec<usize> = inputs.iter().map(|x| model.predict(&wdec, x)).collect();
    if predicted != manifest.predictions || manifest.labels.len() != manifest.samples {
        return Err(err(
            "manifest.json",
            None,
            format!(
                "predictions {:?} (labels {}) differ from the integer model's {predicted:?}",
                manifest.predictions,
                manifest.labels.len()
            ),
        ));
    }
    Ok(Export {
        dir: dir.to_path_buf(),
        model,
        manifest,
        inputs,
    })
}

/// Parse `$readmemh` text: one value per line, at most ceil(bits/4) hex digits, inside the
/// `bits`-wide field; `signed` fields are sign-extended from bit `bits − 1`.
pub fn parse_hex(path: &str, text: &str, bits: u32, signed: bool) -> Result<Vec<i64>, ExportError> {
    let digits = bits.div_ceil(4) as usize;
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let bad = |message: String| ExportError {
            path: path.to_string(),
            line: Some(i + 1),
            message,
        };
        let l = raw.trim();
        if l.is_empty() || l.len() > digits || !l.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad(format!(
                "`{}` is not a {bits}-bit hex value (1 to {digits} hex digits)",
                raw.escape_debug()
            )));
        }
        let v = u64::from_str_radix(l, 16).expect("checked hex digits");
        if bits < 64 && v >> bits != 0 {
            return Err(bad(format!("{l} does not fit the {bits}-bit field")));
        }
        out.push(if signed && bits < 64 && v >> (bits - 1) & 1 == 1 {
            (v as i64) - (1i64 << bits)
        } else {
            v as i64
        });
    }
    Ok(out)
}

/// `got` (from `file`) must equal `want` (`what`), value by value.
fn same(
    file: &str,
    got: &[i64],
    want: &[i64],
    what: &str,
    path: &dyn Fn(&str) -> String,
) -> Result<(), ExportError> {
    let e = |line: Option<usize>, message: String| ExportError {
        path: path(file),
        line,
        message,
    };
    if let Some(i) = got.iter().zip(want).position(|(a, b)| a != b) {
        return Err(e(
            Some(i + 1),
            format!("{} differs from {what}[{i}] = {}", got[i], want[i]),
        ));
    }
    if got.len() != want.len() {
        return Err(e(
            None,
            format!("{} values, {what} has {}", got.len(), want.len()),
        ));
    }
    Ok(())
}

/// Structure of the integer model; messages name the field.
fn check_model(m: &IntModel, tables: &Tables) -> Result<(), String> {
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
        match (l == last, il.requant) {
            (true, Some(_)) => return Err(format!("layers[{l}].requant: the last layer has none")),
            (false, None) => return Err(format!("layers[{l}].requant is missing")),
            (false, Some(r)) => {
                let mr = (1i64 << (REQUANT_M_BITS - 1))..(1i64 << REQUANT_M_BITS);
                if !mr.contains(&r.m) || !(1..=62).contains(&r.s) {
                    return Err(format!(
                        "layers[{l}].requant: M = {}, S = {} (need 2^15 ≤ M < 2^16, 1 ≤ S ≤ 62)",
                        r.m, r.s
                    ));
                }
            }
            (true, None) => {}
        }
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

/// The manifest's description of each layer must be the model's.
fn check_manifest(m: &IntModel, man: &Manifest) -> Result<(), String> {
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
