//! `potmac qat` as a library call: float pre-training and QAT fine-tuning with the settings a
//! [`Request`] resolves to ([`Settings::resolve`]), over one or more seeds, then the integer
//! export of the first seed and its report ([`run`]); or one float model fine-tuned to every
//! format family at a list of widths ([`sweep`]). The sweep's QAT metric trains through
//! [`train_seed`], the same code.
//!
//! Nothing is printed: the per-epoch lines and the run's header go to [`crate::progress::note`].

use super::{usage, FlowError, Result};
use crate::model::arch::ConvStage;
use crate::model::dataset::DataSet;
use crate::model::narrow::{self, Narrow, NarrowReport};
use crate::model::{write::write_export, IntModel};
use crate::progress;
use crate::train::data::{self, Dataset};
use crate::train::model::{Network, QuantState};
use crate::train::pipeline::{
    self, build_arch, finetune, pretrain, verify, ModelKind, Verification,
};
use crate::train::report::{sweep_markdown, write_sweep, LayerSummary, Report, SweepSetup};
use crate::train::settings::{Request, Settings};
use crate::train::stats::{SeedRun, SeedSummary};
use crate::train::train::{evaluate, EpochLog};
use std::path::PathBuf;

/// Where the training data comes from and how much of it is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataOpts {
    pub dataset: DataSet,
    /// The Fashion-MNIST folder (`None`: [`data::FASHION_DIR`]).
    pub dir: Option<PathBuf>,
    /// Use only the first N training samples.
    pub train_limit: Option<usize>,
    /// Use only the first N test samples.
    pub test_limit: Option<usize>,
}

impl DataOpts {
    /// All of a data set from its default place.
    pub fn new(dataset: DataSet) -> Self {
        Self {
            dataset,
            dir: None,
            train_limit: None,
            test_limit: None,
        }
    }

    /// Load the data set and apply the limits; an empty split is an error.
    pub fn load(&self) -> Result<Dataset> {
        let mut d = data::load(self.dataset, self.dir.as_deref())?;
        let per = d.per_sample();
        if let Some(n) = self.train_limit {
            d.train.truncate(n, per);
        }
        if let Some(n) = self.test_limit {
            d.test.truncate(n, per);
        }
        if d.train.is_empty() || d.test.is_empty() {
            return usage("empty train or test split");
        }
        Ok(d)
    }
}

/// The network to train.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelOpts {
    pub kind: ModelKind,
    /// Hidden dense widths: of the MLP, or of the CNN between the flatten and the classes.
    pub hidden: Vec<usize>,
    /// CNN channels per stage.
    pub channels: Vec<usize>,
    /// How each CNN convolution stage is built (kernel, stride, padding, pooling).
    pub stage: ConvStage,
}

impl ModelOpts {
    /// `mlp` or `cnn`.
    pub fn name(&self) -> &'static str {
        match self.kind {
            ModelKind::Mlp => "mlp",
            ModelKind::Cnn => "cnn",
        }
    }
}

/// Options of [`run`] and [`sweep`].
#[derive(Debug, Clone, PartialEq)]
pub struct QatOpts {
    /// The recipe and its overrides (its data set is `data.dataset`).
    pub request: Request,
    pub data: DataOpts,
    pub model: ModelOpts,
    /// Seeds S, S+1, … (at least 1; [`sweep`] takes 1); the first one's model is exported.
    pub seeds: usize,
    /// Worker threads of the global pool (`None`: leave the pool as it is).
    pub threads: Option<usize>,
    /// Test samples exported as golden vectors.
    pub golden_samples: usize,
    /// Output folder (`None`: `hdl_out/qat/<dataset>_<model>_<weights>` or `_sweep`).
    pub out: Option<PathBuf>,
    /// Also run the test set on a narrow accumulator.
    pub accumulator: Option<Narrow>,
}

/// What [`run`] did.
#[derive(Debug, Clone)]
pub struct QatReport {
    pub settings: Settings,
    /// The export folder.
    pub out: PathBuf,
    /// The weight format label (`pot:4`).
    pub label: String,
    /// Float test accuracy of the exported seed.
    pub fp_test_acc: f64,
    /// The exported model's integer path against its fake-quant path.
    pub verification: Verification,
    /// Every seed's result and their summary.
    pub seeds: SeedSummary,
    pub narrow_accumulator: Option<NarrowReport>,
    pub test_samples: usize,
}

