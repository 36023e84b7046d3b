//! `potmac qat`: float pre-training, quantization-aware fine-tuning, integer export and
//! format sweeps on the digits and Fashion-MNIST data sets.

pub use super::qat_flags::QatArgs;
use super::qat_flags::{ClipArg, DatasetArg, ModelArg, OptArg, RecipeArg};
use super::ui::Ui;
use super::Verdict;
use crate::model::narrow;
use crate::model::{write::write_export, IntModel};
use crate::train::data::{self, Dataset};
use crate::train::optim::OptimizerKind;
use crate::train::pipeline::{build_arch, finetune, pretrain, sweep, verify, ModelKind};
use crate::train::quantizer::ClipRule;
use crate::train::recipe::Recipe;
use crate::train::report::{pct, sweep_markdown, write_sweep, LayerSummary, Report, SweepSetup};
use crate::train::stats::{SeedRun, SeedSummary};
use crate::train::train::{evaluate, EpochLog, QatConfig, TrainConfig};
use anyhow::Result;
use std::path::PathBuf;

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
    let mut d = data::load(args.dataset.set(), args.data_dir.as_deref())?;
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

/// The settings of a run: the recipe's defaults, overridden by every explicit flag.
struct Settings {
    recipe: Recipe,
    q: QatConfig,
    fp: TrainConfig,
    qat: TrainConfig,
    val_fraction: f64,
}

fn settings(args: &QatArgs) -> Settings {
    let digits = args.dataset == DatasetArg::Digits;
    let recipe = match args.recipe {
        RecipeArg::Fast => Recipe::Fast,
        RecipeArg::Paper => Recipe::Paper,
    };
    let d = recipe.defaults(digits);
    let (weights, mut first_layer, mut last_layer) = match args.mixed {
        Some(m) => (m.hidden, m.first, Some(m.last)),
        None => (args.weights.unwrap_or(d.weights), None, None),
    };
    first_layer = args.first_layer.or(first_layer);
    last_layer = args.last_layer.or(last_layer);
    let q = QatConfig {
        weights,
        first_layer,
        last_layer,
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
    let fp = TrainConfig {
        epochs: args.fp_epochs.unwrap_or(d.fp_epochs),
        batch: args.batch,
        lr: args.fp_lr,
        lr_step: 0,
        lr_decay: 0.1,
        optimizer: OptimizerKind::adam(),
        seed: args.seed,
        patience: args.fp_patience.unwrap_or(d.fp_patience),
        plateau_drops: args.fp_plateau_drops.unwrap_or(d.fp_plateau_drops),
    };
    let qat = TrainConfig {
        epochs: args.epochs.unwrap_or(d.epochs),
        lr: args.lr.unwrap_or(d.lr),
        lr_step: args.lr_step.unwrap_or(d.lr_step),
        optimizer: match args.optimizer {
            Some(OptArg::Sgd) => OptimizerKind::sgd(),
            Some(OptArg::Adam) => OptimizerKind::adam(),
            None => d.optimizer,
        },
        seed: args.seed.wrapping_add(1),
        patience: 0,
        plateau_drops: 0,
        ..fp
    };
    Settings {
        recipe,
        q,
        fp,
        qat,
        val_fraction: args.val_fraction.unwrap_or(d.val_fraction),
    }
}

/// Size the global rayon pool that the trainer's kernels run on (once per process), and keep
/// glibc from returning the batch buffers to the kernel after every step (each fresh mapping
/// costs page faults and zeroing, ~15 % of a CNN epoch).
pub(super) fn use_threads(threads: usize) -> Result<()> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning parameters.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .or_else(|e| {
            if rayon::current_num_threads() == threads {
                Ok(())
            } else {
                Err(e)
            }
        })
        .map_err(|e| anyhow::anyhow!("--threads {threads}: cannot start the threads: {e}"))
}

/// One note per epoch on stderr.
struct EpochNotes<'a> {
    ui: &'a Ui,
}

impl EpochNotes<'_> {
    fn line(&mut self, tag: &str, l: &EpochLog) {
        self.ui.note(&format!(
            "[{tag}] epoch {:>3}  lr {:.1e}  loss {:.4}  train {:.2}%{}  test {:.2}%  ({:.2} s, {:.0} samples/s; eval {:.2} s)",
            l.epoch,
            l.lr,
            l.loss,
            100.0 * l.train_acc,
            l.val_acc.map_or(String::new(), |v| format!("  val {:.2}%", 100.0 * v)),
            100.0 * l.test_acc,
            l.train_secs,
            l.samples_per_sec,
            l.eval_secs
        ));
    }
}

