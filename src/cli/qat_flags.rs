//! Flags of `potmac qat` and their value parsers, and [`TrainArgs`], the training flags
//! `potmac qat` and `potmac import` share: one definition each, flattened into both commands.
//! Where the two commands' defaults differ, the help says how and why.

use super::common::at_least_one;
use crate::flow::qat::DataOpts;
use crate::flow::qat::{ModelOpts, QatOpts};
use crate::model::arch::{ConvStage, Padding};
use crate::model::dataset::DataSet;
use crate::model::narrow::Narrow;
use crate::quant::spec::{FormatKind, FormatSpec, ZeroSpec};
use crate::train::optim::OptimizerKind;
use crate::train::pipeline::ModelKind;
use crate::train::quantizer::ClipRule;
use crate::train::recipe::Mixed;
use crate::train::recipe::Recipe;
use crate::train::settings::{
    Request, DEFAULT_ACT_BITS, DEFAULT_ACT_PERCENTILE, DEFAULT_BATCH, DEFAULT_FP_LR, DEFAULT_SEED,
};
use crate::train::QatError;
use std::path::PathBuf;

/// Data set choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DatasetArg {
    /// UCI handwritten digits, 8×8 (embedded).
    Digits,
    /// Fashion-MNIST, 28×28 (Debian package dataset-fashion-mnist).
    FashionMnist,
}

impl DatasetArg {
    /// The data set this names.
    pub fn set(self) -> DataSet {
        match self {
            DatasetArg::Digits => DataSet::Digits,
            DatasetArg::FashionMnist => DataSet::FashionMnist,
        }
    }
}

/// Model choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelArg {
    Mlp,
    Cnn,
}

/// Convolution padding choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PaddingArg {
    /// KERNEL/2 on every side: stride 1 keeps the map's size.
    Same,
    /// nothing added: the map shrinks by KERNEL − 1 before the stride.
    None,
}

/// `--channels` without the flag (keep in step with its `default_value`).
pub const DEFAULT_CHANNELS: [usize; 2] = [8, 16];

/// Hidden widths of `--model mlp` without `--hidden`.
pub const DEFAULT_MLP_HIDDEN: [usize; 2] = [128, 64];

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

/// Recipe choice (see `train::recipe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RecipeArg {
    /// Short runs: FP Adam 40/5 epochs (digits/Fashion-MNIST); QAT Adam lr 1e-4 ×0.1 every 5
    /// epochs, 15/3 epochs; weights pot:4 (with a zero code).
    Fast,
    /// The paper's: FP trained to convergence (Adam until the accuracy on a 10 % validation
    /// split plateaus for 20/5 epochs, twice lowering lr ×0.1 first; cap 300/60 epochs); QAT SGD momentum 0.9, lr 1e-3 ×0.1 every 5 epochs, 15
    /// epochs; weights pot:4:none (no zero code); max|W| range, STE, every layer quantized.
    Paper,
}

