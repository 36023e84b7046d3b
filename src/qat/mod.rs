//! Built-in quantization-aware training (QAT) for uniform, PoT and APoT weights.
//!
//! After Przewlocka-Rus et al., "Power-of-Two Quantization for Low Bitwidth and Hardware
//! Compliant Neural Networks" (tinyML 2022): a float model is trained first, then fine-tuned
//! with weights quantized in the forward pass (per-layer max|W| normalisation recomputed every
//! step, log-domain PoT rounding over the code table's exponent range, straight-through
//! estimator on float shadow weights, optional pruning) and unsigned a-bit activations. All
//! weight quantization goes through the [`crate::quant`] code tables, and the trained model is
//! exported as integer codes, biases and requantization constants with an integer-only
//! inference path that matches the evaluation-time fake-quant model bit for bit.
//!
//! Modules, each using only those before it in this list: [`gemm`] (matrixmultiply wrappers),
//! [`layers`] (dense, conv im2col, ReLU, max-pool), [`loss`], [`optim`] (SGD/Adam),
//! [`quantizer`], [`data`] (digits, Fashion-MNIST), [`arch`] (layer kinds and the layer
//! chain), [`integer`] (the integer-only model and requantization), [`model`] (trainable
//! network, STE forward/backward, evaluation paths), [`narrow`] (the integer model on a narrow
//! saturating or wrapping accumulator), [`export`] (network → integer model → files),
//! [`verify`] (reading an export back: checksums, structure, field ranges), [`train`], and
//! [`pipeline`] (FP → QAT runs and sweeps used by the CLI), and [`report`] (the report and
//! sweep files and their Markdown). The seeded
//! PRNG is [`crate::rng`].

pub mod arch;
pub mod data;
pub mod export;
pub mod gemm;
pub mod integer;
pub mod layers;
pub mod loss;
pub mod model;
pub mod narrow;
pub mod optim;
pub mod pipeline;
pub mod quantizer;
pub mod report;
pub mod train;
pub mod verify;

use crate::quant::QuantError;

/// Errors of the QAT library (messages never repeat their `source`: see the crate docs,
/// "Errors").
#[derive(Debug, thiserror::Error)]
pub enum QatError {
    /// Invalid settings (format text, architecture, pruning on a format without zero).
    #[error("invalid QAT configuration: {0}")]
    Config(String),
    /// A weight or activation format that `quant` rejects.
    #[error(transparent)]
    Quant(#[from] QuantError),
    /// File system errors.
    #[error("{path}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// Fashion-MNIST files are missing.
    #[error("Fashion-MNIST file {path} not found: install the Debian package `dataset-fashion-mnist` (apt-get install dataset-fashion-mnist) or pass --data-dir")]
    MissingFashion { path: String },
    /// A malformed idx file.
    #[error("malformed idx file {path}: {msg}")]
    Idx { path: String, msg: String },
    /// The embedded digits data is malformed.
    #[error("malformed digits data: {0}")]
    Digits(String),
    /// Integer export failed (e.g. a requantization multiplier out of range).
    #[error("integer export: {0}")]
    Export(String),
    /// JSON serialisation.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}