/// Run `potmac qat`. A disagreement of the integer-only path with the fake-quant path is a
/// verification failure ([`Verdict::Fail`], exit code 1); the files are still written so the
/// disagreement can be inspected.
pub fn run(args: &QatArgs, ui: &Ui) -> Result<Verdict> {
    check_args(args)?;
    if args.sweep && args.seeds > 1 {
        anyhow::bail!("--seeds with --sweep is not supported: run one --weights format per call");
    }
    let set = settings(args);
    let mut data = load(args)?;
    data.hold_out(set.val_fraction);
    anyhow::ensure!(
        set.fp.patience == 0 || !data.val.is_empty(),
        "--fp-patience needs a validation split: pass --val-fraction (e.g. 0.1)"
    );
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    use_threads(threads)?;
    let model = match args.model {
        ModelArg::Mlp => ModelKind::Mlp,
        ModelArg::Cnn => ModelKind::Cnn,
    };
    let model_name = match model {
        ModelKind::Mlp => "mlp",
        ModelKind::Cnn => "cnn",
    };
    let dataset_name = args.dataset.set().name();
    let arch = build_arch(&data, model, &args.hidden, &args.channels);
    ui.note(&format!(
        "qat: {dataset_name} ({} train / {} validation / {} test), {model_name}, {}, act {} bits, recipe {}, {threads} threads",
        data.train.len(),
        data.val.len(),
        data.test.len(),
        set.q.weights.label(),
        args.act_bits,
        set.recipe.name()
    ));
    let mut prog = EpochNotes { ui };
    let (qcfg, fp_cfg, qat_cfg) = (&set.q, set.fp, set.qat);

    if args.sweep {
        let (fp, _) = pretrain(&data, arch, &fp_cfg, &mut |l| prog.line("fp", l))?;
        let out = args.out.clone().unwrap_or_else(|| {
            PathBuf::from(format!("hdl_out/qat/{dataset_name}_{model_name}_sweep"))
        });
        let s = sweep(
            &fp,
            &data,
            qcfg,
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
            q: qcfg,
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

    let label = qcfg.weights.label();
    let mut runs = Vec::new();
    let mut exported = None;
    for k in 0..args.seeds {
        let seed = args.seed.wrapping_add(k as u64);
        let fp_k = TrainConfig { seed, ..fp_cfg };
        let qat_k = TrainConfig {
            seed: seed.wrapping_add(1),
            ..qat_cfg
        };
        if args.seeds > 1 {
            ui.note(&format!("seed {seed} ({}/{})", k + 1, args.seeds));
        }
        let (fp, mut history) = pretrain(&data, arch.clone(), &fp_k, &mut |l| prog.line("fp", l))?;
        let fp_acc = evaluate(&fp, None, &data.test)?;
        let fp_epochs = history.len();
        let (net, q, qat_logs) = finetune(&fp, &data, qcfg, &qat_k, &mut |l| prog.line("qat", l))?;
        history.extend(qat_logs);
        let im = IntModel::from_network(&net, &q)?;
        let v = verify(&net, &im, &data.test);
        if args.seeds > 1 {
            writeln!(
                ui,
                "seed {seed}: FP {}% ({fp_epochs} epochs), QAT (integer path) {}%, delta {:+.2} points",
                pct(fp_acc),
                pct(v.int_acc),
                100.0 * (v.int_acc - fp_acc)
            )?;
        }
        runs.push(SeedRun {
            seed,
            fp_epochs,
            fp_test_acc: fp_acc,
            qat_test_acc: v.int_acc,
            layer_mismatches: v.layer_mismatches,
        });
        if exported.is_none() {
            exported = Some((net, q, im, v, history, fp_acc, fp_k, qat_k));
        }
    }
    let (net, q, im, v, history, fp_acc, fp_k, qat_k) = exported.expect("at least one seed");
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "hdl_out/qat/{dataset_name}_{model_name}_{}",
            label.replace(':', "-")
        ))
    });
    write_export(
        &out,
        &im,
        args.dataset.set(),
        &data.test.x,
        &data.test.y,
        args.golden_samples,
    )?;
    let summary = SeedSummary::new(runs);
    let report = Report {
        dataset: dataset_name,
        model: model_name,
        arch: &net.arch,
        recipe: set.recipe,
        seed: fp_k.seed,
        train_samples: data.train.len(),
        val_samples: data.val.len(),
        test_samples: data.test.len(),
        threads,
        fp: fp_k,
        qat_train: qat_k,
        qat: qcfg,
        fp_test_acc: fp_acc,
        history,
        verification: v,
        layers: LayerSummary::all(&im, &q),
        seeds: (args.seeds > 1).then(|| summary.clone()),
        narrow_accumulator: args
            .accumulator
            .map(|n| narrow::evaluate(&im, &data.test.x, &data.test.y, n)),
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
    if args.seeds > 1 {
        writeln!(
            ui,
            "{dataset_name} {model_name} {label}, {} seeds (mean ± std): FP {}%, QAT (integer path) {}%, delta {} points; exported seed {} to {}",
            args.seeds,
            summary.fp.pct(),
            summary.qat.pct(),
            summary.delta.signed_pct(),
            summary.exported_seed,
            out.display()
        )?;
    } else {
        writeln!(
            ui,
            "{dataset_name} {model_name} {label}: FP {}%, QAT (integer path) {}%, fake-quant/integer class mismatches {}; wrote {}",
            pct(fp_acc),
            pct(report.verification.int_acc),
            report.verification.class_mismatches,
            out.display()
        )?;
    }
    let bad: usize = summary.runs.iter().map(|r| r.layer_mismatches).sum();
    if bad > 0 {
        writeln!(
            ui,
            "FAIL the integer path disagrees with the fake-quant path on {bad} test samples (see {})",
            out.join("report.md").display()
        )?;
        return Ok(Verdict::Fail);
    }
    Ok(Verdict::Pass)
}
