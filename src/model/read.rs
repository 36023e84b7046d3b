//! Reading an export back, trusting nothing: [`load_export`] checks every file against the
//! SHA-256 in `manifest.json`, the model's structure (shapes that chain, codes inside the code
//! table, biases inside the accumulator, requantization constants in range) and its code
//! tables against the `quant` tables, parses every hex file with its field's range, and
//! recomputes the golden vectors with the integer model. Any failure is an input error naming
//! the file (and line or field), never a hardware mismatch. The data set named in
//! `manifest.json` must be one potmac knows and fit the model ([`Export::dataset`] also reads
//! it from an older export's `report.json`).

use super::arch::LayerDef;
use super::dataset::DataSet;
use super::write::{sha256_hex, Manifest, EXPORT_VERSION};
use super::{IntModel, LayerIo};
use std::path::{Path, PathBuf};

mod checks;
use checks::{check_manifest, check_model, Tables};

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
    /// The data set `manifest.json` names (checked against the model); `None` in an export
    /// written before potmac recorded it.
    pub recorded_dataset: Option<DataSet>,
}

impl Export {
    /// The data set the model was trained on: `manifest.json`'s `dataset`, or, in an export
    /// written before that field existed, `report.json`'s `dataset`. An unknown name, a data
    /// set the model does not fit, or neither field is an error naming the file and field.
    pub fn dataset(&self) -> Result<DataSet, ExportError> {
        if let Some(d) = self.recorded_dataset {
            return Ok(d);
        }
        let manifest = self.dir.join("manifest.json").display().to_string();
        let report = self.dir.join("report.json");
        let missing = |why: String| ExportError {
            path: manifest.clone(),
            line: None,
            message: format!(
                "field `dataset` is missing (an export written before potmac recorded its data \
                 set), and the fallback {} {why}: re-export the model, or add \
                 `\"dataset\": \"digits\"` (or `fashion-mnist`) to manifest.json",
                report.display()
            ),
        };
        let text = crate::fsread::read_to_string(&report, crate::fsread::TEXT)
            .map_err(|e| missing(format!("cannot be read ({e})")))?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| ExportError {
            path: report.display().to_string(),
            line: Some(e.line()),
            message: e.to_string(),
        })?;
        let name = v
            .get("dataset")
            .and_then(|d| d.as_str())
            .ok_or_else(|| missing("has no field `dataset` either".into()))?;
        dataset_field(name, &self.model).map_err(|message| ExportError {
            path: report.display().to_string(),
            line: None,
            message,
        })
    }
}

/// The `dataset` field's value: a known data set the model fits; the message names the field.
fn dataset_field(name: &str, model: &IntModel) -> Result<DataSet, String> {
    let d: DataSet = name.parse().map_err(|e| format!("field `dataset`: {e}"))?;
    d.check(model)
        .map_err(|e| format!("field `dataset`: {e}"))?;
    Ok(d)
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
        crate::fsread::read(&dir.join(name), crate::fsread::TEXT).map_err(|e| {
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
    let recorded_dataset = match &manifest.dataset {
        Some(name) => Some(dataset_field(name, &model).map_err(|m| err("manifest.json", None, m))?),
        None => None,
    };
    if let (Some(d), Some(p)) = (recorded_dataset, &manifest.input_preprocessing) {
        if p != d.preprocessing() {
            return Err(err(
                "manifest.json",
                None,
                format!(
                    "field `input_preprocessing`: `{p}` is not how potmac feeds {} (`{}`); the \
                     model would see other inputs than it was trained on",
                    d.name(),
                    d.preprocessing()
                ),
            ));
        }
    }

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
        let golden = |pick: fn(&LayerIo) -> &Vec<i64>| -> Vec<i64> {
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
        recorded_dataset,
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
