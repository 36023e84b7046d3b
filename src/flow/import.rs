//! `potmac import` as a library call: float weights from PyTorch (safetensors or .npy),
//! post-training quantization with activation calibration on the training data, optional QAT
//! fine-tuning, and the integer export `potmac qat` writes ([`run`]).
//!
//! Nothing is printed: progress lines go to [`crate::progress::note`].

use super::qat::{use_threads, DataOpts};
use super::{Context, Result};
use crate::model::write::write_export;
use crate::model::IntModel;
use crate::progress;
use crate::train::import::{build_network, read_weights, ArchSpec};
use crate::train::model::Network;
use crate::train::normalize::fold_input_norm;
use crate::train::onnx;
use crate::train::pipeline::{verify, Verification};
use crate::train::report::{pct, ImportReport, LayerSummary};
use crate::train::train::{evaluate, init_quant, train, EpochLog, QatConfig, TrainConfig};
use crate::train::QatError;
use std::path::PathBuf;

/// Options of [`run`].
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOpts {
    /// An .onnx file, a .safetensors file, .npy files, or folders of them.
    pub files: Vec<PathBuf>,
    /// The architecture of safetensors or .npy weights (`None` for ONNX, whose graph gives
    /// it; required otherwise).
    pub arch: Option<ArchSpec>,
    /// Layer tensor prefixes in order (`None`: the `*.weight` prefixes in natural order);
    /// safetensors and .npy only.
    pub layers: Option<Vec<String>>,
    /// The network was trained on `(x − mean) / std` of pixels in [0, 1]: fold it into the
    /// first layer.
    pub input_norm: Option<(f64, f64)>,
    /// Formats, activation bits and clip percentile.
    pub q: QatConfig,
    pub data: DataOpts,
    /// Training samples whose activations set the clips.
    pub calibration_samples: usize,
    /// QAT fine-tuning after the post-training quantization (`None`: none).
    pub fine_tune: Option<TrainConfig>,
    /// Worker threads of the global pool (`None`: leave the pool as it is).
    pub threads: Option<usize>,
    /// Test samples exported as golden vectors.
    pub golden_samples: usize,
    /// The export folder.
    pub out: PathBuf,
}

/// What [`run`] did.
#[derive(Debug, Clone)]
pub struct ImportRun {
    pub out: PathBuf,
    /// Float test accuracy of the imported network.
    pub fp_test_acc: f64,
    /// The post-training-quantized model's integer path against its fake-quant path.
    pub ptq: Verification,
    /// How its weights were quantized: `PTQ to pot:4`, `PTQ to pot:4, layer 1 exact in
    /// apot:5`, or `exact import (apot:5, apot:4)` when every layer was already on a grid.
    pub quantized: String,
    /// The exported model's (the fine-tuned one when fine-tuning ran, else the PTQ one).
    pub verification: Verification,
    /// What was read: per layer of an ONNX graph, its nodes and what was folded.
    pub layers: Vec<String>,
    /// Warnings that do not stop the import (e.g. a float accuracy near chance).
    pub warnings: Vec<String>,
}

impl ImportRun {
    /// Whether the integer path reproduced the fake-quant path, before and after fine-tuning.
    pub fn agrees(&self) -> bool {
        self.verification.agrees() && self.ptq.agrees()
    }
}

/// The per-epoch line of the fine-tuning.
pub fn epoch_line(l: &EpochLog) -> String {
    format!(
        "[qat] epoch {:>3}  loss {:.4}  train {:.2}%  test {:.2}%  ({:.2} s)",
        l.epoch,
        l.loss,
        100.0 * l.train_acc,
        100.0 * l.test_acc,
        l.train_secs
    )
}

