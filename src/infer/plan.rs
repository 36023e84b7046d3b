//! How each layer of an exported model runs on the accelerator ([`LayerPlan`]): its input and
//! output feature maps as the activation buffers hold them, its convolution and pool, its K
//! and N; [`plan`] refuses what the accelerator does not run, naming the layer.

use super::InferError;
use crate::hw::accel::COUNT_BITS;
use crate::model::arch::{ConvShape, LayerKind};
use crate::model::IntModel;

/// A feature map: channels, height, width (a vector is `(n, 1, 1)`).
pub type Shape = (usize, usize, usize);

/// How one layer of a model runs on the accelerator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerPlan {
    /// The layer's input feature map and its output (after the pool).
    pub input: Shape,
    pub output: Shape,
    /// The convolution, or `None` for a dense layer.
    pub conv: Option<ConvShape>,
    pub pool: bool,
    /// The dot product's length (K) and the outputs (N).
    pub k: usize,
    pub n: usize,
}

impl LayerPlan {
    /// Words of one image's input and output feature maps on a `side`-wide array.
    pub fn words(&self, side: usize) -> (usize, usize) {
        let w = |(c, h, wd): Shape| h * wd * c.div_ceil(side);
        (w(self.input), w(self.output))
    }

    /// ws K-tiles per N-tile: kernel positions × channel words (a dense layer: its input's
    /// words, pixels × channel words).
    pub fn k_tiles(&self, side: usize) -> usize {
        self.conv.map_or(1, |c| c.k * c.k)
            * self.input.0.div_ceil(side)
            * if self.conv.is_some() {
                1
            } else {
                self.input.1 * self.input.2
            }
    }

    /// os steps per kernel position: a convolution's input channels; a dense layer's K, or
    /// after a convolution its input map's words × `side` (the lanes past the channels are
    /// stepped with code 0, so that the words stay in step).
    pub fn os_steps(&self, side: usize) -> usize {
        let (c, h, w) = self.input;
        if self.conv.is_some() || h * w == 1 {
            c
        } else {
            self.words(side).0 * side
        }
    }

    /// os steps of one tile: kernel positions × [`Self::os_steps`].
    pub fn os_tile_steps(&self, side: usize) -> usize {
        self.conv.map_or(1, |c| c.k * c.k) * self.os_steps(side)
    }

    /// Rows one image streams (output pixels; 4 per window with the pool).
    pub fn rows_per_image(&self) -> usize {
        let (_, h, w) = self.output;
        h * w * if self.pool { 4 } else { 1 }
    }
}

/// Every layer's plan.
pub fn plan(model: &IntModel) -> Result<Vec<LayerPlan>, InferError> {
    let mut prev: Option<Shape> = None;
    model
        .layers
        .iter()
        .enumerate()
        .map(|(l, layer)| {
            let p = match layer.kind {
                LayerKind::Dense { inputs, outputs } => LayerPlan {
                    // After a convolution: its feature map, read as one vector.
                    input: prev
                        .filter(|&(c, h, w)| c * h * w == inputs)
                        .unwrap_or((inputs, 1, 1)),
                    output: (outputs, 1, 1),
                    conv: None,
                    pool: false,
                    k: inputs,
                    n: outputs,
                },
                LayerKind::Conv(s) => {
                    // The input must be the feature map the previous layer wrote (a dense
                    // layer writes a vector: one pixel).
                    let input = (s.in_c, s.in_h, s.in_w);
                    if let Some(p) = prev.filter(|&p| p != input) {
                        return Err(InferError::Unsupported(format!(
                            "layer {l}: a convolution over a {}x{}x{} map reads the previous \
                             layer's {}x{}x{} outputs reshaped; the accelerator runs a \
                             convolution on the feature map the layer before it wrote",
                            s.in_c, s.in_h, s.in_w, p.0, p.1, p.2
                        )));
                    }
                    let q = if layer.pool { 2 } else { 1 };
                    LayerPlan {
                        input: (s.in_c, s.in_h, s.in_w),
                        output: (s.out_c, s.out_h() / q, s.out_w() / q),
                        conv: Some(s),
                        pool: layer.pool,
                        k: s.col_rows(),
                        n: s.out_c,
                    }
                }
            };
            prev = Some(p.output);
            let lim = 1usize << COUNT_BITS;
            if p.k >= lim || p.n >= lim {
                return Err(InferError::Unsupported(format!(
                    "layer {l}: {}x{} is larger than the accelerator's {COUNT_BITS}-bit counts",
                    p.k, p.n
                )));
            }
            Ok(p)
        })
        .collect()
}