impl QatReport {
    /// Test samples on which the integer path disagreed with the fake-quant path, over all
    /// seeds (0 for a passing run).
    pub fn layer_mismatches(&self) -> usize {
        self.seeds.runs.iter().map(|r| r.layer_mismatches).sum()
    }
}

/// What [`sweep`] did.
#[derive(Debug, Clone)]
pub struct QatSweepReport {
    pub out: PathBuf,
    /// `sweep.md`.
    pub markdown: String,
    /// Each format whose integer path disagreed with its fake-quant path, with the number of
    /// test samples.
    pub failures: Vec<(String, usize)>,
    pub test_samples: usize,
}

/// One trained seed: the fine-tuned network, its quantizers, the integer model and checks.
pub struct Trained {
    pub net: Network,
    pub q: QuantState,
    pub int_model: IntModel,
    pub verification: Verification,
    pub fp_test_acc: f64,
    /// Float epochs actually run.
    pub fp_epochs: usize,
    /// Every epoch of both phases.
    pub history: Vec<EpochLog>,
}

/// The per-epoch line of a phase (`fp`, `qat`, or a swept format), as `potmac qat` shows it.
pub fn epoch_line(tag: &str, l: &EpochLog) -> String {
    format!(
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
    )
}

fn note_epoch(tag: &str, l: &EpochLog) {
    progress::note(&epoch_line(tag, l));
}

/// Train one seed: float pre-training, QAT fine-tuning, freezing to the integer model and its
/// check against the fake-quant path on the test split. `settings` carries the seeds.
pub fn train_seed(
    data: &Dataset,
    model: &ModelOpts,
    settings: &Settings,
    notes: bool,
) -> Result<Trained> {
    let arch = build_arch(
        data,
        model.kind,
        &model.hidden,
        &model.channels,
        model.stage,
    )?;
    let mut fp_note = |l: &EpochLog| {
        if notes {
            note_epoch("fp", l)
        }
    };
    let (fp, mut history) = pretrain(data, arch, &settings.fp, &mut fp_note)?;
    let fp_test_acc = evaluate(&fp, None, &data.test)?;
    let fp_epochs = history.len();
    let mut qat_note = |l: &EpochLog| {
        if notes {
            note_epoch("qat", l)
        }
    };
    let (net, q, logs) = finetune(&fp, data, &settings.q, &settings.qat, &mut qat_note)?;
    history.extend(logs);
    let int_model = IntModel::from_network(&net, &q)?;
    let verification = verify(&net, &int_model, &data.test);
    Ok(Trained {
        net,
        q,
        int_model,
        verification,
        fp_test_acc,
        fp_epochs,
        history,
    })
}

/// Size the global rayon pool that the trainer's kernels run on (once per process), and keep
/// glibc from returning the batch buffers to the kernel after every step (each fresh mapping
/// costs page faults and zeroing, ~15 % of a CNN epoch).
pub fn use_threads(threads: usize) -> Result<()> {
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
        .map_err(|e| {
            FlowError::Usage(format!(
                "--threads {threads}: cannot start the threads: {e}"
            ))
        })
}

/// The data, with the validation split held out, and the thread count; notes the header line.
fn prepare(opts: &QatOpts, set: &Settings) -> Result<(Dataset, usize)> {
    let mut data = opts.data.load()?;
    data.hold_out(set.val_fraction);
    if set.fp.patience > 0 && data.val.is_empty() {
        return usage("--fp-patience needs a validation split: pass --val-fraction (e.g. 0.1)");
    }
    let threads = match opts.threads {
        Some(n) => {
            use_threads(n)?;
            n
        }
        None => rayon::current_num_threads(),
    };
    progress::note(&format!(
        "qat: {} ({} train / {} validation / {} test), {}, {}, act {} bits, recipe {}, {threads} threads",
        opts.data.dataset.name(),
        data.train.len(),
        data.val.len(),
        data.test.len(),
        opts.model.name(),
        set.q.weights.label(),
        set.q.act_bits,
        set.recipe.name()
    ));
    Ok((data, threads))
}

fn request_settings(opts: &QatOpts) -> Settings {
    let mut r = opts.request.clone();
    r.dataset = opts.data.dataset;
    Settings::resolve(&r)
}

