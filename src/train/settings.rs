//! A training request and the settings it resolves to: a [`Recipe`]'s defaults for the data
//! set, overridden by every value the request sets. `potmac qat` maps its flags to a
//! [`Request`], and `potmac sweep`'s QAT metric builds the request the equivalent `potmac qat`
//! command line would, so both train with the same [`Settings`].

use super::optim::OptimizerKind;
use super::quantizer::ClipRule;
use super::recipe::{Mixed, Recipe};
use super::train::{QatConfig, TrainConfig};
use crate::model::dataset::DataSet;
use crate::quant::spec::FormatSpec;
use serde::Serialize;

/// Unsigned activation bits when the request does not set them.
pub const DEFAULT_ACT_BITS: u32 = 8;
/// Mini-batch size when the request does not set it.
pub const DEFAULT_BATCH: usize = 64;
/// Float pre-training learning rate (Adam) when the request does not set it.
pub const DEFAULT_FP_LR: f32 = 1e-3;
/// Percentile of post-ReLU activations used as the activation clip when the request does not
/// set it.
pub const DEFAULT_ACT_PERCENTILE: f64 = 99.99;
/// Seed of the float initialisation and batch order when the request does not set it; QAT
/// uses the next one.
pub const DEFAULT_SEED: u64 = 1;
/// EMA momentum of the activation clips.
pub const ACT_MOMENTUM: f32 = 0.9;

/// What a training run asks for: the recipe, the data set, and every override (`None`: the
/// recipe's value, or the default constant of this module).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub recipe: Recipe,
    pub dataset: DataSet,
    /// Format of every layer.
    pub weights: Option<FormatSpec>,
    /// Layer formats in the paper's notation (instead of `weights`).
    pub mixed: Option<Mixed>,
    pub first_layer: Option<FormatSpec>,
    pub last_layer: Option<FormatSpec>,
    pub act_bits: Option<u32>,
    /// Pruning factor (0 = off).
    pub prune: Option<f64>,
    /// Clip rule (`None`: per format).
    pub clip: Option<ClipRule>,
    pub act_percentile: Option<f64>,
    pub epochs: Option<usize>,
    pub fp_epochs: Option<usize>,
    pub fp_patience: Option<usize>,
    pub fp_plateau_drops: Option<usize>,
    pub val_fraction: Option<f64>,
    pub batch: Option<usize>,
    pub fp_lr: Option<f32>,
    /// QAT optimiser.
    pub optimizer: Option<OptimizerKind>,
    /// QAT learning rate.
    pub lr: Option<f32>,
    pub lr_step: Option<usize>,
    /// Seed of the float phase (QAT uses the next).
    pub seed: Option<u64>,
}

impl Request {
    /// A request for a recipe on a data set with no overrides.
    pub fn new(recipe: Recipe, dataset: DataSet) -> Self {
        Self {
            recipe,
            dataset,
            weights: None,
            mixed: None,
            first_layer: None,
            last_layer: None,
            act_bits: None,
            prune: None,
            clip: None,
            act_percentile: None,
            epochs: None,
            fp_epochs: None,
            fp_patience: None,
            fp_plateau_drops: None,
            val_fraction: None,
            batch: None,
            fp_lr: None,
            optimizer: None,
            lr: None,
            lr_step: None,
            seed: None,
        }
    }
}

/// The settings of a run: the recipe's defaults, overridden by every value the request sets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    pub recipe: Recipe,
    /// Formats, activation bits, pruning and clipping.
    pub q: QatConfig,
    /// The float pre-training phase.
    pub fp: TrainConfig,
    /// The QAT fine-tuning phase.
    pub qat: TrainConfig,
    /// Fraction of the training data held out as the validation split.
    pub val_fraction: f64,
}

impl Settings {
    /// Resolve a request: the recipe's defaults for the data set (digits is the small one),
    /// then every override. `mixed` sets the hidden, last and (with three terms) first formats;
    /// `first_layer` and `last_layer` override its terms.
    pub fn resolve(r: &Request) -> Settings {
        let d = r.recipe.defaults(r.dataset == DataSet::Digits);
        let (weights, first_layer, last_layer) = match r.mixed {
            Some(m) => (m.hidden, m.first, Some(m.last)),
            None => (r.weights.unwrap_or(d.weights), None, None),
        };
        let q = QatConfig {
            weights,
            first_layer: r.first_layer.or(first_layer),
            last_layer: r.last_layer.or(last_layer),
            act_bits: r.act_bits.unwrap_or(DEFAULT_ACT_BITS),
            prune: r.prune.unwrap_or(0.0),
            clip: r.clip,
            act_percentile: r.act_percentile.unwrap_or(DEFAULT_ACT_PERCENTILE),
            act_momentum: ACT_MOMENTUM,
        };
        let seed = r.seed.unwrap_or(DEFAULT_SEED);
        let fp = TrainConfig {
            epochs: r.fp_epochs.unwrap_or(d.fp_epochs),
            batch: r.batch.unwrap_or(DEFAULT_BATCH),
            lr: r.fp_lr.unwrap_or(DEFAULT_FP_LR),
            lr_step: 0,
            lr_decay: 0.1,
            optimizer: OptimizerKind::adam(),
            seed,
            patience: r.fp_patience.unwrap_or(d.fp_patience),
            plateau_drops: r.fp_plateau_drops.unwrap_or(d.fp_plateau_drops),
        };
        let qat = TrainConfig {
            epochs: r.epochs.unwrap_or(d.epochs),
            lr: r.lr.unwrap_or(d.lr),
            lr_step: r.lr_step.unwrap_or(d.lr_step),
            optimizer: r.optimizer.unwrap_or(d.optimizer),
            seed: seed.wrapping_add(1),
            patience: 0,
            plateau_drops: 0,
            ..fp
        };
        Settings {
            recipe: r.recipe,
            q,
            fp,
            qat,
            val_fraction: r.val_fraction.unwrap_or(d.val_fraction),
        }
    }

    /// The same settings with the seeds of run `k` of a multi-seed run (float: seed + k, QAT:
    /// seed + k + 1).
    pub fn with_seed(&self, seed: u64) -> Settings {
        let mut s = self.clone();
        s.fp.seed = seed;
        s.qat.seed = seed.wrapping_add(1);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_win_over_the_recipe() {
        let mut r = Request::new(Recipe::Paper, DataSet::FashionMnist);
        let s = Settings::resolve(&r);
        assert_eq!((s.fp.epochs, s.fp.patience, s.qat.epochs), (60, 5, 15));
        assert_eq!(s.q.weights.label(), "pot:4:none");
        assert_eq!((s.fp.seed, s.qat.seed), (1, 2));
        r.mixed = Some(Mixed::parse("4L/8U").unwrap());
        r.last_layer = Some("uniform:6".parse().unwrap());
        r.epochs = Some(2);
        r.seed = Some(7);
        let s = Settings::resolve(&r);
        assert_eq!(s.q.last_layer.unwrap().label(), "uniform:6");
        assert_eq!((s.qat.epochs, s.fp.seed, s.qat.seed), (2, 7, 8));
        assert_eq!(s.val_fraction, super::super::recipe::PAPER_VAL_FRACTION);
    }
}