/// Arguments of `potmac qat`.
#[derive(Debug, Clone, clap::Args)]
pub struct QatArgs {
    /// Defaults of the training schedule and format; every explicit flag overrides it.
    #[arg(long, value_enum, default_value = "fast")]
    pub recipe: RecipeArg,
    /// Data set.
    #[arg(long, value_enum, default_value = "digits")]
    pub dataset: DatasetArg,
    /// Model: MLP (--hidden) or small CNN (--channels, --kernel, --stride, --padding,
    /// --no-pool, --hidden).
    #[arg(long, value_enum, default_value = "mlp")]
    pub model: ModelArg,
    /// Weight format of every layer: uniform:N, pot:N, pot:N:none, apot:N
    /// [default: fast pot:4, paper pot:4:none].
    #[arg(long, value_parser = weight_format)]
    pub weights: Option<FormatSpec>,
    /// Layer formats in the paper's notation: HIDDEN/LAST or FIRST/HIDDEN/LAST, e.g. 4L/8U
    /// (L = PoT without zero code, U = uniform, A = APoT); --first-layer/--last-layer override
    /// its terms.
    #[arg(long, value_parser = mixed, conflicts_with = "weights")]
    pub mixed: Option<Mixed>,
    #[command(flatten)]
    pub train: TrainArgs,
    /// QAT fine-tuning epochs [default: fast: digits 15, fashion-mnist 3; paper: 15].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Float pre-training epochs; with early stopping the cap [default: fast: digits 40,
    /// fashion-mnist 5; paper: 300, 60].
    #[arg(long)]
    pub fp_epochs: Option<usize>,
    /// Stop float training when the validation accuracy has not improved for this many epochs
    /// (0 = run all --fp-epochs) [default: fast 0, paper: digits 20, fashion-mnist 5].
    #[arg(long)]
    pub fp_patience: Option<usize>,
    /// At a validation plateau, lower the float learning rate ×0.1 this many times before
    /// stopping [default: fast 0, paper 2].
    #[arg(long)]
    pub fp_plateau_drops: Option<usize>,
    /// Fraction of the training data held out as the validation split (0 = none)
    /// [default: fast 0, paper 0.1].
    #[arg(long, value_parser = fraction)]
    pub val_fraction: Option<f64>,
    /// Float pre-training learning rate (Adam).
    #[arg(long, default_value_t = DEFAULT_FP_LR, value_parser = positive)]
    pub fp_lr: f32,
    /// Pruning factor: normalised |w| below PF × smallest level → 0 (formats with a zero).
    #[arg(long, default_value_t = 0.0, value_parser = non_negative)]
    pub prune: f64,
    /// Weight clipping rule.
    #[arg(long, value_enum, default_value = "auto")]
    pub weight_clip: ClipArg,
    /// Hidden dense widths (each 1..=4096): the MLP's layers, or the CNN's dense layers
    /// between the flatten and the classes [default: mlp 128,64; cnn none].
    #[arg(long, value_delimiter = ',', value_parser = layer_width)]
    pub hidden: Option<Vec<usize>>,
    /// CNN channels per conv stage (each 1..=4096).
    #[arg(long, value_delimiter = ',', default_value = "8,16", value_parser = layer_width)]
    pub channels: Vec<usize>,
    /// CNN: kernel size of every convolution, 1, 3 or 5 [default: 3].
    #[arg(long, value_parser = kernel_size)]
    pub kernel: Option<usize>,
    /// CNN: stride of every convolution, 1 or 2 [default: 1].
    #[arg(long, value_parser = conv_stride)]
    pub stride: Option<usize>,
    /// CNN: zero padding of every convolution, same (KERNEL/2 on every side) or none
    /// [default: same].
    #[arg(long, value_enum)]
    pub padding: Option<PaddingArg>,
    /// CNN: no 2×2 max-pool after the convolutions (by default every one is pooled).
    #[arg(long)]
    pub no_pool: bool,
    /// Run everything with seeds S, S+1, …, S+N−1 and report mean ± std; the model of seed S
    /// is exported.
    #[arg(long, default_value_t = 1, value_parser = at_least_one::<usize>)]
    pub seeds: usize,
    /// Output directory [default: hdl_out/qat/<dataset>_<model>_<weights> or _sweep].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also run the test set on a narrow accumulator, BITS:saturate or BITS:wrap (e.g.
    /// 16:saturate): overflow counts and accuracy go to report.json (`narrow_accumulator`).
    #[arg(long)]
    pub accumulator: Option<Narrow>,
    /// Train FP once, then fine-tune uniform, pot and apot at --sweep-bits; print one table.
    #[arg(long)]
    pub sweep: bool,
    /// Widths of the sweep (each one every format supports).
    #[arg(long, value_delimiter = ',', default_value = "3,4,5", value_parser = sweep_width)]
    pub sweep_bits: Vec<u32>,
}