/// Train every seed, export the first one's integer model with its report into the output
/// folder. A disagreement of the integer path with the fake-quant path is not an error: the
/// files are still written and [`QatReport::layer_mismatches`] counts it.
pub fn run(opts: &QatOpts) -> Result<QatReport> {
    if opts.seeds == 0 {
        return usage("at least one seed is needed");
    }
    let set = request_settings(opts);
    let (data, threads) = prepare(opts, &set)?;
    let dataset = opts.data.dataset;
    let label = set.q.weights.label();
    let mut runs = Vec::new();
    let mut exported = None;
    for k in 0..opts.seeds {
        let seed = set.fp.seed.wrapping_add(k as u64);
        let set_k = set.with_seed(seed);
        if opts.seeds > 1 {
            progress::note(&format!("seed {seed} ({}/{})", k + 1, opts.seeds));
        }
        let t = train_seed(&data, &opts.model, &set_k, true)?;
        runs.push(SeedRun {
            seed,
            fp_epochs: t.fp_epochs,
            fp_test_acc: t.fp_test_acc,
            qat_test_acc: t.verification.int_acc,
            layer_mismatches: t.verification.layer_mismatches,
        });
        if exported.is_none() {
            exported = Some((t, set_k));
        }
    }
    let (t, set_k) = exported.expect("at least one seed");
    let out = opts.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "hdl_out/qat/{}_{}_{}",
            dataset.name(),
            opts.model.name(),
            label.replace(':', "-")
        ))
    });
    let summary = SeedSummary::new(runs);
    let narrow_accumulator = opts
        .accumulator
        .map(|n| narrow::evaluate(&t.int_model, &data.test.x, &data.test.y, n));
    let report = Report {
        dataset: dataset.name(),
        model: opts.model.name(),
        arch: &t.net.arch,
        recipe: set.recipe,
        seed: set_k.fp.seed,
        train_samples: data.train.len(),
        val_samples: data.val.len(),
        test_samples: data.test.len(),
        threads,
        fp: set_k.fp,
        qat_train: set_k.qat,
        qat: &set.q,
        fp_test_acc: t.fp_test_acc,
        history: t.history.clone(),
        verification: t.verification.clone(),
        layers: LayerSummary::all(&t.int_model, &t.q),
        seeds: (opts.seeds > 1).then(|| summary.clone()),
        narrow_accumulator: narrow_accumulator.clone(),
    };
    // The export and its report are written together, whole (issue 23: a kill between the
    // two, or a second run into the same folder, left a new model beside an old report).
    super::write_whole(&out, super::LOCK_WAIT, |tmp| {
        write_export(
            tmp,
            &t.int_model,
            dataset,
            &data.test.x,
            &data.test.y,
            opts.golden_samples,
        )?;
        report.write(tmp)?;
        Ok(())
    })?;
    Ok(QatReport {
        settings: set_k,
        out,
        label,
        fp_test_acc: t.fp_test_acc,
        verification: t.verification,
        seeds: summary,
        narrow_accumulator,
        test_samples: data.test.len(),
    })
}

/// Train the float model once, fine-tune uniform, pot and apot at each of `bits`, and write
/// `sweep.md` and `sweep.json` into the output folder.
pub fn sweep(opts: &QatOpts, bits: &[u32]) -> Result<QatSweepReport> {
    if opts.accumulator.is_some() {
        return usage("--accumulator: give it to single runs, not with --sweep");
    }
    if opts.seeds != 1 {
        return usage("--seeds with --sweep is not supported: run one --weights format per call");
    }
    let set = request_settings(opts);
    let (data, _) = prepare(opts, &set)?;
    let arch = build_arch(
        &data,
        opts.model.kind,
        &opts.model.hidden,
        &opts.model.channels,
        opts.model.stage,
    )?;
    let (fp, _) = pretrain(&data, arch, &set.fp, &mut |l| note_epoch("fp", l))?;
    let out = opts.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "hdl_out/qat/{}_{}_sweep",
            opts.data.dataset.name(),
            opts.model.name()
        ))
    });
    let s = pipeline::sweep(&fp, &data, &set.q, &set.qat, bits, &mut |tag, l| {
        note_epoch(tag, l)
    })?;
    let setup = SweepSetup {
        dataset: opts.data.dataset.name(),
        model: opts.model.name(),
        data: &data,
        fp: &set.fp,
        qat: &set.qat,
        q: &set.q,
        bits,
    };
    let markdown = sweep_markdown(&setup, &s);
    super::write_whole(&out, super::LOCK_WAIT, |tmp| {
        Ok(write_sweep(tmp, &markdown, &s)?)
    })?;
    Ok(QatSweepReport {
        out,
        markdown,
        failures: s
            .cells
            .iter()
            .filter(|c| c.layer_mismatches > 0)
            .map(|c| (c.format.clone(), c.layer_mismatches))
            .collect(),
        test_samples: data.test.len(),
    })
}
