//! `potmac qat`: float pre-training, quantization-aware fine-tuning, integer export and
//! format sweeps on the digits and Fashion-MNIST data sets.

use super::common::at_least_one;
use super::ui::Ui;
use super::Verdict;
use crate::qat::data::{self, Dataset};
use crate::qat::narrow::{self, Narrow};
use crate::qat::optim::OptimizerKind;
use crate::qat::pipeline::{build_arch, finetune, pretrain, sweep, verify, ModelKind};
use crate::qat::quantizer::{ClipRule, FormatKind, FormatSpec, ZeroSpec};
use crate::qat::report::{pct, sweep_markdown, write_sweep, LayerSummary, Report, SweepSetup};
use crate::qat::train::{evaluate, EpochLog, QatConfig, TrainConfig};
use crate::qat::{export::write_export, integer::IntModel, QatError};
use anyhow::Result;
use std::path::PathBuf;

/// Data set choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DatasetArg {
    /// UCI handwritten digits, 8×8 (embedded).
    Digits,
    /// Fashion-MNIST, 28×28 (Debian package dataset-fashion-mnist).
    FashionMnist,
}

/// Model choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelArg {
    Mlp,
    Cnn,
}

/// Optimiser choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OptArg {
    Sgd,
    Adam,
}

/// Weight clipping rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ClipArg {
    /// max|W| for uniform and PoT, MSE-calibrated for APoT.
    Auto,
    Max,
    Mse,
}

/// Arguments of `potmac qat`.
#[derive(Debug, Clone, clap::Args)]
pub struct QatArgs {
    /// Data set.
    #[arg(long, value_enum, default_value = "digits")]
    pub dataset: DatasetArg,
    /// Model: MLP (--hidden) or small CNN (--channels).
    #[arg(long, value_enum, default_value = "mlp")]
    pub model: ModelArg,
    /// Weight format of every layer: uniform:N, pot:N, pot:N:none, apot:N.
    #[arg(long, default_value = "pot:4", value_parser = weight_format)]
    pub weights: FormatSpec,
    /// Format of the first layer (default: --weights).
    #[arg(long, value_parser = weight_format)]
    pub first_layer: Option<FormatSpec>,
    /// Format of the last layer, e.g. uniform:8 for the paper's "4L/8U" (default: --weights).
    #[arg(long, value_parser = weight_format)]
    pub last_layer: Option<FormatSpec>,
    /// Unsigned activation bits (input pixels and every hidden activation).
    #[arg(long, default_value_t = 8, value_parser = act_bits)]
    pub act_bits: u32,
    /// QAT fine-tuning epochs [default: digits 15, fashion-mnist 3].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Float pre-training epochs [default: digits 40, fashion-mnist 5].
    #[arg(long)]
    pub fp_epochs: Option<usize>,
    /// Mini-batch size.
    #[arg(long, default_value_t = 64, value_parser = at_least_one::<usize>)]
    pub batch: usize,
    /// Float pre-training learning rate (Adam).
    #[arg(long, default_value_t = 1e-3, value_parser = positive)]
    pub fp_lr: f32,
    /// QAT optimiser (the paper uses SGD with momentum 0.9).
    #[arg(long, value_enum, default_value = "adam")]
    pub optimizer: OptArg,
    /// QAT learning rate.
    #[arg(long, default_value_t = 1e-4, value_parser = positive)]
    pub lr: f32,
    /// Multiply the QAT learning rate by 0.1 every this many epochs (0 = constant).
    #[arg(long, default_value_t = 5)]
    pub lr_step: usize,
    /// Pruning factor: normalised |w| below PF × smallest level → 0 (formats with a zero).
    #[arg(long, default_value_t = 0.0, value_parser = non_negative)]
    pub prune: f64,
    /// Weight clipping rule.
    #[arg(long, value_enum, default_value = "auto")]
    pub weight_clip: ClipArg,
    /// Percentile of post-ReLU activations used as the activation clip.
    #[arg(long, default_value_t = 99.99, value_parser = percentile)]
    pub act_percentile: f64,
    /// MLP hidden widths (each 1..=4096).
    #[arg(long, value_delimiter = ',', default_value = "128,64", value_parser = layer_width)]
    pub hidden: Vec<usize>,
    /// CNN channels per conv stage (each 1..=4096).
    #[arg(long, value_delimiter = ',', default_value = "8,16", value_parser = layer_width)]
    pub channels: Vec<usize>,
    /// Seed of initialisation and batch order.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory with the Fashion-MNIST idx.gz files [default: /usr/share/datasets/fashion-mnist].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Use only the first N training samples.
    #[arg(long, value_parser = at_least_one::<usize>)]
    pub train_limit: Option<usize>,
    /// Use only the first N test samples.
    #[arg(long, value_parser = at_least_one::<usize>)]
    pub test_limit: Option<usize>,
    /// Test samples exported as golden vectors (at least 1: `potmac infer --per-layer` runs them).
    #[arg(long, default_value_t = 8, value_parser = at_least_one::<usize>)]
    pub golden_samples: usize,
    /// Output directory [default: hdl_out/qat/<dataset>_<model>_<weights> or _sweep].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also run the test set on a narrow accumulator, BITS:saturate or BITS:wrap (e.g.
    /// 16:saturate): overflow counts and accuracy go to report.json (`narrow_accumulator`).
    #[arg(long, value_parser = narrow_acc)]
    pub accumulator: Option<Narrow>,
    /// Train FP once, then fine-tune uniform, pot and apot at --sweep-bits; print one table.
    #[arg(long)]
    pub sweep: bool,
    /// Widths of the sweep (each one every format supports).
    #[arg(long, value_delimiter = ',', default_value = "3,4,5", value_parser = sweep_width)]
    pub sweep_bits: Vec<u32>,
}

