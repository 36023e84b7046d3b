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
    /// Optional accumulator width and overflow policy (`{bits, overflow}`).
    #[serde(default)]
    pub accumulator: Option<RawAccumulator>,
    /// PoT/APoT add/subtract structure: `xor` (default) or `invert`.
    #[serde(default)]
    pub adder: Option<String>,
    /// Optional systolic array.
    #[serde(default)]
    pub array: Option<RawArray>,
    /// Optional inference accelerator around the array (needs `array`).
    #[serde(default)]
    pub accelerator: Option<RawAccel>,
}

/// `accumulator:` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccumulator {
    /// Width.
    pub bits: u32,
    /// `exact` (default: at least the derived width), `saturate` or `wrap`.
    #[serde(default)]
    pub overflow: Option<String>,
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

/// `accelerator:` section: memory sizes and the batch of images per pass. Every field has a
/// default (see `docs/accelerator.md`); `potmac infer` derives them from an exported model.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccel {
    /// Images per pass (rows streamed through each weight tile).
    #[serde(default)]
    pub batch: Option<u32>,
    /// Words (one weight-tile row of C codes each) of the weight memory.
    #[serde(default)]
    pub weight_words: Option<u32>,
    /// Words (C activations each) of each of the two activation buffers.
    #[serde(default)]
    pub act_words: Option<u32>,
    /// Words (C biases each) of the bias memory.
    #[serde(default)]
    pub bias_words: Option<u32>,
    /// Bits of one bias (at least the accumulator width).
    #[serde(default)]
    pub bias_bits: Option<u32>,
    /// Layer descriptors the program memory holds.
    #[serde(default)]
    pub layers: Option<u32>,
    /// Words of the testbench's image store (all images of one run).
    #[serde(default)]
    pub image_words: Option<u32>,
    /// N-tiles of logits per image the output buffer holds (the last layer's ⌈N/C⌉ when the
    /// host asks for logits).
    #[serde(default)]
    pub out_tiles: Option<u32>,
    /// Rows of the partial-sum memory (at least `batch`; a convolution's block of images ×
    /// output pixels).
    #[serde(default)]
    pub psum_rows: Option<u32>,
    /// ws: convolutions in the sequencer (default true); false for dense layers only.
    #[serde(default)]
    pub conv: Option<bool>,
}
