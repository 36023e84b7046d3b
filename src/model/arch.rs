//! Network architecture: the compute layers (dense or convolution, [`LayerKind`]), whether a
//! max-pool follows each ([`LayerDef`]), and the chain from input image to classes
//! ([`Arch`]), with the shape arithmetic the float and the integer models share.

use super::ModelError;
use serde::{Deserialize, Serialize};

/// Shape of a convolution: input `C×H×W`, `O` output channels, square kernel `k`, zero
/// padding `pad` on every side, stride `stride` (1 when absent, as in exports before it).
/// Output pixel (y, x) reads input (y·stride + ky − pad, x·stride + kx − pad): PyTorch's
/// `Conv2d` with `padding=pad, stride=stride`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvShape {
    pub in_c: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub out_c: usize,
    pub k: usize,
    pub pad: usize,
    #[serde(default = "one")]
    pub stride: usize,
}

fn one() -> usize {
    1
}

impl ConvShape {
    /// Output height: ⌊(H + 2·pad − k) / stride⌋ + 1.
    pub fn out_h(&self) -> usize {
        (self.in_h + 2 * self.pad - self.k) / self.stride + 1
    }
    /// Output width: ⌊(W + 2·pad − k) / stride⌋ + 1.
    pub fn out_w(&self) -> usize {
        (self.in_w + 2 * self.pad - self.k) / self.stride + 1
    }
    /// Rows of the im2col matrix (= GEMM depth): `C·k·k`.
    pub fn col_rows(&self) -> usize {
        self.in_c * self.k * self.k
    }
    /// Output pixels per channel.
    pub fn out_pixels(&self) -> usize {
        self.out_h() * self.out_w()
    }
    /// Input values per sample.
    pub fn in_len(&self) -> usize {
        self.in_c * self.in_h * self.in_w
    }
    /// Why the shape has no output (a kernel larger than the padded input, or stride or
    /// kernel 0), if it has none.
    pub fn misfit(&self) -> Option<String> {
        (self.stride == 0 || self.k == 0 || self.k > self.in_h.min(self.in_w) + 2 * self.pad).then(
            || {
                format!(
                    "a {k}×{k} convolution with padding {p} and stride {s} does not fit its \
                     {h}×{w} input (the kernel must fit the padded input, the stride be at \
                     least 1)",
                    k = self.k,
                    p = self.pad,
                    s = self.stride,
                    h = self.in_h,
                    w = self.in_w
                )
            },
        )
    }
}

/// A compute layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum LayerKind {
    /// Fully connected, weights `[outputs][inputs]`.
    Dense { inputs: usize, outputs: usize },
    /// Convolution with zero padding and a stride, weights `[out_c][in_c·k·k]`.
    Conv(ConvShape),
}

/// A compute layer and whether a 2×2 max-pool follows its activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerDef {
    pub kind: LayerKind,
    pub pool: bool,
}

impl LayerDef {
    /// The convolution's shape, if the layer is one.
    pub fn conv(&self) -> Option<ConvShape> {
        match self.kind {
            LayerKind::Conv(s) => Some(s),
            LayerKind::Dense { .. } => None,
        }
    }
    /// Inputs per sample.
    pub fn in_len(&self) -> usize {
        match self.kind {
            LayerKind::Dense { inputs, .. } => inputs,
            LayerKind::Conv(s) => s.in_len(),
        }
    }
    /// GEMM depth (inputs of one output): `inputs` or `C·k·k`.
    pub fn fan_in(&self) -> usize {
        match self.kind {
            LayerKind::Dense { inputs, .. } => inputs,
            LayerKind::Conv(s) => s.col_rows(),
        }
    }
    /// Output rows of the weight matrix (neurons or channels).
    pub fn out_rows(&self) -> usize {
        match self.kind {
            LayerKind::Dense { outputs, .. } => outputs,
            LayerKind::Conv(s) => s.out_c,
        }
    }
    /// Accumulators per sample, before pooling.
    pub fn acc_len(&self) -> usize {
        match self.kind {
            LayerKind::Dense { outputs, .. } => outputs,
            LayerKind::Conv(s) => s.out_c * s.out_pixels(),
        }
    }
    /// (planes, height, width) of the accumulator map, for pooling.
    pub fn acc_planes(&self) -> (usize, usize, usize) {
        match self.kind {
            LayerKind::Dense { outputs, .. } => (outputs, 1, 1),
            LayerKind::Conv(s) => (s.out_c, s.out_h(), s.out_w()),
        }
    }
    /// Values per sample after activation and pooling.
    pub fn out_len(&self) -> usize {
        let (c, h, w) = self.acc_planes();
        if self.pool {
            c * (h / 2) * (w / 2)
        } else {
            c * h * w
        }
    }
}

/// Network architecture: input image shape, classes and the layer chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arch {
    /// Input (channels, height, width).
    pub input: (usize, usize, usize),
    pub classes: usize,
    pub layers: Vec<LayerDef>,
}

impl Arch {
    /// Multilayer perceptron with the given hidden widths.
    pub fn mlp(input: (usize, usize, usize), hidden: &[usize], classes: usize) -> Self {
        let mut layers = Vec::new();
        let mut n = input.0 * input.1 * input.2;
        for &h in hidden.iter().chain(std::iter::once(&classes)) {
            layers.push(LayerDef {
                kind: LayerKind::Dense {
                    inputs: n,
                    outputs: h,
                },
                pool: false,
            });
            n = h;
        }
        Self {
            input,
            classes,
            layers,
        }
    }

    /// Small CNN: for each entry of `channels`, a 3×3 convolution (padding 1) + ReLU + 2×2
    /// max-pool; then one dense layer to the classes.
    pub fn cnn(input: (usize, usize, usize), channels: &[usize], classes: usize) -> Self {
        let (mut c, mut h, mut w) = input;
        let mut layers = Vec::new();
        for &o in channels {
            let s = ConvShape {
                in_c: c,
                in_h: h,
                in_w: w,
                out_c: o,
                k: 3,
                pad: 1,
                stride: 1,
            };
            layers.push(LayerDef {
                kind: LayerKind::Conv(s),
                pool: true,
            });
            (c, h, w) = (o, s.out_h() / 2, s.out_w() / 2);
        }
        layers.push(LayerDef {
            kind: LayerKind::Dense {
                inputs: c * h * w,
                outputs: classes,
            },
            pool: false,
        });
        Self {
            input,
            classes,
            layers,
        }
    }

    /// Check that consecutive layers fit together.
    pub fn validate(&self) -> Result<(), ModelError> {
        let mut n = self.input.0 * self.input.1 * self.input.2;
        for (i, l) in self.layers.iter().enumerate() {
            if l.in_len() != n {
                return Err(ModelError::Config(format!(
                    "layer {i} expects {} inputs, gets {n}",
                    l.in_len()
                )));
            }
            if let Some(why) = l.conv().and_then(|c| c.misfit()) {
                return Err(ModelError::Config(format!("layer {i}: {why}")));
            }
            if l.pool && matches!(l.kind, LayerKind::Dense { .. }) {
                return Err(ModelError::Config(format!(
                    "layer {i}: pooling needs a conv layer"
                )));
            }
            n = l.out_len();
        }
        match self.layers.last() {
            Some(l) if l.out_len() == self.classes && !l.pool => Ok(()),
            _ => Err(ModelError::Config(
                "the last layer must output the classes".into(),
            )),
        }
    }
}