/// `--weights`, `--first-layer`, `--last-layer`: a format the code tables support.
fn weight_format(s: &str) -> Result<FormatSpec, String> {
    FormatSpec::parse(s).map_err(|e| match e {
        QatError::Config(m) => m,
        other => other.to_string(),
    })
}

/// Widest hidden layer or convolution stage (`--hidden`, `--channels`): wider ones take
/// gigabytes of memory before the first epoch.
const MAX_LAYER_WIDTH: usize = 4096;

/// `--hidden`, `--channels`: one width in 1..=[`MAX_LAYER_WIDTH`].
fn layer_width(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_LAYER_WIDTH).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number from 1 to {MAX_LAYER_WIDTH}, got `{s}`"
        )),
    }
}

/// `--accumulator`: `BITS:saturate` or `BITS:wrap`.
fn narrow_acc(s: &str) -> Result<Narrow, String> {
    Narrow::parse(s)
}

/// `--act-bits`: a width unsigned activations support.
fn act_bits(s: &str) -> Result<u32, String> {
    let bits: u32 = s.parse().map_err(|e| format!("`{s}`: {e}"))?;
    crate::quant::ActFormat::new(bits, false).map_err(|e| e.to_string())?;
    Ok(bits)
}

/// `--sweep-bits`: a width that uniform, pot and apot all support.
fn sweep_width(s: &str) -> Result<u32, String> {
    let bits: u32 = s.parse().map_err(|e| format!("`{s}`: {e}"))?;
    for kind in [FormatKind::Uniform, FormatKind::Pot, FormatKind::Apot] {
        let spec = FormatSpec {
            kind,
            bits,
            zero: ZeroSpec::Code,
        };
        spec.format()
            .map_err(|e| format!("every swept format needs the width: {e}"))?;
    }
    Ok(bits)
}

/// A learning rate: finite and above zero.
fn positive(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("expected a number above 0, got `{s}`")),
    }
}

/// A pruning factor: finite and at least zero.
fn non_negative(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("expected a number of at least 0, got `{s}`")),
    }
}

/// A percentile in (0, 100].
fn percentile(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x > 0.0 && x <= 100.0 => Ok(x),
        _ => Err(format!("expected a percentile in (0, 100], got `{s}`")),
    }
}

