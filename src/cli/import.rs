//! `potmac import WEIGHTS --arch mlp:784,128,64,10 --weights pot:4 --dataset ...`: float
//! weights from PyTorch (safetensors or .npy), post-training quantization with activation
//! calibration on the training data, optional QAT fine-tuning, and the same integer export
//! `potmac qat` writes.

use super::common::at_least_one;
use super::qat_flags::{act_bits, percentile, positive, weight_format, DatasetArg, OptArg};
use super::ui::Ui;
use super::Verdict;
use crate::model::write::write_export;
use crate::model::IntModel;
use crate::quant::spec::FormatSpec;
use crate::train::data::{self, Dataset};
use crate::train::import::{build_network, read_weights, ArchSpec};
use crate::train::optim::OptimizerKind;
use crate::train::pipeline::verify;
use crate::train::report::{pct, ImportReport, LayerSummary};
use crate::train::train::{evaluate, init_quant, train, QatConfig, TrainConfig};
use anyhow::{Context, Result};
use std::path::PathBuf;

/// Arguments of `potmac import`.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// A .safetensors file, or .npy files named <tensor>.npy (e.g. fc1.weight.npy), or a
    /// folder of them.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Architecture: mlp:IN,H1,...,CLASSES, or cnn:C1,C2,... (3x3 conv + ReLU + 2x2 max-pool
    /// per entry, then one dense layer), in PyTorch's layouts.
    #[arg(long, value_parser = arch_spec)]
    pub arch: ArchSpec,
    /// Layer tensor prefixes in order, e.g. fc1,fc2,fc3 [default: the *.weight prefixes in
    /// natural order].
    #[arg(long, value_delimiter = ',')]
    pub layers: Option<Vec<String>>,
    /// Weight format of every layer: uniform:N, pot:N, pot:N:none, apot:N.
    #[arg(long, default_value = "pot:4", value_parser = weight_format)]
    pub weights: FormatSpec,
    /// Format of the first layer (default: --weights).
    #[arg(long, value_parser = weight_format)]
    pub first_layer: Option<FormatSpec>,
    /// Format of the last layer (default: --weights).
    #[arg(long, value_parser = weight_format)]
    pub last_layer: Option<FormatSpec>,
    /// Data set for calibration, fine-tuning and the accuracies.
    #[arg(long, value_enum)]
    pub dataset: DatasetArg,
    /// Directory with the Fashion-MNIST idx.gz files [default: /usr/share/datasets/fashion-mnist].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Unsigned activation bits.
    #[arg(long, default_value_t = 8, value_parser = act_bits)]
    pub act_bits: u32,
    /// Training samples whose post-ReLU percentile sets each activation clip.
    #[arg(long, default_value_t = 512, value_parser = at_least_one::<usize>)]
    pub calibration_samples: usize,
    /// Percentile of post-ReLU activations used as the activation clip.
    #[arg(long, default_value_t = 99.99, value_parser = percentile)]
    pub act_percentile: f64,
    /// QAT fine-tuning epochs after the post-training quantization (0 = none).
    #[arg(long, default_value_t = 0)]
    pub fine_tune: usize,
    /// Fine-tuning optimiser.
    #[arg(long, value_enum, default_value = "adam")]
    pub optimizer: OptArg,
    /// Fine-tuning learning rate.
    #[arg(long, default_value_t = 1e-4, value_parser = positive)]
    pub lr: f32,
    /// Multiply the fine-tuning learning rate by 0.1 every this many epochs (0 = constant).
    #[arg(long, default_value_t = 5)]
    pub lr_step: usize,
    /// Fine-tuning mini-batch size.
    #[arg(long, default_value_t = 64, value_parser = at_least_one::<usize>)]
    pub batch: usize,
    /// Seed of the fine-tuning batch order.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Use only the first N training samples.
    #[arg(long, value_parser = at_least_one::<usize>)]
    pub train_limit: Option<usize>,
    /// Use only the first N test samples.
    #[arg(long, value_parser = at_least_one::<usize>)]
    pub test_limit: Option<usize>,
    /// Test samples exported as golden vectors.
    #[arg(long, default_value_t = 8, value_parser = at_least_one::<usize>)]
    pub golden_samples: usize,
    /// Worker threads [default: the available cores].
    #[arg(long, value_parser = at_least_one::<usize>)]
    pub threads: Option<usize>,
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

