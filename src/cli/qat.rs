//! `potmac qat`: float pre-training, quantization-aware fine-tuning, integer export and
//! format sweeps on the digits and Fashion-MNIST data sets.

use crate::qat::data::{self, Dataset};
use crate::qat::optim::OptimizerKind;
use crate::qat::pipeline::{
    build_arch, finetune, pretrain, sweep, verify, ModelKind, Sweep, Verification,
};
use crate::qat::quantizer::{ClipRule, FormatSpec};
use crate::qat::train::{evaluate, EpochLog, QatConfig, TrainConfig};
use crate::qat::{export::write_export, integer::IntModel};
use anyhow::{Context, Result};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Data set choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
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
    #[arg(long, default_value = "pot:4")]
    pub weights: String,
    /// Format of the first layer (default: --weights).
    #[arg(long)]
    pub first_layer: Option<String>,
    /// Format of the last layer, e.g. uniform:8 for the paper's "4L/8U" (default: --weights).
    #[arg(long)]
    pub last_layer: Option<String>,
    /// Unsigned activation bits (input pixels and every hidden activation).
    #[arg(long, default_value_t = 8)]
    pub act_bits: u32,
    /// QAT fine-tuning epochs [default: digits 15, fashion-mnist 3].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Float pre-training epochs [default: digits 40, fashion-mnist 5].
    #[arg(long)]
    pub fp_epochs: Option<usize>,
    /// Mini-batch size.
    #[arg(long, default_value_t = 64)]
    pub batch: usize,
    /// Float pre-training learning rate (Adam).
    #[arg(long, default_value_t = 1e-3)]
    pub fp_lr: f32,
    /// QAT optimiser (the paper uses SGD with momentum 0.9).
    #[arg(long, value_enum, default_value = "adam")]
    pub optimizer: OptArg,
    /// QAT learning rate.
    #[arg(long, default_value_t = 1e-4)]
    pub lr: f32,
    /// Multiply the QAT learning rate by 0.1 every this many epochs (0 = constant).
    #[arg(long, default_value_t = 5)]
    pub lr_step: usize,
    /// Pruning factor: normalised |w| below PF × smallest level → 0 (formats with a zero).
    #[arg(long, default_value_t = 0.0)]
    pub prune: f64,
    /// Weight clipping rule.
    #[arg(long, value_enum, default_value = "auto")]
    pub weight_clip: ClipArg,
    /// Percentile of post-ReLU activations used as the activation clip.
    #[arg(long, default_value_t = 99.99)]
    pub act_percentile: f64,
    /// MLP hidden widths.
    #[arg(long, value_delimiter = ',', default_value = "128,64")]
    pub hidden: Vec<usize>,
    /// CNN channels per conv stage.
    #[arg(long, value_delimiter = ',', default_value = "8,16")]
    pub channels: Vec<usize>,
    /// Seed of initialisation and batch order.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory with the Fashion-MNIST idx.gz files [default: /usr/share/datasets/fashion-mnist].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Use only the first N training samples.
    #[arg(long)]
    pub train_limit: Option<usize>,
    /// Use only the first N test samples.
    #[arg(long)]
    pub test_limit: Option<usize>,
    /// Test samples exported as golden vectors.
    #[arg(long, default_value_t = 8)]
    pub golden_samples: usize,
    /// Output directory [default: hdl_out/qat/<dataset>_<model>_<weights> or _sweep].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Train FP once, then fine-tune uniform, pot and apot at --sweep-bits; print one table.
    #[arg(long)]
    pub sweep: bool,
    /// Widths of the sweep.
    #[arg(long, value_delimiter = ',', default_value = "3,4,5")]
    pub sweep_bits: Vec<u32>,
}

/// `report.json`.
#[derive(Debug, Serialize)]
struct Report<'a> {
    dataset: DatasetArg,
    model: &'a str,
    arch: &'a crate::qat::arch::Arch,
    train_samples: usize,
    test_samples: usize,
    fp: TrainConfig,
    qat_train: TrainConfig,
    qat: &'a QatConfig,
    fp_test_acc: f64,
    history: Vec<EpochLog>,
    verification: Verification,
    layers: Vec<LayerSummary>,
}

#[derive(Debug, Serialize)]
struct LayerSummary {
    format: String,
    w_scale: f64,
    clip_alpha: f64,
    act_clip: Option<f32>,
    requant_m: Option<i64>,
    requant_s: Option<u32>,
    acc_width: u32,
    zero_weights: usize,
    weights: usize,
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

/// Per-epoch progress on stderr (wall-clock figures go only here, never into reports).
struct Progress {
    last: std::time::Instant,
    train_samples: usize,
}

impl Progress {
    fn new(train_samples: usize) -> Self {
        Self {
            last: std::time::Instant::now(),
            train_samples,
        }
    }