/// Import, quantize, optionally fine-tune, and write the export and its report. Bad files,
/// names or shapes are errors and write nothing; a disagreement of the integer path with the
/// fake-quant path is not an error ([`ImportRun::agrees`]).
pub fn run(o: &ImportOpts) -> Result<ImportRun> {
    let data = o.data.load()?;
    let (mut net, tensors, sources, layers, formats) = match &o.files[..] {
        [f] if onnx::is_onnx(f) => {
            if o.arch.is_some() || o.layers.is_some() {
                return Err(QatError::Config(
                    "--arch and --layers are for safetensors and .npy weights; an ONNX graph \
                     gives the architecture and the layer order"
                        .into(),
                )
                .into());
            }
            let im = onnx::import(f, data.shape, data.classes)?;
            if let (Some(nodes), Some((m, s))) = (&im.normalization, o.input_norm) {
                return Err(QatError::Config(format!(
                    "--input-norm {m},{s}: {} normalizes its input itself ({nodes}), which is \
                     folded already",
                    f.display()
                ))
                .into());
            }
            (im.net, im.tensors, vec![im.source], im.layers, im.formats)
        }
        files => {
            if let Some(f) = files.iter().find(|f| onnx::is_onnx(f)) {
                return Err(QatError::Import(format!(
                    "{}: give an ONNX file alone, not with other files",
                    f.display()
                ))
                .into());
            }
            let weights = read_weights(files)?;
            let arch = o.arch.as_ref().ok_or_else(|| {
                QatError::Config(
                    "--arch is required for safetensors and .npy weights (e.g. \
                     --arch mlp:64,32,10); an ONNX graph needs none"
                        .into(),
                )
            })?;
            let arch = arch.arch(data.shape, data.classes)?;
            let net = build_network(arch, &weights.tensors, o.layers.as_deref())?;
            let tensors = weights
                .tensors
                .iter()
                .map(|t| (t.name.clone(), t.shape.clone()))
                .collect();
            (net, tensors, weights.sources, Vec::new(), Vec::new())
        }
    };
    if let Some((mean, std)) = o.input_norm {
        fold_input_norm(&mut net, mean, std)?;
    }
    for line in &layers {
        progress::note(&format!("import: {line}"));
    }
    if let Some(n) = o.threads {
        use_threads(n)?;
    }
    let fp_acc = evaluate(&net, None, &data.test)?;
    progress::note(&format!(
        "import: {} tensors, {} layers; float test accuracy {}%",
        tensors.len(),
        net.arch.layers.len(),
        pct(fp_acc)
    ));
    let warnings = accuracy_warning(&net, fp_acc, o.input_norm.is_some())
        .into_iter()
        .collect();
    let mut q = init_quant(&net, &o.q, &data.train, o.calibration_samples)?;
    // Weights already on a grid are imported exactly: in the requested format when it holds
    // them (one format for the accelerator), else, on a power-of-two or APoT grid, in the
    // smallest PoT or APoT format that does (`onnx::grid::detect`).
    let n = q.layers.len();
    let mut exact_layers = Vec::new();
    for l in 0..n {
        let requested = o.q.layer_spec(l, n);
        let found = formats.get(l).copied().flatten();
        let exact = match onnx::grid::exact_in(requested, &net.weights[l]) {
            Some(lq) => Some((requested, lq)),
            None => found.and_then(|f| onnx::grid::exact_in(f, &net.weights[l]).map(|lq| (f, lq))),
        };
        if let Some((spec, lq)) = exact {
            progress::note(&format!(
                "import: layer {l}: weights imported exactly in {} (no requantization)",
                spec.label()
            ));
            q.layers[l] = lq;
            exact_layers.push((l, spec.label()));
        }
    }
    let quantized = quantized_how(&o.q.weights.label(), &exact_layers, n);
    let im = IntModel::from_network(&net, &q)?;
    let ptq = verify(&net, &im, &data.test);
    progress::note(&format!(
        "{quantized}: integer-path test accuracy {}%",
        pct(ptq.int_acc)
    ));
    let mut history = Vec::new();
    let (im, v) = match &o.fine_tune {
        Some(cfg) => {
            history = train(&mut net, Some(&mut q), &data, cfg, "qat", &mut |l| {
                progress::note(&epoch_line(l))
            })?;
            let im = IntModel::from_network(&net, &q)?;
            let v = verify(&net, &im, &data.test);
            (im, v)
        }
        None => (im, ptq.clone()),
    };
    let report = ImportReport {
        dataset: o.data.dataset.name(),
        sources,
        tensors,
        graph: layers.clone(),
        arch: &net.arch,
        qat: &o.q,
        calibration_samples: o.calibration_samples.min(data.train.len()),
        fp_test_acc: fp_acc,
        ptq: ptq.clone(),
        fine_tune: o.fine_tune,
        history,
        verification: v.clone(),
        layers: LayerSummary::all(&im, &q),
    };
    // The export and its report are written together, whole (see `flow::write_whole`).
    super::write_whole(&o.out, super::LOCK_WAIT, |tmp| {
        write_export(
            tmp,
            &im,
            o.data.dataset,
            &data.test.x,
            &data.test.y,
            o.golden_samples,
        )?;
        report
            .write(tmp)
            .context(|| format!("writing the report into {}", o.out.display()))
    })?;
    Ok(ImportRun {
        out: o.out.clone(),
        fp_test_acc: fp_acc,
        ptq,
        quantized,
        verification: v,
        layers,
        warnings,
    })
}

/// How the weights were quantized, for the summary lines: post-training quantization to the
/// requested format, naming the layers imported exactly instead (by index and format), or an
/// exact import when every layer was.
fn quantized_how(requested: &str, exact: &[(usize, String)], layers: usize) -> String {
    if layers > 0 && exact.len() == layers {
        let formats: Vec<&str> = exact.iter().map(|(_, f)| f.as_str()).collect();
        return format!("exact import ({})", formats.join(", "));
    }
    let mut s = format!("PTQ to {requested}");
    for (l, f) in exact {
        s += &format!(", layer {l} exact in {f}");
    }
    s
}

/// Float accuracy below this is "far below" what an imported trained network reaches.
const LOW_ACCURACY: f64 = 0.5;

/// A warning when the imported float network classifies the test set far worse than a
/// trained one would (below 50 %, and above chance would be expected): most often a model
/// trained on normalized inputs, imported without `--input-norm`.
fn accuracy_warning(net: &Network, fp_acc: f64, normalized: bool) -> Option<String> {
    let chance = 1.0 / net.arch.classes.max(1) as f64;
    (fp_acc < LOW_ACCURACY && chance < LOW_ACCURACY).then(|| {
        let hint = if normalized {
            "check that --input-norm gives the mean and standard deviation it was trained with"
        } else {
            "if it was trained on normalized inputs ((x - mean) / std of pixels in [0, 1]), \
             give --input-norm MEAN,STD"
        };
        format!(
            "the imported network's float test accuracy is {}% (chance {}%): {hint}",
            pct(fp_acc),
            pct(chance)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::quantized_how;

    #[test]
    fn the_summary_names_what_was_quantized_and_what_was_exact() {
        assert_eq!(quantized_how("pot:4", &[], 3), "PTQ to pot:4");
        assert_eq!(
            quantized_how("pot:4", &[(1, "apot:5".into())], 3),
            "PTQ to pot:4, layer 1 exact in apot:5"
        );
        assert_eq!(
            quantized_how("pot:4", &[(0, "apot:5".into()), (1, "apot:4".into())], 2),
            "exact import (apot:5, apot:4)"
        );
    }
}
