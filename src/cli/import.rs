//! `potmac import WEIGHTS --arch mlp:784,128,64,10 --weights pot:4 --dataset ...`: float
//! weights from PyTorch (safetensors or .npy), post-training quantization with activation
//! calibration on the training data, optional QAT fine-tuning, and the same integer export
//! `potmac qat` writes. The pipeline is [`crate::flow::import::run`].

use super::common::at_least_one;
use super::qat_flags::{weight_format, DatasetArg, TrainArgs};
use super::ui::Ui;
use super::Verdict;
use crate::flow::import::{self as flow, ImportOpts};
use crate::quant::spec::FormatSpec;
use crate::train::import::ArchSpec;
use crate::train::optim::OptimizerKind;
use crate::train::report::pct;
use crate::train::settings::ACT_MOMENTUM;
use crate::train::train::{QatConfig, TrainConfig};
use anyhow::Result;
use std::path::PathBuf;

/// Fine-tuning defaults of import, which has no recipe: the fast recipe's QAT schedule.
const FINE_TUNE_LR: f32 = 1e-4;
const FINE_TUNE_LR_STEP: usize = 5;

/// Arguments of `potmac import`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// An .onnx model, a .safetensors file, or .npy files named <tensor>.npy (e.g.
    /// fc1.weight.npy), or a folder of them.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Architecture: mlp:IN,H1,...,CLASSES, or cnn:C1,C2,... (3x3 conv + ReLU + 2x2 max-pool
    /// per entry, then one dense layer) with optional :kernel=1|3|5, :stride=1|2,
    /// :padding=same|none, :pool=yes|no, :hidden=H1,... (dense layers before the classes), as
    /// the flags of `qat --model cnn`; in PyTorch's layouts. Required for safetensors and
    /// .npy weights; refused for ONNX, whose graph gives the architecture.
    #[arg(long, value_parser = arch_spec)]
    pub arch: Option<ArchSpec>,
    /// Layer tensor prefixes in order, e.g. fc1,fc2,fc3 [default: the *.weight prefixes in
    /// natural order]; not for ONNX.
    #[arg(long, value_delimiter = ',')]
    pub layers: Option<Vec<String>>,
    /// The network was trained on (x - MEAN) / STD of pixels in [0, 1] (e.g. PyTorch's
    /// Normalize((0.2860,), (0.3530,)) is 0.2860,0.3530): folded into the first layer.
    #[arg(long, value_name = "MEAN,STD", value_parser = input_norm)]
    pub input_norm: Option<(f64, f64)>,
    /// Weight format of every layer: uniform:N, pot:N, pot:N:none, apot:N (an ONNX layer whose
    /// weights are already 0 or ±2^k on one scale keeps its own pot format).
    #[arg(long, default_value = "pot:4", value_parser = weight_format)]
    pub weights: FormatSpec,
    /// Data set for calibration, fine-tuning and the accuracies (no default, unlike `qat`:
    /// it must be the one the weights were trained on).
    #[arg(long, value_enum)]
    pub dataset: DatasetArg,
    #[command(flatten)]
    pub train: TrainArgs,
    /// Training samples whose post-ReLU percentile sets each activation clip.
    #[arg(long, default_value_t = 512, value_parser = at_least_one::<usize>)]
    pub calibration_samples: usize,
    /// QAT fine-tuning epochs after the post-training quantization (0 = none).
    #[arg(long, default_value_t = 0)]
    pub fine_tune: usize,
    /// Output directory (the export `potmac qat` writes).
    #[arg(long)]
    pub out: PathBuf,
}

fn arch_spec(s: &str) -> Result<ArchSpec, String> {
    ArchSpec::parse(s).map_err(|e| match e {
        crate::train::QatError::Config(m) => m,
        other => other.to_string(),
    })
}

fn input_norm(s: &str) -> Result<(f64, f64), String> {
    let bad = || format!("`{s}` is not MEAN,STD (two numbers, STD positive), e.g. 0.2860,0.3530");
    let (m, d) = s.split_once(',').ok_or_else(bad)?;
    let (m, d): (f64, f64) = (
        m.trim().parse().map_err(|_| bad())?,
        d.trim().parse().map_err(|_| bad())?,
    );
    if m.is_finite() && d.is_finite() && d > 0.0 {
        Ok((m, d))
    } else {
        Err(bad())
    }
}

impl Args {
    /// The options of [`crate::flow::import::run`].
    pub fn opts(&self) -> ImportOpts {
        let t = &self.train;
        ImportOpts {
            files: self.files.clone(),
            arch: self.arch.clone(),
            layers: self.layers.clone(),
            input_norm: self.input_norm,
            q: QatConfig {
                weights: self.weights,
                first_layer: t.first_layer,
                last_layer: t.last_layer,
                act_bits: t.act_bits,
                prune: 0.0,
                clip: None,
                act_percentile: t.act_percentile,
                act_momentum: ACT_MOMENTUM,
            },
            data: t.data(self.dataset.set()),
            calibration_samples: self.calibration_samples,
            fine_tune: (self.fine_tune > 0).then(|| TrainConfig {
                epochs: self.fine_tune,
                batch: t.batch,
                lr: t.lr.unwrap_or(FINE_TUNE_LR),
                lr_step: t.lr_step.unwrap_or(FINE_TUNE_LR_STEP),
                lr_decay: 0.1,
                optimizer: t.optimizer().unwrap_or_else(OptimizerKind::adam),
                seed: t.seed,
                patience: 0,
                plateau_drops: 0,
            }),
            threads: Some(t.threads()),
            golden_samples: t.golden_samples,
            out: self.out.clone(),
        }
    }
}

/// Run `potmac import`: a disagreement of the integer path with the fake-quant path is a
/// verification failure (exit 1); bad files, names or shapes are input errors (exit 2) and
/// write nothing.
pub fn run(args: &Args, ui: &Ui) -> Result<Verdict> {
    let r = flow::run(&args.opts())?;
    for w in &r.warnings {
        ui.warn(w);
    }
    let (v, ptq) = (&r.verification, &r.ptq);
    let tuned = if args.fine_tune > 0 {
        format!(", after {} QAT epochs {}%", args.fine_tune, pct(v.int_acc))
    } else {
        String::new()
    };
    writeln!(
        ui,
        "import {} {}: float {}%, {} (integer path) {}%{tuned}; fake-quant/integer class mismatches {}; wrote {}",
        args.dataset.set().name(),
        args.weights.label(),
        pct(r.fp_test_acc),
        r.quantized,
        pct(ptq.int_acc),
        v.class_mismatches,
        args.out.display()
    )?;
    if !r.agrees() {
        writeln!(
            ui,
            "FAIL the integer path disagrees with the fake-quant path on {} test samples",
            v.layer_mismatches.max(ptq.layer_mismatches)
        )?;
        return Ok(Verdict::Fail);
    }
    Ok(Verdict::Pass)
}
