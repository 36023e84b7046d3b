//! Reports of `potmac qat` runs: `report.json` / `report.md` of one run and `sweep.md` /
//! `sweep.json` of a sweep. Pure data and text builders plus the file writers; the CLI only
//! fills them in and prints.

use super::data::Dataset;
use super::model::QuantState;
use super::pipeline::{Sweep, Verification};
use super::recipe::Recipe;
use super::stats::SeedSummary;
use super::train::{EpochLog, QatConfig, TrainConfig};
use super::QatError;
use crate::model::arch::{Arch, LayerKind};
use crate::model::IntModel;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// `report.json` of one run (and the source of `report.md`).
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    /// Data set name (`digits`, `fashion-mnist`).
    pub dataset: &'a str,
    /// Model family name (`mlp`, `cnn`).
    pub model: &'a str,
    pub arch: &'a Arch,
    /// The recipe the defaults came from (explicit flags override it; the values used are
    /// the `fp`, `qat_train` and `qat` settings below).
    pub recipe: Recipe,
    /// Seed of the exported model's float training (its QAT uses `seed + 1`).
    pub seed: u64,
    pub train_samples: usize,
    /// Samples held out from training to stop the float training (0 = none).
    pub val_samples: usize,
    pub test_samples: usize,
    /// Worker threads (results do not depend on it).
    pub threads: usize,
    /// Float pre-training settings.
    pub fp: TrainConfig,
    /// QAT fine-tuning settings.
    pub qat_train: TrainConfig,
    pub qat: &'a QatConfig,
    pub fp_test_acc: f64,
    /// Every epoch of both phases.
    pub history: Vec<EpochLog>,
    pub verification: Verification,
    pub layers: Vec<LayerSummary>,
    /// The test set on a narrow accumulator (`qat --accumulator`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub narrow_accumulator: Option<crate::model::narrow::NarrowReport>,
    /// Every seed's accuracies and their mean ± std (`--seeds N`, N > 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seeds: Option<SeedSummary>,
}

/// One exported layer in a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerSummary {
    pub format: String,
    pub w_scale: f64,
    pub clip_alpha: f64,
    pub act_clip: Option<f32>,
    pub requant_m: Option<i64>,
    pub requant_s: Option<u32>,
    /// Output channels with their own (M, S) when the layer requantizes per channel (a
    /// folded BatchNorm); `model.json` holds the constants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requant_channels: Option<usize>,
    pub acc_width: u32,
    pub zero_weights: usize,
    pub weights: usize,
}

impl LayerSummary {
    /// One summary per layer of an exported model and the quantization state it came from.
    pub fn all(im: &IntModel, q: &QuantState) -> Vec<LayerSummary> {
        im.layers
            .iter()
            .enumerate()
            .map(|(l, il)| LayerSummary {
                format: il.format.label(),
                w_scale: il.w_scale,
                clip_alpha: q.layers[l].alpha,
                act_clip: q.act_clip.get(l).copied(),
                requant_m: il.requant.map(|r| r.m),
                requant_s: il.requant.map(|r| r.s),
                requant_channels: il.requant_channels.as_ref().map(Vec::len),
                acc_width: il.acc_width,
                zero_weights: il.weight_values().iter().filter(|&&v| v == 0).count(),
                weights: il.codes.len(),
            })
            .collect()
    }
}

pub use super::stats::pct;

