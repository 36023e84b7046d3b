//! Writing an export: `model.json`, the `$readmemh` golden vectors of the first test samples
//! and `manifest.json` (with the data set the model was trained on). The integer model and its
//! arithmetic are described in [`super`]; the training engine freezes a trained network into
//! one (`crate::train::freeze`).

use super::arch::LayerKind;
use super::dataset::DataSet;
use super::{argmax_rows, IntModel, ModelError, Trace, REQUANT_M_BITS};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::Path;

/// `$readmemh` text: one value per line, lowercase hex, ceil(bits/4) digits, two's
/// complement masked to `bits`.
pub fn hex_lines(values: impl IntoIterator<Item = i64>, bits: u32) -> String {
    let digits = bits.div_ceil(4) as usize;
    let mask = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let mut s = String::new();
    for v in values {
        let _ = writeln!(s, "{:0digits$x}", (v as u64) & mask);
    }
    s
}

/// One layer's entry of `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestLayer {
    pub index: usize,
    pub kind: String,
    /// Inputs per sample (`[C, H, W]` for convolutions, `[n]` for dense layers).
    pub in_shape: Vec<usize>,
    /// Accumulators per sample (`[O, Ho, Wo]` or `[n]`).
    pub acc_shape: Vec<usize>,
    /// Output activations per sample after pooling (empty for the last layer).
    pub out_shape: Vec<usize>,
    /// Weight matrix `[out, in]` as stored in `wcode`.
    pub weight_shape: [usize; 2],
    pub kernel: Option<usize>,
    pub pad: Option<usize>,
    /// A convolution's stride, when not 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stride: Option<usize>,
    pub pool: bool,
    pub weight_format: String,
    pub weight_kind: String,
    pub weight_bits: u32,
    pub zero_policy: String,
    pub act_bits: u32,
    pub acc_width: u32,
    /// The layer's per-tensor `requant` (M, S) of `model.json`, when it has one.
    pub requant_m: Option<i64>,
    pub requant_s: Option<u32>,
    pub requant_m_bits: u32,
    /// The layer requantizes per output channel (`requant_channels` in `model.json`, which
    /// then overrides `requant_m` and `requant_s`); absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub requant_per_channel: bool,
    pub files: ManifestFiles,
}

/// File names of one layer's golden vectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestFiles {
    pub act_in: String,
    pub wcode: String,
    pub bias: String,
    pub acc: String,
    pub act_out: Option<String>,
}

/// Size and SHA-256 of one exported file, as recorded in `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// File name inside the export folder.
    pub name: String,
    pub bytes: u64,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
}

impl FileDigest {
    /// Digest of `bytes` stored as `name`.
    pub fn of(name: &str, bytes: &[u8]) -> Self {
        Self {
            name: name.to_string(),
            bytes: bytes.len() as u64,
            sha256: sha256_hex(bytes),
        }
    }
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Version of the export layout written in `manifest.json` (`export_version`).
pub const EXPORT_VERSION: u32 = 2;

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Layout version ([`EXPORT_VERSION`]); exports without it predate the checksums.
    pub export_version: u32,
    /// The data set the model was trained on and its golden samples come from (a
    /// [`DataSet`] name: `digits`, `fashion-mnist`). Exports written before potmac recorded
    /// it have none; readers then fall back to `report.json` (see
    /// [`super::read::Export::dataset`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// How the data set's samples were scaled into the model's inputs
    /// ([`DataSet::preprocessing`]); written with `dataset`, and checked against it on read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_preprocessing: Option<String>,
    pub samples: usize,
    pub sample_indices: Vec<usize>,
    pub labels: Vec<u8>,
    pub predictions: Vec<usize>,
    pub order: String,
    pub layers: Vec<ManifestLayer>,
    /// Every other file of the export (`model.json` and the vectors) with its SHA-256; the
    /// reports are not covered (they hold wall-clock times).
    pub files: Vec<FileDigest>,
}

/// `model.json` text: the integer model with, in every layer, its format's code table
/// (`code_table[code]` = the integer value of the code), so the export describes itself.
pub fn model_json(im: &IntModel) -> Result<String, ModelError> {
    let mut v = serde_json::to_value(im)?;
    let layers = v["layers"]
        .as_array_mut()
        .expect("IntModel serialises its layers");
    for (json, il) in layers.iter_mut().zip(&im.layers) {
        let f = il.format.format()?;
        let table: Vec<i64> = (0..f.num_codes()).map(|c| f.decode(c)).collect();
        json["code_table"] = serde_json::to_value(table)?;
    }
    Ok(serde_json::to_string_pretty(&v)? + "\n")
}