fn load(args: &Args) -> Result<(Dataset, &'static str)> {
    let set = args.dataset.set();
    let (mut d, name) = (data::load(set, args.data_dir.as_deref())?, set.name());
    let per = d.per_sample();
    if let Some(n) = args.train_limit {
        d.train.truncate(n, per);
    }
    if let Some(n) = args.test_limit {
        d.test.truncate(n, per);
    }
    Ok((d, name))
}

/// Run `potmac import`: a disagreement of the integer path with the fake-quant path is a
/// verification failure (exit 1); bad files, names or shapes are input errors (exit 2) and
/// write nothing.
pub fn run(args: &Args, ui: &Ui) -> Result<Verdict> {
    let weights = read_weights(&args.files)?;
    let tensors = &weights.tensors;
    let (data, dataset) = load(args)?;
    let arch = args.arch.arch(data.shape, data.classes)?;
    let mut net = build_network(arch, tensors, args.layers.as_deref())?;
    super::qat::use_threads(args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    }))?;
    let fp_acc = evaluate(&net, None, &data.test)?;
    ui.note(&format!(
        "import: {} tensors, {} layers; float test accuracy {}%",
        tensors.len(),
        net.arch.layers.len(),
        pct(fp_acc)
    ));
    let qcfg = QatConfig {
        weights: args.weights,
        first_layer: args.first_layer,
        last_layer: args.last_layer,
        act_bits: args.act_bits,
        prune: 0.0,
        clip: None,
        act_percentile: args.act_percentile,
        act_momentum: 0.9,
    };
    let mut q = init_quant(&net, &qcfg, &data.train, args.calibration_samples)?;
    let im = IntModel::from_network(&net, &q)?;
    let ptq = verify(&net, &im, &data.test);
    ui.note(&format!(
        "post-training quantization to {}: integer-path test accuracy {}%",
        args.weights.label(),
        pct(ptq.int_acc)
    ));
    let mut history = Vec::new();
    let mut fine_tune = None;
    let (im, v) = if args.fine_tune > 0 {
        let cfg = TrainConfig {
            epochs: args.fine_tune,
            batch: args.batch,
            lr: args.lr,
            lr_step: args.lr_step,
            lr_decay: 0.1,
            optimizer: match args.optimizer {
                OptArg::Sgd => OptimizerKind::sgd(),
                OptArg::Adam => OptimizerKind::adam(),
            },
            seed: args.seed,
            patience: 0,
            plateau_drops: 0,
        };
        history = train(&mut net, Some(&mut q), &data, &cfg, "qat", &mut |l| {
            ui.note(&format!(
                "[qat] epoch {:>3}  loss {:.4}  train {:.2}%  test {:.2}%  ({:.2} s)",
                l.epoch,
                l.loss,
                100.0 * l.train_acc,
                100.0 * l.test_acc,
                l.train_secs
            ))
        })?;
        fine_tune = Some(cfg);
        let im = IntModel::from_network(&net, &q)?;
        let v = verify(&net, &im, &data.test);
        (im, v)
    } else {
        (im, ptq.clone())
    };
    write_export(
        &args.out,
        &im,
        args.dataset.set(),
        &data.test.x,
        &data.test.y,
        args.golden_samples,
    )?;
    let report = ImportReport {
        dataset,
        sources: weights.sources,
        tensors: tensors
            .iter()
            .map(|t| (t.name.clone(), t.shape.clone()))
            .collect(),
        arch: &net.arch,
        qat: &qcfg,
        calibration_samples: args.calibration_samples.min(data.train.len()),
        fp_test_acc: fp_acc,
        ptq: ptq.clone(),
        fine_tune,
        history,
        verification: v.clone(),
        layers: LayerSummary::all(&im, &q),
    };
    report
        .write(&args.out)
        .with_context(|| format!("writing the report into {}", args.out.display()))?;
    let tuned = if args.fine_tune > 0 {
        format!(", after {} QAT epochs {}%", args.fine_tune, pct(v.int_acc))
    } else {
        String::new()
    };
    writeln!(
        ui,
        "import {dataset} {}: float {}%, PTQ (integer path) {}%{tuned}; fake-quant/integer class mismatches {}; wrote {}",
        args.weights.label(),
        pct(fp_acc),
        pct(ptq.int_acc),
        v.class_mismatches,
        args.out.display()
    )?;
    if !v.agrees() || !ptq.agrees() {
        writeln!(
            ui,
            "FAIL the integer path disagrees with the fake-quant path on {} test samples",
            v.layer_mismatches.max(ptq.layer_mismatches)
        )?;
        return Ok(Verdict::Fail);
    }
    Ok(Verdict::Pass)
}