    fn line(&mut self, tag: &str, l: &EpochLog) {
        let dt = self.last.elapsed().as_secs_f64();
        self.last = std::time::Instant::now();
        eprintln!(
            "[{tag}] epoch {:>3}  lr {:.1e}  loss {:.4}  train {:.2}%  test {:.2}%  ({:.2} s, {:.0} samples/s incl. test eval)",
            l.epoch,
            l.lr,
            l.loss,
            100.0 * l.train_acc,
            100.0 * l.test_acc,
            dt,
            self.train_samples as f64 / dt.max(1e-9)
        );
    }
}

fn pct(x: f64) -> String {
    format!("{:.2}", 100.0 * x)
}

/// Run `potmac qat`.
pub fn run(args: &QatArgs) -> Result<()> {
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
    let parse = |s: &Option<String>| s.as_deref().map(FormatSpec::parse).transpose();
    let qcfg = QatConfig {
        weights: FormatSpec::parse(&args.weights)?,
        first_layer: parse(&args.first_layer)?,
        last_layer: parse(&args.last_layer)?,
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
    eprintln!(
        "qat: {dataset_name} ({} train / {} test), {model_name}, act {} bits",
        data.train.len(),
        data.test.len(),
        args.act_bits
    );
    let mut prog = Progress::new(data.train.len());
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
        let md = sweep_markdown(
            dataset_name,
            model_name,
            &data,
            &fp_cfg,
            &qat_cfg,
            &qcfg,
            &args.sweep_bits,
            &s,
        );
        print!("{md}");
        std::fs::create_dir_all(&out).with_context(|| out.display().to_string())?;
        std::fs::write(out.join("sweep.md"), &md)?;
        std::fs::write(
            out.join("sweep.json"),
            serde_json::to_string_pretty(&s)? + "\n",
        )?;
        eprintln!("wrote {}", out.join("sweep.md").display());
        return Ok(());
    }

    let (net, q, qat_logs) = finetune(&fp, &data, &qcfg, &qat_cfg, &mut |l| prog.line("qat", l))?;
    history.extend(qat_logs);
    let im = IntModel::from_network(&net, &q)?;
    let v = verify(&net, &im, &data.test);
    anyhow::ensure!(
        v.layer_mismatches == 0,
        "integer path disagrees with the fake-quant path on {} samples",
        v.layer_mismatches
    );
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "hdl_out/qat/{dataset_name}_{model_name}_{}",
            qcfg.weights.label().replace(':', "-")
        ))
    });
    write_export(&out, &im, &data.test.x, &data.test.y, args.golden_samples)?;
    let layers = im
        .layers
        .iter()
        .enumerate()
        .map(|(l, il)| LayerSummary {
            format: il.format.label(),
            w_scale: il.w_scale,
            clip_alpha: q.layers[l].alpha,
            act_clip: q.act_clip.get(l).copied(),
            requant_m: il.requant.map(|r| r.m),
            requant_s: il.requant.map(|r| r.s),
            acc_width: il.acc_width,
            zero_weights: il.weight_values().iter().filter(|&&v| v == 0).count(),
            weights: il.codes.len(),
        })
        .collect();
    let report = Report {
        dataset: args.dataset,
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
        layers,
    };
    let md = report_markdown(&report);
    write_text(
        &out,
        "report.json",
        &(serde_json::to_string_pretty(&report)? + "\n"),
    )?;
    write_text(&out, "report.md", &md)?;
    println!(
        "{dataset_name} {model_name} {}: FP {}%, QAT (integer path) {}%, fake-quant/integer class mismatches {}; wrote {}",
        qcfg.weights.label(),
        pct(fp_acc),
        pct(report.verification.int_acc),
        report.verification.class_mismatches,
        out.display()
    );
    Ok(())
}

fn write_text(dir: &Path, name: &str, text: &str) -> Result<()> {
    std::fs::write(dir.join(name), text).with_context(|| dir.join(name).display().to_string())
}

fn report_markdown(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# QAT report: {:?} {}, {}\n",
        r.dataset,
        r.model,
        r.qat.weights.label()
    );
    let _ = writeln!(
        s,
        "- samples: {} train / {} test",
        r.train_samples, r.test_samples
    );
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
            opt(l.requant_m.map(|m| m.to_string())),
            opt(l.requant_s.map(|m| m.to_string())),
            l.acc_width,
            l.zero_weights,
            l.weights
        );
    }
    let _ = writeln!(
        s,
        "\n| phase | epoch | lr | loss | train % | test % |\n|---|---|---|---|---|---|"
    );
    for h in &r.history {
        let _ = writeln!(
            s,
            "| {} | {} | {:.1e} | {:.4} | {} | {} |",
            h.phase,
            h.epoch,
            h.lr,
            h.loss,
            pct(h.train_acc),
            pct(h.test_acc)
        );
    }
    s
}

#[allow(clippy::too_many_arguments)]
fn sweep_markdown(
    dataset: &str,
    model: &str,
    data: &Dataset,
    fp: &TrainConfig,
    qat: &TrainConfig,
    q: &QatConfig,
    bits: &[u32],
    sw: &Sweep,
) -> String {
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