/// The layer chain in one line, e.g. `conv 1→8 5×5 stride 2 pad 2 (8×8 → 4×4) + pool, dense
/// 32→32, dense 32→10`.
pub fn arch_text(arch: &Arch) -> String {
    arch.layers
        .iter()
        .map(|l| match l.kind {
            LayerKind::Dense { inputs, outputs } => format!("dense {inputs}→{outputs}"),
            LayerKind::Conv(c) => format!(
                "conv {}→{} {k}×{k} stride {} pad {} ({}×{} → {}×{}){}",
                c.in_c,
                c.out_c,
                c.stride,
                c.pad,
                c.in_h,
                c.in_w,
                c.out_h(),
                c.out_w(),
                if l.pool { " + pool" } else { "" },
                k = c.k
            ),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Report<'_> {
    /// `report.md`.
    pub fn markdown(&self) -> String {
        let r = self;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# QAT report: {} {}, {}\n",
            r.dataset,
            r.model,
            r.qat.weights.label()
        );
        let _ = writeln!(
            s,
            "- samples: {} train / {} validation / {} test",
            r.train_samples, r.val_samples, r.test_samples
        );
        let _ = writeln!(
            s,
            "- recipe: {} (FP: {} epochs max, patience {}; QAT: {} epochs, lr {:.0e}, ×{} every {} epochs); seed {}; {} threads",
            r.recipe.name(),
            r.fp.epochs,
            r.fp.patience,
            r.qat_train.epochs,
            r.qat_train.lr,
            r.qat_train.lr_decay,
            r.qat_train.lr_step,
            r.seed,
            r.threads
        );
        let _ = writeln!(s, "- architecture: {}", arch_text(r.arch));
        let _ = writeln!(s, "- activations: unsigned {} bits", r.qat.act_bits);
        let _ = writeln!(s, "- float test accuracy: {}%", pct(r.fp_test_acc));
        let _ = writeln!(
            s,
            "- QAT test accuracy (integer-only path): {}%",
            pct(r.verification.int_acc)
        );
        let _ = writeln!(
            s,
            "- fake-quant vs integer path: {} class mismatches, {} samples with any per-layer difference (of {})\n",
            r.verification.class_mismatches, r.verification.layer_mismatches, r.verification.samples
        );
        let _ = writeln!(
            s,
            "| layer | format | w scale | clip α | act clip | M | S | acc bits | zero weights |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
        for (i, l) in r.layers.iter().enumerate() {
            let opt = |v: Option<String>| v.unwrap_or_else(|| "–".into());
            let _ = writeln!(
                s,
                "| {i} | {} | {:.4e} | {:.2} | {} | {} | {} | {} | {}/{} |",
                l.format,
                l.w_scale,
                l.clip_alpha,
                opt(l.act_clip.map(|c| format!("{c:.4}"))),
                match l.requant_channels {
                    Some(n) => format!("per channel ({n})"),
                    None => opt(l.requant_m.map(|m| m.to_string())),
                },
                match l.requant_channels {
                    Some(_) => "per channel".into(),
                    None => opt(l.requant_s.map(|m| m.to_string())),
                },
                l.acc_width,
                l.zero_weights,
                l.weights
            );
        }
        let _ = writeln!(
            s,
            "\nEpoch times are wall-clock and vary from run to run (everything else is reproducible).\n"
        );
        let _ = writeln!(
            s,
            "| phase | epoch | lr | loss | train % | val % | test % | train s | samples/s | eval s |\n|---|---|---|---|---|---|---|---|---|---|"
        );
        for h in &r.history {
            let _ = writeln!(
                s,
                "| {} | {} | {:.1e} | {:.4} | {} | {} | {} | {:.2} | {:.0} | {:.2} |",
                h.phase,
                h.epoch,
                h.lr,
                h.loss,
                pct(h.train_acc),
                h.val_acc.map_or("–".into(), pct),
                pct(h.test_acc),
                h.train_secs,
                h.samples_per_sec,
                h.eval_secs
            );
        }
        if let Some(seeds) = &r.seeds {
            s.push_str(&seeds.markdown());
        }
        s
    }

    /// Write `report.json` and `report.md` into `dir` (which must exist).
    pub fn write(&self, dir: &Path) -> Result<(), QatError> {
        write_text(
            dir,
            "report.json",
            &(serde_json::to_string_pretty(self)? + "\n"),
        )?;
        write_text(dir, "report.md", &self.markdown())
    }
}

/// One weight file read by `potmac import`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceFile {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

/// What `potmac import` writes as `report.json` (and renders as `report.md`).
#[derive(Debug, Serialize)]
pub struct ImportReport<'a> {
    pub dataset: &'a str,
    /// The weight files: file name (no folder, so the report does not depend on where it was
    /// run), size and SHA-256 of each.
    pub sources: Vec<SourceFile>,
    /// Every imported tensor: name and shape.
    pub tensors: Vec<(String, Vec<usize>)>,
    /// An ONNX graph's layers: per layer, its shape and the nodes it came from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub graph: Vec<String>,
    pub arch: &'a Arch,
    pub qat: &'a QatConfig,
    pub calibration_samples: usize,
    pub fp_test_acc: f64,
    /// The post-training-quantized model (before any fine-tuning).
    pub ptq: Verification,
    /// QAT fine-tuning settings and epochs, when `--fine-tune` was given.
    pub fine_tune: Option<TrainConfig>,
    pub history: Vec<EpochLog>,
    /// The exported model (the fine-tuned one when fine-tuning ran, else the PTQ one).
    pub verification: Verification,
    pub layers: Vec<LayerSummary>,
}

impl ImportReport<'_> {
    /// `report.md`.
    pub fn markdown(&self) -> String {
        let r = self;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# Import report: {}, {}\n",
            r.dataset,
            r.qat.weights.label()
        );
        for f in &r.sources {
            let _ = writeln!(
                s,
                "- weights: `{}` ({} bytes, sha256 {})",
                f.file, f.bytes, f.sha256
            );
        }
        for (name, shape) in &r.tensors {
            let _ = writeln!(s, "  - `{name}` {shape:?}");
        }
        for line in &r.graph {
            let _ = writeln!(s, "- graph {line}");
        }
        let _ = writeln!(s, "- float test accuracy: {}%", pct(r.fp_test_acc));
        let _ = writeln!(
            s,
            "- post-training quantization (activation clips from {} training samples), integer path: {}% ({} samples with a per-layer path difference)",
            r.calibration_samples,
            pct(r.ptq.int_acc),
            r.ptq.layer_mismatches
        );
        if let Some(ft) = &r.fine_tune {
            let _ = writeln!(
                s,
                "- QAT fine-tuning, {} epochs: integer path {}%",
                ft.epochs,
                pct(r.verification.int_acc)
            );
        }
        let _ = writeln!(
            s,
            "- exported model: fake-quant vs integer path: {} class mismatches, {} samples with any per-layer difference (of {})\n",
            r.verification.class_mismatches, r.verification.layer_mismatches, r.verification.samples
        );
        let _ = writeln!(
            s,
            "| layer | format | w scale | act clip | M | S | acc bits |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|");
        for (i, l) in r.layers.iter().enumerate() {
            let opt = |v: Option<String>| v.unwrap_or_else(|| "–".into());
            let _ = writeln!(
                s,
                "| {i} | {} | {:.4e} | {} | {} | {} | {} |",
                l.format,
                l.w_scale,
                opt(l.act_clip.map(|c| format!("{c:.4}"))),
                match l.requant_channels {
                    Some(n) => format!("per channel ({n})"),
                    None => opt(l.requant_m.map(|m| m.to_string())),
                },
                match l.requant_channels {
                    Some(_) => "per channel".into(),
                    None => opt(l.requant_s.map(|m| m.to_string())),
                },
                l.acc_width
            );
        }
        s
    }

    /// Write `report.json` and `report.md` into `dir` (which must exist).
    pub fn write(&self, dir: &Path) -> Result<(), QatError> {
        write_text(
            dir,
            "report.json",
            &(serde_json::to_string_pretty(self)? + "\n"),
        )?;
        write_text(dir, "report.md", &self.markdown())
    }
}

