//! Training loops: floating-point pre-training and QAT fine-tuning, plus evaluation helpers.
//!
//! One epoch visits the training set in a fresh seeded permutation in mini-batches. With a
//! [`QuantState`], every step re-quantizes the weights from the float shadow weights with the
//! current max|W| (dynamic full-scale range), the activation clips follow an EMA of the batch
//! percentile of post-ReLU values, and APoT-style MSE clip factors are recalibrated at the
//! start of every epoch. The learning rate is multiplied by `lr_decay` every `lr_step` epochs.

use super::data::{Dataset, Split};
use super::loss::softmax_cross_entropy;
use super::model::{LayerQuant, Network, QuantState};
use super::optim::{Optimizer, OptimizerKind};
use super::quantizer::ClipRule;
use super::QatError;
use crate::model::argmax_rows;
use crate::model::IntModel;
use crate::quant::spec::{FormatKind, FormatSpec};
use crate::rng::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Hyper-parameters of one training phase.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch: usize,
    pub lr: f32,
    /// Multiply the learning rate by `lr_decay` every `lr_step` epochs (0 = never).
    pub lr_step: usize,
    pub lr_decay: f32,
    pub optimizer: OptimizerKind,
    pub seed: u64,
    /// Early stopping: with a non-empty validation split, stop when its accuracy has not
    /// improved for this many epochs and keep the best-validation parameters (`epochs` is then
    /// the cap). 0 = train all `epochs`.
    #[serde(default)]
    pub patience: usize,
    /// With early stopping: at a plateau (no better validation accuracy for `patience`
    /// epochs), first multiply the learning rate by `lr_decay` this many times (continuing
    /// from the best parameters so far), and stop only at the plateau after the last drop.
    #[serde(default)]
    pub plateau_drops: usize,
}

/// QAT settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QatConfig {
    /// Format of every layer not overridden below.
    pub weights: FormatSpec,
    pub first_layer: Option<FormatSpec>,
    pub last_layer: Option<FormatSpec>,
    pub act_bits: u32,
    /// Pruning factor (0 = off): normalised |w| below `prune` × smallest level → 0.
    pub prune: f64,
    /// Clip rule; `None` = per format: max|W| for uniform and PoT, MSE-calibrated for APoT.
    pub clip: Option<ClipRule>,
    /// Percentile of post-ReLU values used for the activation clip.
    pub act_percentile: f64,
    /// EMA momentum of the activation clip.
    pub act_momentum: f32,
}

impl QatConfig {
    /// The format of layer `l` of `n`.
    pub fn layer_spec(&self, l: usize, n: usize) -> FormatSpec {
        if l + 1 == n {
            if let Some(s) = self.last_layer {
                return s;
            }
        }
        if l == 0 {
            if let Some(s) = self.first_layer {
                return s;
            }
        }
        self.weights
    }
}

/// One epoch's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochLog {
    pub phase: String,
    pub epoch: usize,
    pub lr: f32,
    pub loss: f64,
    /// Running accuracy over the epoch's training batches (training-mode forward).
    pub train_acc: f64,
    /// Test accuracy of the deployable model (float, or the integer-exact fake-quant path).
    pub test_acc: f64,
    /// Validation accuracy (same model as `test_acc`), when there is a validation split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub val_acc: Option<f64>,
    /// Wall-clock seconds of the epoch's training steps (varies from run to run).
    #[serde(default)]
    pub train_secs: f64,
    /// Wall-clock seconds of the evaluation after the epoch (varies from run to run).
    #[serde(default)]
    pub eval_secs: f64,
    /// Training samples per second of the training steps (varies from run to run).
    #[serde(default)]
    pub samples_per_sec: f64,
}