/// Checks of flag combinations that no single flag's parser can make, before any data is
/// read: every convolution stage halves the image (3×3, pad 1, 2×2 pooling), so a CNN can
/// have at most log2(side) stages.
fn check_args(args: &QatArgs) -> Result<()> {
    if args.sweep && args.accumulator.is_some() {
        anyhow::bail!("--accumulator: give it to single runs, not with --sweep");
    }
    if args.model == ModelArg::Cnn {
        let side: usize = match args.dataset {
            DatasetArg::Digits => 8,
            DatasetArg::FashionMnist => 28,
        };
        let most = (usize::BITS - 1 - side.leading_zeros()) as usize;
        if args.channels.len() > most {
            anyhow::bail!(
                "--channels: {} stages halve the {side}x{side} images below one pixel; \
                 at most {most} stages are possible, got `{}`",
                args.channels.len(),
                args.channels
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            );
        }
    }
    Ok(())
}

fn load(args: &QatArgs) -> Result<Dataset> {
    let mut d = match args.dataset {
        DatasetArg::Digits => data::digits()?,
        DatasetArg::FashionMnist => data::fashion_mnist(args.data_dir.as_deref())?,
    };
    let per = d.per_sample();
    if let Some(n) = args.train_limit {
        d.train.truncate(n, per);
    }
    if let Some(n) = args.test_limit {
        d.test.truncate(n, per);
    }
    anyhow::ensure!(
        !d.train.is_empty() && !d.test.is_empty(),
        "empty train or test split"
    );
    Ok(d)
}

/// One note per epoch on stderr (wall-clock figures go only here, never into reports).
struct EpochNotes<'a> {
    ui: &'a Ui,
    last: std::time::Instant,
    train_samples: usize,
}

impl<'a> EpochNotes<'a> {
    fn new(ui: &'a Ui, train_samples: usize) -> Self {
        Self {
            ui,
            last: std::time::Instant::now(),
            train_samples,
        }
    }

    fn line(&mut self, tag: &str, l: &EpochLog) {
        let dt = self.last.elapsed().as_secs_f64();
        self.last = std::time::Instant::now();
        self.ui.note(&format!(
            "[{tag}] epoch {:>3}  lr {:.1e}  loss {:.4}  train {:.2}%  test {:.2}%  ({:.2} s, {:.0} samples/s incl. test eval)",
            l.epoch,
            l.lr,
            l.loss,
            100.0 * l.train_acc,
            100.0 * l.test_acc,
            dt,
            self.train_samples as f64 / dt.max(1e-9)
        ));
    }
}

