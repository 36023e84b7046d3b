//! The training engine: built-in quantization-aware training (QAT) for uniform, PoT and APoT
//! weights, and the import of trained weights (`potmac qat`, `potmac import`).
//!
//! After Przewlocka-Rus et al., "Power-of-Two Quantization for Low Bitwidth and Hardware
//! Compliant Neural Networks" (tinyML 2022): a float model is trained first, then fine-tuned
//! with weights quantized in the forward pass (per-layer max|W| normalisation recomputed every
//! step, log-domain PoT rounding over the code table's exponent range, straight-through
//! estimator on float shadow weights, optional pruning) and unsigned a-bit activations. All
//! weight quantization goes through the [`crate::quant`] code tables, and the trained model is
//! frozen into the integer model of [`crate::model`] (codes, biases and requantization
//! constants) whose integer-only inference path matches the evaluation-time fake-quant model
//! bit for bit; [`crate::model`] also holds the layer kinds and shapes, the export files and
//! the narrow accumulator, and this engine builds on it.
//!
//! Modules, each using only those before it in this list: [`gemm`] (matrixmultiply wrappers),
//! [`layers`] (dense, conv im2col, ReLU, max-pool), [`loss`], [`optim`] (SGD/Adam),
//! [`quantizer`], [`data`] (digits, Fashion-MNIST, [`data::by_name`]), [`model`] (trainable
//! network, STE forward/backward, evaluation paths), [`freeze`] (network → integer model),
//! [`train`], and [`pipeline`] (FP → QAT runs and sweeps used by the CLI), and [`report`] (the
//! report and sweep files and their Markdown). Import reads weights with [`import`]
//! (safetensors, .npy) and [`onnx`] (ONNX graphs, BatchNorm folded into per-channel scales),
//! and [`normalize`] folds an input normalization into the first layer. The seeded PRNG is
//! [`crate::rng`].

pub mod data;
pub mod freeze;
pub mod gemm;
pub mod import;
pub mod layers;
pub mod loss;
pub mod model;
pub mod normalize;
pub mod onnx;
pub mod optim;
pub mod parallel;
pub mod pipeline;
pub mod quantizer;
pub mod recipe;
pub mod report;
pub mod settings;
pub mod stats;
// `train::train`: the training loops of the training engine.
#[allow(clippy::module_inception)]
pub mod train;

use crate::model::ModelError;
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
    /// Imported weights that do not fit (file format, tensor names, shapes, values).
    #[error("importing weights: {0}")]
    Import(String),
    /// Integer export failed (e.g. a requantization multiplier out of range).
    #[error("integer export: {0}")]
    Export(String),
    /// JSON serialisation.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// The model floor's errors are the engine's variants of the same name (same messages).
impl From<ModelError> for QatError {
    fn from(e: ModelError) -> Self {
        match e {
            ModelError::Config(m) => QatError::Config(m),
            ModelError::Quant(q) => QatError::Quant(q),
            ModelError::Io { path, source } => QatError::Io { path, source },
            ModelError::Export(m) => QatError::Export(m),
            ModelError::Json(j) => QatError::Json(j),
        }
    }
}
