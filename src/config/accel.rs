//! The `accelerator:` section: memory sizes and batch of the inference accelerator built
//! around a square array, with their defaults and limits.

use super::{ArrayShape, RawAccel, MAX_ACC_BITS};

/// The memories and batch of an inference accelerator (`accelerator:`); see
/// `docs/accelerator.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccelShape {
    /// Images per pass.
    pub batch: u32,
    /// Weight memory words (C codes each).
    pub weight_words: u32,
    /// Words of each activation buffer (C activations each).
    pub act_words: u32,
    /// Bias memory words (C biases each).
    pub bias_words: u32,
    /// Bits of one bias.
    pub bias_bits: u32,
    /// Program memory depth (layer descriptors).
    pub layers: u32,
    /// Words of the testbench's image store.
    pub image_words: u32,
    /// N-tiles of logits per image the output buffer holds.
    pub out_tiles: u32,
    /// Rows of the partial-sum memory (ws): the most rows one block of a layer streams
    /// through a weight tile (images × output pixels of a convolution); at least `batch`.
    pub psum_rows: u32,
    /// The sequencer runs convolutions (kernel, stride, padding, pool: the descriptor's
    /// geometry); without, dense layers only, with a smaller sequencer and descriptor.
    pub conv: bool,
}

impl AccelShape {
    /// Defaults of the `accelerator:` fields for an array design (`acc` = accumulator bits).
    pub fn defaults(acc: u32) -> AccelShape {
        AccelShape {
            batch: 64,
            weight_words: 16384,
            act_words: 8192,
            bias_words: 256,
            bias_bits: acc,
            layers: 16,
            image_words: 1 << 20,
            out_tiles: 2,
            psum_rows: 64,
            conv: true,
        }
    }
}

/// Largest batch of an accelerator.
pub const MAX_BATCH: u32 = 4096;
/// Largest `out_tiles` (the output buffer holds batch × out_tiles + 1 records).
pub const MAX_OUT_TILES: u32 = 255;
/// Largest accelerator memory (words).
pub const MAX_ACCEL_WORDS: u32 = 1 << 24;
/// Widest accumulator or bias of an accelerator (the post-op sum has one bit more and must
/// fit the golden model's i64).
pub const MAX_ACCEL_ACC_BITS: u32 = 62;

/// Validate an `accelerator:` section: it needs a square array (either dataflow), and every
/// size must be in range. Errors are (field, message).
pub(super) fn accel_shape(
    r: &RawAccel,
    array: Option<ArrayShape>,
    acc: u32,
) -> Result<AccelShape, (&'static str, String)> {
    let Some(a) = array else {
        return Err((
            "accelerator",
            "needs an `array` section (the accelerator is built around the array)".into(),
        ));
    };
    if a.rows != a.cols {
        return Err((
            "accelerator",
            format!(
                "needs a square array (rows = cols), got {}x{}:{}",
                a.rows,
                a.cols,
                a.dataflow.name()
            ),
        ));
    }
    if acc > MAX_ACCEL_ACC_BITS {
        return Err((
            "accelerator",
            format!(
                "accumulators above {MAX_ACCEL_ACC_BITS} bits are not supported (the post-op \
                 sum has one bit more), got {acc}"
            ),
        ));
    }
    let d = AccelShape::defaults(acc);
    let pick = |f: &'static str, v: Option<u32>, def: u32, lo: u32, hi: u32| match v.unwrap_or(def)
    {
        x if (lo..=hi).contains(&x) => Ok(x),
        x => Err((f, format!("allowed range is {lo}..={hi}, got {x}"))),
    };
    let batch = pick("accelerator.batch", r.batch, d.batch, 1, MAX_BATCH)?;
    let shape = AccelShape {
        batch,
        weight_words: pick(
            "accelerator.weight_words",
            r.weight_words,
            d.weight_words,
            1,
            MAX_ACCEL_WORDS,
        )?,
        act_words: pick(
            "accelerator.act_words",
            r.act_words,
            d.act_words,
            1,
            MAX_ACCEL_WORDS,
        )?,
        bias_words: pick(
            "accelerator.bias_words",
            r.bias_words,
            d.bias_words,
            1,
            MAX_ACCEL_WORDS,
        )?,
        bias_bits: pick(
            "accelerator.bias_bits",
            r.bias_bits,
            d.bias_bits,
            acc,
            MAX_ACC_BITS,
        )?,
        layers: pick("accelerator.layers", r.layers, d.layers, 1, 4096)?,
        image_words: pick(
            "accelerator.image_words",
            r.image_words,
            d.image_words,
            1,
            MAX_ACCEL_WORDS,
        )?,
        out_tiles: pick(
            "accelerator.out_tiles",
            r.out_tiles,
            d.out_tiles,
            1,
            MAX_OUT_TILES,
        )?,
        psum_rows: pick(
            "accelerator.psum_rows",
            r.psum_rows,
            batch,
            batch,
            MAX_ACCEL_WORDS,
        )?,
        conv: r.conv.unwrap_or(d.conv),
    };
    if shape.act_words < batch {
        return Err((
            "accelerator.act_words",
            format!(
                "an activation buffer holds at least one word per image of the batch ({batch}), \
                 got {}",
                shape.act_words
            ),
        ));
    }
    Ok(shape)
}
