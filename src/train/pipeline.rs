//! End-to-end runs used by the CLI: float pre-training, QAT fine-tuning, verification of the
//! integer path against the fake-quant path, and format sweeps.

use super::data::{Dataset, Split};
use super::model::{Network, QuantState};
use super::train::{evaluate, init_quant, train, EpochLog, QatConfig, TrainConfig};
use super::QatError;
use crate::model::arch::{Arch, CnnSpec, ConvStage};
use crate::model::argmax_rows;
use crate::model::IntModel;
use crate::quant::spec::{FormatKind, FormatSpec, ZeroSpec};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Model family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    Mlp,
    Cnn,
}

/// The architecture for a data set: MLP with `hidden` widths, or CNN with one convolution
/// stage per entry of `channels`, built as `stage` says (the default: 3×3 conv with padding 1,
/// ReLU, 2×2 max-pool), then dense layers of the `hidden` widths and the final dense layer.
/// An error says which stage shrinks the image below one pixel.
pub fn build_arch(
    data: &Dataset,
    model: ModelKind,
    hidden: &[usize],
    channels: &[usize],
    stage: ConvStage,
) -> Result<Arch, QatError> {
    Ok(match model {
        ModelKind::Mlp => Arch::mlp(data.shape, hidden, data.classes),
        ModelKind::Cnn => Arch::cnn(
            data.shape,
            &CnnSpec {
                channels: channels.to_vec(),
                stage,
                hidden: hidden.to_vec(),
            },
            data.classes,
        )?,
    })
}

/// Samples used to calibrate the activation clips before fine-tuning.
pub const CALIBRATION_SAMPLES: usize = 512;

/// Train a float model from a seeded initialisation.
pub fn pretrain(
    data: &Dataset,
    arch: Arch,
    cfg: &TrainConfig,
    progress: &mut dyn FnMut(&EpochLog),
) -> Result<(Network, Vec<EpochLog>), QatError> {
    let mut net = Network::new(arch, cfg.seed)?;
    let logs = train(&mut net, None, data, cfg, "fp", progress)?;
    Ok((net, logs))
}

/// Fine-tune a copy of the float model `fp` with QAT.
pub fn finetune(
    fp: &Network,
    data: &Dataset,
    qcfg: &QatConfig,
    cfg: &TrainConfig,
    progress: &mut dyn FnMut(&EpochLog),
) -> Result<(Network, QuantState, Vec<EpochLog>), QatError> {
    let mut net = fp.clone();
    let mut q = init_quant(&net, qcfg, &data.train, CALIBRATION_SAMPLES)?;
    let logs = train(&mut net, Some(&mut q), data, cfg, "qat", progress)?;
    Ok((net, q, logs))
}

/// Agreement of the integer-only path with the fake-quant path on a split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub samples: usize,
    /// Accuracy of the integer-only path.
    pub int_acc: f64,
    /// Accuracy of the evaluation-time fake-quant path.
    pub fake_quant_acc: f64,
    /// Samples whose predicted class differs between the two paths.
    pub class_mismatches: usize,
    /// Samples with any differing per-layer integer (inputs, accumulators, outputs).
    pub layer_mismatches: usize,
}

impl Verification {
    /// Whether the integer-only path reproduced the fake-quant path on every sample and layer
    /// (anything else is a verification failure, exit code 1 in the CLI).
    pub fn agrees(&self) -> bool {
        self.layer_mismatches == 0
    }
}

