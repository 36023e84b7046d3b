//! The config file as written: serde structs that reject unknown fields.

use serde::Deserialize;

/// A design config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Module prefix and output folder.
    pub name: String,
    /// Weight format.
    pub weights: RawWeights,
    /// Activation format.
    pub activations: RawActivations,
    /// Longest dot product the accumulator must hold.
    pub max_dot_length: u64,
    /// Optional accumulator width (at least the derived one).
    #[serde(default)]
    pub accumulator_bits: Option<u32>,
    /// PoT/APoT add/subtract structure: `xor` (default) or `invert`.
    #[serde(default)]
    pub adder: Option<String>,
    /// Optional systolic array.
    #[serde(default)]
    pub array: Option<RawArray>,
}

/// `weights:` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWeights {
    /// `uniform`, `pot` or `apot`.
    pub format: String,
    /// Code width.
    pub bits: u32,
    /// PoT zero policy: `code` (default) or `none`.
    #[serde(default)]
    pub zero: Option<String>,
}

/// `activations:` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActivations {
    /// Width.
    pub bits: u32,
    /// Two's complement when true.
    pub signed: bool,
}

/// `array:` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArray {
    /// Rows.
    pub rows: u32,
    /// Columns.
    pub cols: u32,
    /// `ws` or `os`.
    pub dataflow: String,
}