/// Build the quantization state for `net` and calibrate the activation clips on up to
/// `calib` training samples with the float model.
pub fn init_quant(
    net: &Network,
    cfg: &QatConfig,
    train: &Split,
    calib: usize,
) -> Result<QuantState, QatError> {
    crate::quant::ActFormat::new(cfg.act_bits, false)?;
    let n = net.arch.layers.len();
    let mut layers = Vec::new();
    for l in 0..n {
        let spec = cfg.layer_spec(l, n);
        let rule = cfg.clip.unwrap_or(match spec.kind {
            FormatKind::Apot => ClipRule::Mse,
            _ => ClipRule::Max,
        });
        // Pruning only applies to formats with a zero level (not `pot:N:none`).
        let has_zero = super::quantizer::WeightQuantizer::new(spec.format()?).has_zero();
        let prune = if has_zero { cfg.prune } else { 0.0 };
        layers.push(LayerQuant::new(spec, rule, prune)?);
    }
    let qmax = ((1u32 << cfg.act_bits) - 1) as f64;
    let mut q = QuantState {
        layers,
        act_bits: cfg.act_bits,
        act_clip: vec![1.0; n - 1],
        input_scale: 1.0 / qmax,
        act_momentum: cfg.act_momentum,
        act_percentile: cfg.act_percentile,
    };
    let per = train.x.len() / train.len().max(1);
    let m = calib.min(train.len()).max(1);
    let (_, cache) = net.forward_train(None, &train.x[..m * per], m, Some(cfg.act_percentile));
    for (c, s) in q.act_clip.iter_mut().zip(&cache.act_stats) {
        *c = s.max(1e-6);
    }
    q.calibrate_weights(net);
    Ok(q)
}

/// Test accuracy: float model without `q`, otherwise the integer-exact fake-quant path.
pub fn evaluate(net: &Network, q: Option<&QuantState>, data: &Split) -> Result<f64, QatError> {
    let per = data.x.len() / data.len().max(1);
    let classes = net.arch.classes;
    let im = q.map(|q| IntModel::from_network(net, q)).transpose()?;
    let wdec = im.as_ref().map(IntModel::decoded);
    // Batches of 500 in parallel (each sample's prediction is independent of the others).
    let starts: Vec<usize> = (0..data.len()).step_by(500).collect();
    let correct: usize = starts
        .par_iter()
        .map(|&start| {
            let n = 500.min(data.len() - start);
            let x = &data.x[start * per..(start + n) * per];
            let pred = match &im {
                None => argmax_rows(&net.forward_float(None, x, n), classes),
                Some(im) => argmax_rows(
                    &net.eval_fake_quant(im, wdec.as_deref().expect("decoded with im"), x, n)
                        .last()
                        .expect("layers")
                        .acc,
                    classes,
                ),
            };
            pred.iter()
                .zip(&data.y[start..start + n])
                .filter(|(p, y)| **p == **y as usize)
                .count()
        })
        .sum();
    Ok(correct as f64 / data.len().max(1) as f64)
}