impl QatArgs {
    /// The training request these flags make: the recipe, and every flag given as an override
    /// (flags with a fixed default always override).
    pub fn request(&self) -> Request {
        let t = &self.train;
        Request {
            recipe: match self.recipe {
                RecipeArg::Fast => Recipe::Fast,
                RecipeArg::Paper => Recipe::Paper,
            },
            dataset: self.dataset.set(),
            weights: self.weights,
            mixed: self.mixed,
            first_layer: t.first_layer,
            last_layer: t.last_layer,
            act_bits: Some(t.act_bits),
            prune: Some(self.prune),
            clip: match self.weight_clip {
                ClipArg::Auto => None,
                ClipArg::Max => Some(ClipRule::Max),
                ClipArg::Mse => Some(ClipRule::Mse),
            },
            act_percentile: Some(t.act_percentile),
            epochs: self.epochs,
            fp_epochs: self.fp_epochs,
            fp_patience: self.fp_patience,
            fp_plateau_drops: self.fp_plateau_drops,
            val_fraction: self.val_fraction,
            batch: Some(t.batch),
            fp_lr: Some(self.fp_lr),
            optimizer: t.optimizer(),
            lr: t.lr,
            lr_step: t.lr_step,
            seed: Some(t.seed),
        }
    }

    /// `--hidden`, or the model's default: 128,64 for an MLP, none for a CNN.
    pub fn hidden_widths(&self) -> Vec<usize> {
        match (&self.hidden, self.model) {
            (Some(h), _) => h.clone(),
            (None, ModelArg::Mlp) => DEFAULT_MLP_HIDDEN.to_vec(),
            (None, ModelArg::Cnn) => Vec::new(),
        }
    }

    /// The CNN's convolution stage from `--kernel`, `--stride`, `--padding`, `--no-pool`.
    pub fn stage(&self) -> ConvStage {
        let d = ConvStage::default();
        ConvStage {
            k: self.kernel.unwrap_or(d.k),
            stride: self.stride.unwrap_or(d.stride),
            padding: match self.padding {
                None => d.padding,
                Some(PaddingArg::Same) => Padding::Same,
                Some(PaddingArg::None) => Padding::None,
            },
            pool: !self.no_pool,
        }
    }

    /// The options of [`crate::flow::qat::run`] and [`crate::flow::qat::sweep`].
    pub fn opts(&self) -> QatOpts {
        QatOpts {
            request: self.request(),
            data: self.train.data(self.dataset.set()),
            model: ModelOpts {
                kind: match self.model {
                    ModelArg::Mlp => ModelKind::Mlp,
                    ModelArg::Cnn => ModelKind::Cnn,
                },
                hidden: self.hidden_widths(),
                channels: self.channels.clone(),
                stage: self.stage(),
            },
            seeds: self.seeds,
            threads: Some(self.train.threads()),
            golden_samples: self.train.golden_samples,
            out: self.out.clone(),
            accumulator: self.accumulator,
        }
    }
}

/// Flags of `potmac qat` and `potmac import` (data, activations, QAT schedule, threads).
#[derive(Debug, Clone, clap::Args)]
pub struct TrainArgs {
    /// Directory with the Fashion-MNIST idx.gz files [default: /usr/share/datasets/fashion-mnist].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Use only the first N training samples.
    #[arg(long, value_parser = at_least_one::<usize>)]
    pub train_limit: Option<usize>,
    /// Use only the first N test samples.
    #[arg(long, value_parser = at_least_one::<usize>)]
    pub test_limit: Option<usize>,
    /// Unsigned activation bits (input pixels and every hidden activation).
    #[arg(long, default_value_t = DEFAULT_ACT_BITS, value_parser = act_bits)]
    pub act_bits: u32,
    /// Percentile of post-ReLU activations used as the activation clip.
    #[arg(long, default_value_t = DEFAULT_ACT_PERCENTILE, value_parser = percentile)]
    pub act_percentile: f64,
    /// Format of the first layer (default: --weights).
    #[arg(long, value_parser = weight_format)]
    pub first_layer: Option<FormatSpec>,
    /// Format of the last layer, e.g. uniform:8 for the paper's "4L/8U" (default: --weights).
    #[arg(long, value_parser = weight_format)]
    pub last_layer: Option<FormatSpec>,
    /// Mini-batch size (qat: of the float training and QAT; import: of the fine-tuning).
    #[arg(long, default_value_t = DEFAULT_BATCH, value_parser = at_least_one::<usize>)]
    pub batch: usize,
    /// QAT optimiser [default: qat: the recipe's, fast adam, paper sgd (momentum 0.9);
    /// import: adam, as the fast recipe, since import has no recipe].
    #[arg(long, value_enum)]
    pub optimizer: Option<OptArg>,
    /// QAT learning rate [default: qat: the recipe's, fast 1e-4, paper 1e-3; import: 1e-4, as
    /// the fast recipe].
    #[arg(long, value_parser = positive)]
    pub lr: Option<f32>,
    /// Multiply the QAT learning rate by 0.1 every this many epochs (0 = constant) [default: 5].
    #[arg(long)]
    pub lr_step: Option<usize>,
    /// Seed of initialisation and batch order (qat: the first seed with --seeds; import: the
    /// fine-tuning batch order).
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Worker threads [default: the available cores]; results do not depend on it.
    #[arg(long, value_parser = at_least_one::<usize>)]
    pub threads: Option<usize>,
    /// Test samples exported as golden vectors (at least 1: `potmac infer --per-layer` runs them).
    #[arg(long, default_value_t = 8, value_parser = at_least_one::<usize>)]
    pub golden_samples: usize,
}