/// Run both paths over the whole split and compare every layer's integers.
pub fn verify(net: &Network, im: &IntModel, data: &Split) -> Verification {
    let per = data.x.len() / data.len().max(1);
    let classes = net.arch.classes;
    let wdec = im.decoded();
    let (mut int_ok, mut fq_ok, mut cm, mut lm) = (0, 0, 0, 0);
    let step = crate::progress::step(
        "verifying the integer path, samples",
        Some(data.len() as u64),
    );
    // Batches of 256 samples in parallel, in groups so that progress shows on this thread.
    let starts: Vec<usize> = (0..data.len()).step_by(256).collect();
    for group in starts.chunks(8) {
        let counts: Vec<[usize; 4]> = group
            .par_iter()
            .map(|&start| {
                let n = 256.min(data.len() - start);
                let xs = &data.x[start * per..(start + n) * per];
                let fq = net.eval_fake_quant(im, &wdec, xs, n);
                let mut c = [0usize; 4];
                for i in 0..n {
                    let t = im.infer_with(&wdec, &im.quantize_input(&xs[i * per..(i + 1) * per]));
                    let mut same = true;
                    for (lt, lf) in t.iter().zip(&fq) {
                        let (a, k) = (lt.act_in.len(), lt.acc.len());
                        same &= lt.act_in[..] == lf.act_in[i * a..(i + 1) * a];
                        same &= lt.acc[..] == lf.acc[i * k..(i + 1) * k];
                        let o = lt.act_out.len();
                        same &= lt.act_out[..] == lf.act_out[i * o..(i + 1) * o];
                    }
                    let last = &t.last().expect("layers").acc;
                    let pi = argmax_rows(last, classes)[0];
                    let pf = argmax_rows(
                        &fq.last().expect("layers").acc[i * classes..(i + 1) * classes],
                        classes,
                    )[0];
                    let y = data.y[start + i] as usize;
                    c[0] += (pi == y) as usize;
                    c[1] += (pf == y) as usize;
                    c[2] += (pi != pf) as usize;
                    c[3] += (!same) as usize;
                }
                c
            })
            .collect();
        for c in counts {
            int_ok += c[0];
            fq_ok += c[1];
            cm += c[2];
            lm += c[3];
        }
        let done: usize = group.iter().map(|&s| 256.min(data.len() - s)).sum();
        step.inc(done as u64);
    }
    let n = data.len().max(1) as f64;
    Verification {
        samples: data.len(),
        int_acc: int_ok as f64 / n,
        fake_quant_acc: fq_ok as f64 / n,
        class_mismatches: cm,
        layer_mismatches: lm,
    }
}

/// One cell of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepCell {
    pub format: String,
    pub kind: FormatKind,
    pub bits: u32,
    pub test_acc: f64,
    pub class_mismatches: usize,
    /// Samples on which the integer path differs from the fake-quant path in any layer (must
    /// be 0; see [`Verification::agrees`]).
    pub layer_mismatches: usize,
}

/// Result of a sweep: the float accuracy and one cell per format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    pub fp_test_acc: f64,
    /// The float model trained further with the fine-tuning schedule, without quantization:
    /// the fair baseline when the float model is not converged.
    pub fp_continued_acc: f64,
    pub cells: Vec<SweepCell>,
}

/// Fine-tune every format family at every width in `bits` from the float model `fp` (the
/// first/last layer overrides of `qcfg` apply to every run).
pub fn sweep(
    fp: &Network,
    data: &Dataset,
    qcfg: &QatConfig,
    cfg: &TrainConfig,
    bits: &[u32],
    progress: &mut dyn FnMut(&str, &EpochLog),
) -> Result<Sweep, QatError> {
    let points = crate::progress::step("sweep: runs", Some(1 + 3 * bits.len() as u64));
    let fp_test_acc = evaluate(fp, None, &data.test)?;
    let mut cont = fp.clone();
    train(&mut cont, None, data, cfg, "fp-continued", &mut |l| {
        progress("fp-continued", l)
    })?;
    let fp_continued_acc = evaluate(&cont, None, &data.test)?;
    points.inc(1);
    let mut cells = Vec::new();
    for kind in [FormatKind::Uniform, FormatKind::Pot, FormatKind::Apot] {
        for &b in bits {
            let spec = FormatSpec {
                kind,
                bits: b,
                zero: ZeroSpec::Code,
            };
            let label = spec.label();
            let q = QatConfig {
                weights: spec,
                ..qcfg.clone()
            };
            let (net, qs, _) = finetune(fp, data, &q, cfg, &mut |l| progress(&label, l))?;
            let im = IntModel::from_network(&net, &qs)?;
            let v = verify(&net, &im, &data.test);
            cells.push(SweepCell {
                format: label,
                kind,
                bits: b,
                test_acc: v.int_acc,
                class_mismatches: v.class_mismatches,
                layer_mismatches: v.layer_mismatches,
            });
            points.inc(1);
        }
    }
    Ok(Sweep {
        fp_test_acc,
        fp_continued_acc,
        cells,
    })
}