/// Run `potmac qat`. A disagreement of the integer-only path with the fake-quant path is a
/// verification failure ([`Verdict::Fail`], exit code 1); the files are still written so the
/// disagreement can be inspected.
pub fn run(args: &QatArgs, ui: &Ui) -> Result<Verdict> {
    check_args(args)?;
    let data = load(args)?;
    let digits = args.dataset == DatasetArg::Digits;
    let model = match args.model {
        ModelArg::Mlp => ModelKind::Mlp,
        ModelArg::Cnn => ModelKind::Cnn,
    };
    let model_name = match model {
        ModelKind::Mlp => "mlp",
        ModelKind::Cnn => "cnn",
    };
    let dataset_name = if digits { "digits" } else { "fashion-mnist" };
    let qcfg = QatConfig {
        weights: args.weights,
        first_layer: args.first_layer,
        last_layer: args.last_layer,
        act_bits: args.act_bits,
        prune: args.prune,
        clip: match args.weight_clip {
            ClipArg::Auto => None,
            ClipArg::Max => Some(ClipRule::Max),
            ClipArg::Mse => Some(ClipRule::Mse),
        },
        act_percentile: args.act_percentile,
        act_momentum: 0.9,
    };
    let fp_cfg = TrainConfig {
        epochs: args.fp_epochs.unwrap_or(if digits { 40 } else { 5 }),
        batch: args.batch,
        lr: args.fp_lr,
        lr_step: 0,
        lr_decay: 0.1,
        optimizer: OptimizerKind::adam(),
        seed: args.seed,
    };
    let qat_cfg = TrainConfig {
        epochs: args.epochs.unwrap_or(if digits { 15 } else { 3 }),
        lr: args.lr,
        lr_step: args.lr_step,
        optimizer: match args.optimizer {
            OptArg::Sgd => OptimizerKind::sgd(),
            OptArg::Adam => OptimizerKind::adam(),
        },
        seed: args.seed.wrapping_add(1),
        ..fp_cfg
    };
    let arch = build_arch(&data, model, &args.hidden, &args.channels);
    ui.note(&format!(
        "qat: {dataset_name} ({} train / {} test), {model_name}, act {} bits",
        data.train.len(),
        data.test.len(),
        args.act_bits
    ));
    let mut prog = EpochNotes::new(ui, data.train.len());
    let (fp, mut history) = pretrain(&data, arch, &fp_cfg, &mut |l| prog.line("fp", l))?;
    let fp_acc = evaluate(&fp, None, &data.test)?;

    if args.sweep {
        let out = args.out.clone().unwrap_or_else(|| {
            PathBuf::from(format!("hdl_out/qat/{dataset_name}_{model_name}_sweep"))
        });
        let s = sweep(
            &fp,
            &data,
            &qcfg,
            &qat_cfg,
            &args.sweep_bits,
            &mut |tag, l| prog.line(tag, l),
        )?;
        let setup = SweepSetup {
            dataset: dataset_name,
            model: model_name,
            data: &data,
            fp: &fp_cfg,
            qat: &qat_cfg,
            q: &qcfg,
            bits: &args.sweep_bits,
        };
        let md = sweep_markdown(&setup, &s);
        write!(ui, "{md}")?;
        write_sweep(&out, &md, &s)?;
        ui.note(&format!("wrote {}", out.join("sweep.md").display()));
        let mut verdict = Verdict::Pass;
        for c in s.cells.iter().filter(|c| c.layer_mismatches > 0) {
            verdict = Verdict::Fail;
            writeln!(
                ui,
                "FAIL {}: the integer path disagrees with the fake-quant path on {} of {} test samples",
                c.format,
                c.layer_mismatches,
                data.test.len()
            )?;
        }
        return Ok(verdict);
    }

    let (net, q, qat_logs) = finetune(&fp, &data, &qcfg, &qat_cfg, &mut |l| prog.line("qat", l))?;
    history.extend(qat_logs);
    let im = IntModel::from_network(&net, &q)?;
    let v = verify(&net, &im, &data.test);
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "hdl_out/qat/{dataset_name}_{model_name}_{}",
            qcfg.weights.label().replace(':', "-")
        ))
    });
    write_export(&out, &im, &data.test.x, &data.test.y, args.golden_samples)?;
    let report = Report {
        dataset: dataset_name,
        model: model_name,
        arch: &net.arch,
        train_samples: data.train.len(),
        test_samples: data.test.len(),
        fp: fp_cfg,
        qat_train: qat_cfg,
        qat: &qcfg,
        fp_test_acc: fp_acc,
        history,
        verification: v,
        layers: LayerSummary::all(&im, &q),
        narrow_accumulator: args
            .accumulator
            .map(|n| narrow::evaluate(&im, &data.test, n)),
    };
    report.write(&out)?;
    if let Some(n) = &report.narrow_accumulator {
        let overflows: u64 = n.layers.iter().map(|l| l.overflows).sum();
        let steps: u64 = n.layers.iter().map(|l| l.steps).sum();
        writeln!(
            ui,
            "{}-bit accumulator ({}): {overflows} of {steps} accumulation steps overflowed, in {} of {} test samples; accuracy {}% (exact {}%), {} predictions changed",
            n.bits,
            n.overflow,
            n.samples_with_overflow,
            n.samples,
            pct(n.narrow_acc),
            pct(n.exact_acc),
            n.class_changes
        )?;
    }
    writeln!(
        ui,
        "{dataset_name} {model_name} {}: FP {}%, QAT (integer path) {}%, fake-quant/integer class mismatches {}; wrote {}",
        qcfg.weights.label(),
        pct(fp_acc),
        pct(report.verification.int_acc),
        report.verification.class_mismatches,
        out.display()
    )?;
    if !report.verification.agrees() {
        writeln!(
            ui,
            "FAIL the integer path disagrees with the fake-quant path on {} of {} test samples (see {})",
            report.verification.layer_mismatches,
            report.verification.samples,
            out.join("report.md").display()
        )?;
        return Ok(Verdict::Fail);
    }
    Ok(Verdict::Pass)
}