/// Write `model.json`, the golden vectors of the first `samples` test samples of `dataset`
/// (`x`, `labels`) and `manifest.json` into `dir`. A model whose input shape or class count is
/// not the data set's is refused before anything is written.
pub fn write_export(
    dir: &Path,
    im: &IntModel,
    dataset: DataSet,
    x: &[f32],
    labels: &[u8],
    samples: usize,
) -> Result<Manifest, ModelError> {
    dataset.check(im).map_err(ModelError::Export)?;
    let io = |e: std::io::Error| ModelError::Io {
        path: dir.display().to_string(),
        source: e,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    // The manifest is written last: an interrupted export has none and is refused.
    let _ = std::fs::remove_file(dir.join("manifest.json"));
    let digests = std::cell::RefCell::new(Vec::new());
    let write = |name: &str, text: &str| {
        digests
            .borrow_mut()
            .push(FileDigest::of(name, text.as_bytes()));
        std::fs::write(dir.join(name), text).map_err(io)
    };
    write("model.json", &model_json(im)?)?;
    let per = im.input.0 * im.input.1 * im.input.2;
    let k = samples.min(labels.len());
    let wdec = im.decoded();
    let traces: Vec<Trace> = (0..k)
        .map(|i| im.infer_with(&wdec, &im.quantize_input(&x[i * per..(i + 1) * per])))
        .collect();
    let a = im.act_bits;
    let mut layers = Vec::new();
    let last = im.layers.len() - 1;
    for (l, il) in im.layers.iter().enumerate() {
        let f = il.format.format()?;
        let name = |what: &str| format!("layer{l}_{what}.hex");
        let files = ManifestFiles {
            act_in: name("act_in"),
            wcode: name("wcode"),
            bias: name("bias"),
            acc: name("acc"),
            act_out: (l != last).then(|| name("act_out")),
        };
        write(
            &files.act_in,
            &hex_lines(traces.iter().flat_map(|t| t[l].act_in.iter().copied()), a),
        )?;
        write(
            &files.wcode,
            &hex_lines(il.codes.iter().map(|&c| c as i64), f.bits()),
        )?;
        write(
            &files.bias,
            &hex_lines(il.bias.iter().copied(), il.acc_width),
        )?;
        write(
            &files.acc,
            &hex_lines(
                traces.iter().flat_map(|t| t[l].acc.iter().copied()),
                il.acc_width,
            ),
        )?;
        if let Some(n) = &files.act_out {
            write(
                n,
                &hex_lines(traces.iter().flat_map(|t| t[l].act_out.iter().copied()), a),
            )?;
        }
        let (in_shape, acc_shape, out_shape, wshape, kernel, pad) = match il.kind {
            LayerKind::Dense { inputs, outputs } => (
                vec![inputs],
                vec![outputs],
                vec![outputs],
                [outputs, inputs],
                None,
                None,
            ),
            LayerKind::Conv(s) => {
                let (oh, ow) = (s.out_h(), s.out_w());
                let out = if il.pool {
                    vec![s.out_c, oh / 2, ow / 2]
                } else {
                    vec![s.out_c, oh, ow]
                };
                (
                    vec![s.in_c, s.in_h, s.in_w],
                    vec![s.out_c, oh, ow],
                    out,
                    [s.out_c, s.col_rows()],
                    Some(s.k),
                    Some(s.pad),
                )
            }
        };
        layers.push(ManifestLayer {
            index: l,
            kind: match il.kind {
                LayerKind::Dense { .. } => "dense",
                LayerKind::Conv(_) => "conv",
            }
            .into(),
            in_shape,
            acc_shape,
            out_shape: if l == last { Vec::new() } else { out_shape },
            weight_shape: wshape,
            kernel,
            pad,
            stride: match il.kind {
                LayerKind::Conv(s) if s.stride != 1 => Some(s.stride),
                _ => None,
            },
            pool: il.pool,
            weight_format: il.format.label(),
            weight_kind: f.kind().to_string(),
            weight_bits: f.bits(),
            zero_policy: format!("{:?}", il.format.zero).to_lowercase(),
            act_bits: a,
            acc_width: il.acc_width,
            requant_m: il.requant.map(|r| r.m),
            requant_s: il.requant.map(|r| r.s),
            requant_m_bits: REQUANT_M_BITS,
            requant_per_channel: il.requant_channels.is_some(),
            files,
        });
    }
    let manifest = Manifest {
        export_version: EXPORT_VERSION,
        dataset: Some(dataset.name().to_string()),
        input_preprocessing: Some(dataset.preprocessing().to_string()),
        samples: k,
        sample_indices: (0..k).collect(),
        labels: labels[..k].to_vec(),
        predictions: traces
            .iter()
            .map(|t| argmax_rows(&t[last].acc, im.classes)[0])
            .collect(),
        order: "sample-major; within a sample row-major ([C][H][W] or [n]); wcode row-major [out][in], in = (c*k+ky)*k+kx for conv".into(),
        layers,
        files: digests.take(),
    };
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)? + "\n",
    )
    .map_err(io)?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_lines_pad_and_mask() {
        assert_eq!(hex_lines([0, 10, -1], 4), "0\na\nf\n");
        assert_eq!(hex_lines([-2, 255], 9), "1fe\n0ff\n");
        assert_eq!(hex_lines([-5], 17), "1fffb\n");
    }
}