impl TrainArgs {
    /// The data a run reads.
    pub fn data(&self, dataset: DataSet) -> DataOpts {
        DataOpts {
            dataset,
            dir: self.data_dir.clone(),
            train_limit: self.train_limit,
            test_limit: self.test_limit,
        }
    }

    /// `--threads`, or the available cores.
    pub fn threads(&self) -> usize {
        super::common::or_cores(self.threads)
    }

    /// `--optimizer` as the trainer's.
    pub fn optimizer(&self) -> Option<OptimizerKind> {
        self.optimizer.map(|o| match o {
            OptArg::Sgd => OptimizerKind::sgd(),
            OptArg::Adam => OptimizerKind::adam(),
        })
    }
}

/// `--weights`, `--first-layer`, `--last-layer`: a format the code tables support.
pub(super) fn weight_format(s: &str) -> Result<FormatSpec, String> {
    s.parse::<FormatSpec>().map_err(|e| e.to_string())
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

/// `--kernel`: a kernel size the accelerator runs, 1, 3 or 5.
fn kernel_size(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(k @ (1 | 3 | 5)) => Ok(k),
        _ => Err(format!("expected 1, 3 or 5, got `{s}`")),
    }
}

/// `--stride`: a stride the accelerator runs, 1 or 2.
fn conv_stride(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(k @ (1 | 2)) => Ok(k),
        _ => Err(format!("expected 1 or 2, got `{s}`")),
    }
}

