//! Training recipes and the paper's mixed-precision notation.
//!
//! A [`Recipe`] is a set of defaults for `potmac qat`; every value can still be overridden on
//! the command line.
//!
//! - [`Recipe::Fast`] (the default): float pre-training with Adam (lr 1e-3) for a fixed 40
//!   (digits) or 5 (Fashion-MNIST) epochs, then QAT with Adam, lr 1e-4 ×0.1 every 5 epochs, for
//!   15 (digits) or 3 (Fashion-MNIST) epochs, weights `pot:4` (with a zero code). Short runs.
//! - [`Recipe::Paper`]: Przewlocka-Rus et al.'s fine-tuning. The float model is trained to
//!   convergence: Adam lr 1e-3 on 90 % of the training data; whenever the accuracy on the
//!   other 10 % (the validation split, never used for gradients) has not improved for 20
//!   (digits: 144 validation images, so single images move it) or 5 (Fashion-MNIST: 6,000)
//!   epochs, training resumes from the best parameters with the learning rate ×0.1; at the
//!   third such plateau (after two drops, lr 1e-5) it stops, at most after 300 or 60 epochs,
//!   keeping the best-validation weights. QAT then fine-tunes it on the same 90 % with SGD (momentum
//!   0.9), lr 1e-3 ×0.1 every 5 epochs, 15 epochs, weights `pot:4:none` (the paper's PoT: all
//!   2^(b−1) exponent codes are magnitudes, no zero code), per-layer dynamic max|W| range,
//!   straight-through estimator, every layer quantized.
//!
//! The paper writes layer precisions as `4L/8U`: the layers before the last in 4-bit log
//! (PoT), the last (fully connected) layer 8-bit uniform. [`Mixed::parse`] reads that notation
//! with two terms (`HIDDEN/LAST`) or three (`FIRST/HIDDEN/LAST`); a term is a width and a
//! letter: `L` PoT without a zero code (`pot:N:none`, the paper's), `U` uniform, `A` APoT.
//! The paper's `32F` (float) is rejected: every layer is exported to integer hardware.

use super::optim::OptimizerKind;
use super::QatError;
use crate::quant::spec::{FormatKind, FormatSpec, ZeroSpec};
use serde::{Deserialize, Serialize};

/// A set of training defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Recipe {
    Fast,
    Paper,
}

/// Fraction of the training data the paper recipe holds out as the validation split.
pub const PAPER_VAL_FRACTION: f64 = 0.1;

/// The values a recipe sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecipeDefaults {
    pub weights: FormatSpec,
    /// Float epochs (the cap when `fp_patience > 0`).
    pub fp_epochs: usize,
    /// Early stopping patience of the float training (0 = run all `fp_epochs`).
    pub fp_patience: usize,
    /// Learning-rate drops (×0.1) at validation plateaus before the float training stops.
    pub fp_plateau_drops: usize,
    /// Training fraction held out for the validation split (0 = none).
    pub val_fraction: f64,
    pub epochs: usize,
    pub optimizer: OptimizerKind,
    pub lr: f32,
    pub lr_step: usize,
}

impl Recipe {
    /// The name `--recipe` takes.
    pub fn name(self) -> &'static str {
        match self {
            Recipe::Fast => "fast",
            Recipe::Paper => "paper",
        }
    }

    /// The defaults for a small (digits) or a large (Fashion-MNIST) data set.
    pub fn defaults(self, small: bool) -> RecipeDefaults {
        match self {
            Recipe::Fast => RecipeDefaults {
                weights: FormatSpec {
                    kind: FormatKind::Pot,
                    bits: 4,
                    zero: ZeroSpec::Code,
                },
                fp_epochs: if small { 40 } else { 5 },
                fp_patience: 0,
                fp_plateau_drops: 0,
                val_fraction: 0.0,
                epochs: if small { 15 } else { 3 },
                optimizer: OptimizerKind::adam(),
                lr: 1e-4,
                lr_step: 5,
            },
            Recipe::Paper => RecipeDefaults {
                weights: FormatSpec {
                    kind: FormatKind::Pot,
                    bits: 4,
                    zero: ZeroSpec::None,
                },
                fp_epochs: if small { 300 } else { 60 },
                fp_patience: if small { 20 } else { 5 },
                fp_plateau_drops: 2,
                val_fraction: PAPER_VAL_FRACTION,
                epochs: 15,
                optimizer: OptimizerKind::sgd(),
                lr: 1e-3,
                lr_step: 5,
            },
        }
    }
}