/// Train `net` on `data.train` for `cfg.epochs` epochs (QAT when `q` is given), calling
/// `progress` after every epoch. The epochs, and the batches within each epoch (with the
/// running loss and accuracy as the step's message), are also reported as
/// [`crate::progress`] steps. With `cfg.patience > 0` and a validation split, training stops
/// early (see [`TrainConfig::patience`]) and `net` ends with the best-validation parameters.
pub fn train(
    net: &mut Network,
    mut q: Option<&mut QuantState>,
    data: &Dataset,
    cfg: &TrainConfig,
    phase: &str,
    progress: &mut dyn FnMut(&EpochLog),
) -> Result<Vec<EpochLog>, QatError> {
    let per = data.per_sample();
    let sizes: Vec<usize> = net
        .weights
        .iter()
        .chain(&net.biases)
        .map(Vec::len)
        .collect();
    let mut opt = Optimizer::new(cfg.optimizer, &sizes);
    let mut rng = Rng::new(cfg.seed ^ 0x51ed_270b_a3c4_d5e1);
    let classes = net.arch.classes;
    let mut logs = Vec::new();
    let mut lr = cfg.lr;
    let mut xb = Vec::new();
    let mut yb = Vec::new();
    let epochs = crate::progress::step(&format!("{phase}: epochs"), Some(cfg.epochs as u64));
    let early = cfg.patience > 0 && !data.val.is_empty();
    let mut best: Option<(f64, Network)> = None;
    let mut since_best = 0usize;
    let mut drops = 0usize;
    for epoch in 1..=cfg.epochs {
        let t0 = std::time::Instant::now();
        if cfg.lr_step > 0 && epoch > 1 && (epoch - 1) % cfg.lr_step == 0 {
            lr *= cfg.lr_decay;
        }
        if let Some(q) = q.as_deref_mut() {
            q.calibrate_weights(net);
        }
        let order = rng.permutation(data.train.len());
        let (mut loss_sum, mut correct) = (0.0f64, 0usize);
        let batches = crate::progress::step(
            &format!("{phase}: epoch {epoch}/{}, batches", cfg.epochs),
            Some(order.len().div_ceil(cfg.batch.max(1)) as u64),
        );
        let mut seen = 0usize;
        for (bi, chunk) in order.chunks(cfg.batch).enumerate() {
            let n = chunk.len();
            xb.clear();
            yb.clear();
            for &i in chunk {
                xb.extend_from_slice(&data.train.x[i * per..(i + 1) * per]);
                yb.push(data.train.y[i]);
            }
            let qr = q.as_deref();
            let (logits, cache) = net.forward_train(qr, &xb, n, qr.map(|q| q.act_percentile));
            let mut dl = vec![0.0f32; logits.len()];
            loss_sum += softmax_cross_entropy(&logits, &yb, classes, &mut dl) * n as f64;
            correct += argmax_rows(&logits, classes)
                .iter()
                .zip(&yb)
                .filter(|(p, y)| **p == **y as usize)
                .count();
            let g = net.backward(qr, &cache, &dl, n);
            {
                let mut params: Vec<&mut [f32]> = Vec::new();
                let (ws, bs) = (&mut net.weights, &mut net.biases);
                params.extend(ws.iter_mut().map(|w| &mut w[..]));
                params.extend(bs.iter_mut().map(|b| &mut b[..]));
                let grads: Vec<&[f32]> =
                    g.weights.iter().chain(&g.biases).map(|v| &v[..]).collect();
                opt.step(&mut params, &grads, lr);
            }
            if let Some(q) = q.as_deref_mut() {
                let mom = q.act_momentum;
                for (c, s) in q.act_clip.iter_mut().zip(&cache.act_stats) {
                    *c = (mom * *c + (1.0 - mom) * s).max(1e-6);
                }
            }
            seen += n;
            if bi % 16 == 15 {
                batches.message(&format!(
                    "loss {:.4}  acc {:.2}%",
                    loss_sum / seen as f64,
                    100.0 * correct as f64 / seen as f64
                ));
            }
            batches.inc(1);
        }
        drop(batches);
        let train_secs = t0.elapsed().as_secs_f64();
        let t1 = std::time::Instant::now();
        let test_acc = evaluate(net, q.as_deref(), &data.test)?;
        let val_acc = if data.val.is_empty() {
            None
        } else {
            Some(evaluate(net, q.as_deref(), &data.val)?)
        };
        let log = EpochLog {
            phase: phase.to_string(),
            epoch,
            lr,
            loss: loss_sum / data.train.len() as f64,
            train_acc: correct as f64 / data.train.len() as f64,
            test_acc,
            val_acc,
            train_secs,
            eval_secs: t1.elapsed().as_secs_f64(),
            samples_per_sec: data.train.len() as f64 / train_secs.max(1e-9),
        };
        progress(&log);
        logs.push(log);
        epochs.inc(1);
        if early {
            let v = val_acc.expect("validation split");
            if best.as_ref().is_none_or(|(b, _)| v > *b) {
                best = Some((v, net.clone()));
                since_best = 0;
            } else {
                since_best += 1;
                if since_best >= cfg.patience {
                    if drops == cfg.plateau_drops {
                        break;
                    }
                    drops += 1;
                    since_best = 0;
                    lr *= cfg.lr_decay;
                    if let Some((_, b)) = &best {
                        *net = b.clone();
                    }
                    // Fresh optimiser state for the lower learning rate.
                    opt = Optimizer::new(cfg.optimizer, &sizes);
                }
            }
        }
    }
    if let Some((_, b)) = best {
        *net = b;
    }
    Ok(logs)
}