/// `--act-bits`: a width unsigned activations support.
pub(super) fn act_bits(s: &str) -> Result<u32, String> {
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
pub(super) fn positive(s: &str) -> Result<f32, String> {
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
pub(super) fn percentile(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x > 0.0 && x <= 100.0 => Ok(x),
        _ => Err(format!("expected a percentile in (0, 100], got `{s}`")),
    }
}

/// `--mixed`: the paper's notation.
fn mixed(s: &str) -> Result<Mixed, String> {
    Mixed::parse(s).map_err(|e| match e {
        QatError::Config(m) => m,
        other => other.to_string(),
    })
}

/// A fraction in [0, 1).
fn fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.0..1.0).contains(&x) => Ok(x),
        _ => Err(format!("expected a fraction in [0, 1), got `{s}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{metrics, spec::Spec};
    use crate::train::settings::Settings;
    use clap::Parser;

    #[derive(Debug, clap::Parser)]
    struct Cmd {
        #[command(flatten)]
        qat: QatArgs,
    }

    /// Without the shape flags, the MLP is 128-64 and the CNN the one it always was: 8,16
    /// channels of 3×3 stride-1 "same" convolutions, each pooled, no hidden dense layer.
    #[test]
    fn shape_flags_default_per_model_and_reach_the_options() {
        let parse = |args: &[&str]| {
            Cmd::try_parse_from(std::iter::once("qat").chain(args.iter().copied()))
                .unwrap()
                .qat
                .opts()
                .model
        };
        let mlp = parse(&[]);
        assert_eq!(
            (mlp.kind, mlp.hidden),
            (ModelKind::Mlp, DEFAULT_MLP_HIDDEN.to_vec())
        );
        let cnn = parse(&["--model", "cnn"]);
        assert_eq!(cnn.kind, ModelKind::Cnn);
        assert_eq!(cnn.channels, DEFAULT_CHANNELS);
        assert!(cnn.hidden.is_empty());
        assert_eq!(cnn.stage, ConvStage::default());
        let c = parse(&[
            "--model",
            "cnn",
            "--kernel",
            "5",
            "--stride",
            "2",
            "--padding",
            "none",
            "--no-pool",
            "--hidden",
            "32,16",
            "--channels",
            "4",
        ]);
        assert_eq!(
            (c.channels, c.hidden, c.stage),
            (
                vec![4],
                vec![32, 16],
                ConvStage {
                    k: 5,
                    stride: 2,
                    padding: Padding::None,
                    pool: false
                }
            )
        );
        for bad in [
            &["--kernel", "2"][..],
            &["--kernel", "7"],
            &["--stride", "0"],
            &["--stride", "3"],
            &["--padding", "valid"],
        ] {
            assert!(
                Cmd::try_parse_from(std::iter::once("qat").chain(bad.iter().copied())).is_err(),
                "{bad:?}"
            );
        }
    }

    /// A sweep's QAT point trains with what `potmac qat --recipe fast` resolves for the same
    /// data set, format, widths, epochs, seed and limits: the same settings, model, data and
    /// accumulator.
    #[test]
    fn a_sweep_qat_point_resolves_what_potmac_qat_resolves() {
        let spec = Spec::from_yaml(
            "name: t\ngrids:\n  - formats: [pot:none, apot, uniform]\n    weight_bits: [4]\n    \
             activation_bits: [6]\n    accumulators: [exact, 20:wrap]\n    \
             qat: {dataset: fashion-mnist, hidden: [32, 16], fp_epochs: 3, epochs: 2, \
             train_limit: 200, test_limit: 100, seed: 5}\n  - formats: [pot]\n    \
             weight_bits: [3]\n    activation_bits: [8]\n    qat: {dataset: digits}\n",
            "test",
        )
        .unwrap();
        assert_eq!(spec.points.len(), 7);
        for p in &spec.points {
            let q = p.qat.as_ref().unwrap();
            let sweep = metrics::qat_opts(p, q).unwrap();
            let hidden = q.hidden.iter().map(|h| h.to_string()).collect::<Vec<_>>();
            let mut args = vec![
                "qat".to_string(),
                "--recipe".into(),
                "fast".into(),
                "--dataset".into(),
                q.dataset.clone(),
                "--weights".into(),
                p.weight_spec().label(),
                "--act-bits".into(),
                p.activation_bits.to_string(),
                "--fp-epochs".into(),
                q.fp_epochs.to_string(),
                "--epochs".into(),
                q.epochs.to_string(),
                "--seed".into(),
                q.seed.to_string(),
                "--hidden".into(),
                hidden.join(","),
            ];
            for (flag, n) in [
                ("--train-limit", q.train_limit),
                ("--test-limit", q.test_limit),
            ] {
                if n > 0 {
                    args.extend([flag.to_string(), n.to_string()]);
                }
            }
            if p.accumulator.is_some() {
                args.extend(["--accumulator".to_string(), p.acc_label()]);
            }
            let cli = Cmd::try_parse_from(&args).unwrap().qat.opts();
            assert_eq!(
                Settings::resolve(&sweep.request),
                Settings::resolve(&cli.request),
                "{}",
                args.join(" ")
            );
            // An MLP: the channels of a CNN do not apply.
            assert_eq!(
                (sweep.model.kind, &sweep.model.hidden),
                (cli.model.kind, &cli.model.hidden)
            );
            assert_eq!(sweep.data, cli.data);
            assert_eq!(sweep.accumulator, cli.accumulator);
        }
    }
}