/// Layer formats written in the paper's notation (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mixed {
    /// The first layer, when the notation has three terms.
    pub first: Option<FormatSpec>,
    /// Every layer but the last (and the first, when `first` is set).
    pub hidden: FormatSpec,
    /// The last layer.
    pub last: FormatSpec,
}

impl Mixed {
    /// Parse `4L/8U` or `8U/4L/8U`.
    pub fn parse(s: &str) -> Result<Self, QatError> {
        let terms: Vec<&str> = s.split('/').map(str::trim).collect();
        let specs = terms
            .iter()
            .map(|t| term(t, s))
            .collect::<Result<Vec<_>, _>>()?;
        match specs[..] {
            [hidden, last] => Ok(Self {
                first: None,
                hidden,
                last,
            }),
            [first, hidden, last] => Ok(Self {
                first: Some(first),
                hidden,
                last,
            }),
            _ => Err(QatError::Config(format!(
                "mixed precision `{s}`: expected HIDDEN/LAST or FIRST/HIDDEN/LAST, e.g. 4L/8U"
            ))),
        }
    }
}

/// One term of the notation: bits and a letter.
fn term(t: &str, whole: &str) -> Result<FormatSpec, QatError> {
    let bad = |why: &str| {
        QatError::Config(format!(
            "mixed precision `{whole}`: term `{t}` {why} (e.g. 4L = 4-bit PoT, 8U = 8-bit uniform, 4A = 4-bit APoT)"
        ))
    };
    let letter = t.chars().last().ok_or_else(|| bad("is empty"))?;
    let bits: u32 = t[..t.len() - letter.len_utf8()]
        .parse()
        .map_err(|_| bad("needs a width before the letter"))?;
    let (kind, zero) = match letter.to_ascii_uppercase() {
        'L' => (FormatKind::Pot, ZeroSpec::None),
        'U' => (FormatKind::Uniform, ZeroSpec::Code),
        'A' => (FormatKind::Apot, ZeroSpec::Code),
        'F' => {
            return Err(bad(
                "is a float layer, which potmac cannot export to integer hardware",
            ))
        }
        _ => return Err(bad("has an unknown letter (L, U or A)")),
    };
    let spec = FormatSpec { kind, bits, zero };
    spec.format()
        .map_err(|e| bad(&format!("is not a supported format: {e}")))?;
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_papers_notation() {
        let m = Mixed::parse("4L/8U").unwrap();
        assert_eq!(m.first, None);
        assert_eq!(m.hidden.label(), "pot:4:none");
        assert_eq!(m.last.label(), "uniform:8");
        let m = Mixed::parse("8u/3l/5A").unwrap();
        assert_eq!(m.first.unwrap().label(), "uniform:8");
        assert_eq!(m.hidden.label(), "pot:3:none");
        assert_eq!(m.last.label(), "apot:5");
        for bad in ["4L", "4L/32F", "L/8U", "4X/8U", "4L/8U/8U/8U", "9L/8U", ""] {
            assert!(Mixed::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn recipes_differ_where_the_paper_says() {
        let p = Recipe::Paper.defaults(false);
        assert_eq!(p.weights.label(), "pot:4:none");
        assert_eq!((p.epochs, p.lr, p.lr_step), (15, 1e-3, 5));
        assert!(matches!(p.optimizer, OptimizerKind::Sgd { .. }));
        assert!(p.fp_patience > 0 && p.val_fraction > 0.0);
        let f = Recipe::Fast.defaults(true);
        assert_eq!(
            (f.weights.label(), f.epochs, f.fp_epochs),
            ("pot:4".into(), 15, 40)
        );
    }
}