/// What a sweep table is about (its heading and settings line).
#[derive(Debug, Clone, Copy)]
pub struct SweepSetup<'a> {
    pub dataset: &'a str,
    pub model: &'a str,
    pub data: &'a Dataset,
    pub fp: &'a TrainConfig,
    pub qat: &'a TrainConfig,
    pub q: &'a QatConfig,
    pub bits: &'a [u32],
}

/// `sweep.md`: one row per format family, one column per width, integer-path accuracy.
pub fn sweep_markdown(setup: &SweepSetup, sw: &Sweep) -> String {
    let SweepSetup {
        dataset,
        model,
        data,
        fp,
        qat,
        q,
        bits,
    } = *setup;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## {dataset} / {model}: test accuracy (%), {} train / {} test samples, act {} bits\n",
        data.train.len(),
        data.test.len(),
        q.act_bits
    );
    let _ = writeln!(
        s,
        "FP: {} epochs Adam lr {:.0e}; QAT: {} epochs from the FP model, lr {:.0e} ×0.1 every {} epochs; first/last layer: {}/{}; integer-path accuracy.\n",
        fp.epochs,
        fp.lr,
        qat.epochs,
        qat.lr,
        qat.lr_step,
        q.first_layer.map_or("same".into(), |f| f.label()),
        q.last_layer.map_or("same".into(), |f| f.label()),
    );
    let head: Vec<String> = bits.iter().map(|b| format!("{b} bit")).collect();
    let _ = writeln!(s, "| format | {} |", head.join(" | "));
    let _ = writeln!(s, "|---|{}", "---|".repeat(bits.len()));
    let _ = writeln!(
        s,
        "| FP32 | {} |",
        vec![pct(sw.fp_test_acc); bits.len()].join(" | ")
    );
    let _ = writeln!(
        s,
        "| FP32 + same fine-tuning | {} |",
        vec![pct(sw.fp_continued_acc); bits.len()].join(" | ")
    );
    for kind in ["uniform", "pot", "apot"] {
        let row: Vec<String> = bits
            .iter()
            .map(|b| {
                sw.cells
                    .iter()
                    .find(|c| c.format == format!("{kind}:{b}"))
                    .map_or("–".into(), |c| pct(c.test_acc))
            })
            .collect();
        let _ = writeln!(s, "| {kind} | {} |", row.join(" | "));
    }
    s
}

/// Write `sweep.md` (the given text) and `sweep.json` into `dir`, creating it.
pub fn write_sweep(dir: &Path, markdown: &str, sw: &Sweep) -> Result<(), QatError> {
    std::fs::create_dir_all(dir).map_err(|source| QatError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    write_text(dir, "sweep.md", markdown)?;
    write_text(
        dir,
        "sweep.json",
        &(serde_json::to_string_pretty(sw)? + "\n"),
    )
}

fn write_text(dir: &Path, name: &str, text: &str) -> Result<(), QatError> {
    let p = dir.join(name);
    std::fs::write(&p, text).map_err(|source| QatError::Io {
        path: p.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_have_two_decimals() {
        assert_eq!(pct(0.95138), "95.14");
        assert_eq!(pct(1.0), "100.00");
    }

    #[test]
    fn the_architecture_line_names_every_layer() {
        use crate::model::arch::{CnnSpec, ConvStage, Padding};
        let spec = CnnSpec {
            channels: vec![8],
            stage: ConvStage {
                k: 5,
                stride: 2,
                padding: Padding::Same,
                pool: true,
            },
            hidden: vec![32],
        };
        let a = Arch::cnn((1, 8, 8), &spec, 10).unwrap();
        assert_eq!(
            arch_text(&a),
            "conv 1→8 5×5 stride 2 pad 2 (8×8 → 4×4) + pool, dense 32→32, dense 32→10"
        );
    }
}
