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

/// Zero padding of the convolutions of a CNN built by [`Arch::cnn`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Padding {
    /// `k/2` on every side ("same"): stride 1 keeps the map's size, stride 2 halves it
    /// (rounding up).
    #[default]
    Same,
    /// No padding: a k×k kernel shrinks the map by k − 1 (before the stride).
    None,
}

impl Padding {
    /// The padding of a `k`×`k` kernel: `k/2` or 0.
    pub fn pad(self, k: usize) -> usize {
        match self {
            Padding::Same => k / 2,
            Padding::None => 0,
        }
    }
    /// `same` or `none`.
    pub fn name(self) -> &'static str {
        match self {
            Padding::Same => "same",
            Padding::None => "none",
        }
    }
}

/// How every convolution stage of a CNN is built: a `k`×`k` kernel, a stride, a padding rule
/// and whether a 2×2 max-pool follows. The default, 3×3, stride 1, "same" padding, pooled, is
/// the CNN `potmac qat --model cnn` has always trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvStage {
    pub k: usize,
    pub stride: usize,
    pub padding: Padding,
    pub pool: bool,
}

impl Default for ConvStage {
    fn default() -> Self {
        Self {
            k: 3,
            stride: 1,
            padding: Padding::Same,
            pool: true,
        }
    }
}

impl ConvStage {
    /// E.g. "a 5×5 convolution with stride 2 and padding 2".
    pub fn describe(&self) -> String {
        format!(
            "a {k}×{k} convolution with stride {s} and padding {p}",
            k = self.k,
            s = self.stride,
            p = self.padding.pad(self.k)
        )
    }
}

/// A small CNN: one convolution stage ([`ConvStage`], the same for all) per entry of
/// `channels` (its output channels), then dense hidden layers of the widths in `hidden`
/// (none: the flattened map goes straight to the classes), then the dense layer to the classes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CnnSpec {
    pub channels: Vec<usize>,
    pub stage: ConvStage,
    pub hidden: Vec<usize>,
}

impl CnnSpec {
    /// Default stages (3×3, stride 1, "same", pooled) with these channels, no hidden dense
    /// layer.
    pub fn new(channels: &[usize]) -> Self {
        Self {
            channels: channels.to_vec(),
            stage: ConvStage::default(),
            hidden: Vec::new(),
        }
    }

    /// How many of the leading stages fit on an `input` image (all of them when
    /// [`Arch::cnn`] accepts the spec).
    pub fn stages_that_fit(&self, input: (usize, usize, usize)) -> usize {
        (0..=self.channels.len())
            .rev()
            .find(|&n| {
                let head = Self {
                    channels: self.channels[..n].to_vec(),
                    ..self.clone()
                };
                Arch::cnn(input, &head, 1).is_ok()
            })
            .unwrap_or(0)
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

    /// Small CNN (see [`CnnSpec`]): for each entry of `spec.channels` a k×k convolution
    /// (stride and padding of `spec.stage`) + ReLU, and a 2×2 max-pool unless
    /// `spec.stage.pool` is off; then the dense layers of `spec.hidden` (each + ReLU) and one
    /// dense layer to the classes. An error names the first stage whose map would shrink below
    /// one pixel (or that the kernel does not fit).
    pub fn cnn(
        input: (usize, usize, usize),
        spec: &CnnSpec,
        classes: usize,
    ) -> Result<Self, ModelError> {
        let st = spec.stage;
        let (mut c, mut h, mut w) = input;
        let mut layers = Vec::new();
        let stages = spec.channels.len();
        for (i, &o) in spec.channels.iter().enumerate() {
            let s = ConvShape {
                in_c: c,
                in_h: h,
                in_w: w,
                out_c: o,
                k: st.k,
                pad: st.padding.pad(st.k),
                stride: st.stride,
            };
            let at = format!("convolution stage {} of {stages}, on a {h}×{w} map", i + 1);
            if let Some(why) = s.misfit() {
                return Err(ModelError::Config(format!("{at}: {why}")));
            }
            let (oh, ow) = (s.out_h(), s.out_w());
            (h, w) = if st.pool { (oh / 2, ow / 2) } else { (oh, ow) };
            if h == 0 || w == 0 {
                return Err(ModelError::Config(format!(
                    "{at}: {}, gives {oh}×{ow}, which the 2×2 max-pool shrinks below one pixel",
                    st.describe()
                )));
            }
            layers.push(LayerDef {
                kind: LayerKind::Conv(s),
                pool: st.pool,
            });
            c = o;
        }
        let mut n = c * h * w;
        for &o in spec.hidden.iter().chain(std::iter::once(&classes)) {
            layers.push(LayerDef {
                kind: LayerKind::Dense {
                    inputs: n,
                    outputs: o,
                },
                pool: false,
            });
            n = o;
        }
        let arch = Self {
            input,
            classes,
            layers,
        };
        arch.validate()?;
        Ok(arch)
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
            if n == 0 {
                return Err(ModelError::Config(format!(
                    "layer {i} has no outputs (a map shrunk below one pixel, or a width of 0)"
                )));
            }
        }
        match self.layers.last() {
            Some(l) if l.out_len() == self.classes && !l.pool => Ok(()),
            _ => Err(ModelError::Config(
                "the last layer must output the classes".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(
        in_chw: (usize, usize, usize),
        out_c: usize,
        k: usize,
        pad: usize,
        stride: usize,
    ) -> ConvShape {
        ConvShape {
            in_c: in_chw.0,
            in_h: in_chw.1,
            in_w: in_chw.2,
            out_c,
            k,
            pad,
            stride,
        }
    }

    fn dense(inputs: usize, outputs: usize) -> LayerDef {
        LayerDef {
            kind: LayerKind::Dense { inputs, outputs },
            pool: false,
        }
    }

    fn pooled(s: ConvShape, pool: bool) -> LayerDef {
        LayerDef {
            kind: LayerKind::Conv(s),
            pool,
        }
    }

    fn spec(
        channels: &[usize],
        k: usize,
        stride: usize,
        padding: Padding,
        pool: bool,
        hidden: &[usize],
    ) -> CnnSpec {
        CnnSpec {
            channels: channels.to_vec(),
            stage: ConvStage {
                k,
                stride,
                padding,
                pool,
            },
            hidden: hidden.to_vec(),
        }
    }

    /// The default stages are the CNN `potmac qat --model cnn` always trained: 3×3, padding 1,
    /// stride 1, pooled, one dense layer.
    #[test]
    fn the_default_cnn_is_unchanged() {
        let a = Arch::cnn((1, 8, 8), &CnnSpec::new(&[8, 16]), 10).unwrap();
        assert_eq!(
            a.layers,
            vec![
                pooled(conv((1, 8, 8), 8, 3, 1, 1), true),
                pooled(conv((8, 4, 4), 16, 3, 1, 1), true),
                dense(16 * 2 * 2, 10),
            ]
        );
        let f = Arch::cnn((1, 28, 28), &CnnSpec::new(&[8, 16]), 10).unwrap();
        assert_eq!(f.layers[2], dense(16 * 7 * 7, 10));
    }

    /// Hand-worked shapes: out = ⌊(H + 2·pad − k) / stride⌋ + 1, then ⌊/2⌋ when pooled.
    #[test]
    fn kernel_stride_padding_pool_and_hidden_layers_give_the_hand_worked_shapes() {
        // Digits 8×8, 5×5 stride 2 "same" (pad 2): (8 + 4 − 5)/2 + 1 = 4, pool → 2×2; then
        // dense 8·2·2 = 32 → 32 → 10.
        let a = Arch::cnn((1, 8, 8), &spec(&[8], 5, 2, Padding::Same, true, &[32]), 10).unwrap();
        assert_eq!(
            a.layers,
            vec![
                pooled(conv((1, 8, 8), 8, 5, 2, 2), true),
                dense(32, 32),
                dense(32, 10)
            ]
        );
        let s = a.layers[0].conv().unwrap();
        assert_eq!(
            (s.out_h(), s.out_w(), a.layers[0].out_len()),
            (4, 4, 8 * 2 * 2)
        );
        // Fashion-MNIST 28×28, 5×5 without padding: 28 → 24, pool 12; 12 → 8, pool 4; then
        // dense 16·4·4 = 256 → 64 → 32 → 10.
        let f = Arch::cnn(
            (1, 28, 28),
            &spec(&[8, 16], 5, 1, Padding::None, true, &[64, 32]),
            10,
        )
        .unwrap();
        assert_eq!(
            f.layers,
            vec![
                pooled(conv((1, 28, 28), 8, 5, 0, 1), true),
                pooled(conv((8, 12, 12), 16, 5, 0, 1), true),
                dense(256, 64),
                dense(64, 32),
                dense(32, 10)
            ]
        );
        // 1×1 kernels, stride 2, no pooling: 8 → (8 − 1)/2 + 1 = 4 → 2 → 1.
        let p = Arch::cnn(
            (1, 8, 8),
            &spec(&[4, 4, 4], 1, 2, Padding::Same, false, &[]),
            10,
        )
        .unwrap();
        assert_eq!(
            p.layers,
            vec![
                pooled(conv((1, 8, 8), 4, 1, 0, 2), false),
                pooled(conv((4, 4, 4), 4, 1, 0, 2), false),
                pooled(conv((4, 2, 2), 4, 1, 0, 2), false),
                dense(4, 10)
            ]
        );
        // 3×3 stride 2 without padding on 8×8: (8 − 3)/2 + 1 = 3, pool → 1 (the odd row and
        // column are dropped); on the 7×7 of a pooled Fashion-MNIST stage, "same": 4.
        let o = Arch::cnn((1, 8, 8), &spec(&[2], 3, 2, Padding::None, true, &[]), 10).unwrap();
        assert_eq!(o.layers[1], dense(2, 10));
        let s = conv((8, 7, 7), 16, 3, Padding::Same.pad(3), 2);
        assert_eq!((s.out_h(), s.out_w()), (4, 4));
        for a in [a, f, p, o] {
            a.validate().unwrap();
        }
    }

    #[test]
    fn stages_that_shrink_the_map_below_one_pixel_are_errors_naming_the_stage() {
        // 5×5 stride 2 + pool twice on 8×8: 8 → 4 → pool 2 → 1 → pool 0.
        let two = spec(&[8, 16], 5, 2, Padding::Same, true, &[]);
        let e = Arch::cnn((1, 8, 8), &two, 10).unwrap_err().to_string();
        assert!(
            e.contains("stage 2 of 2, on a 2×2 map")
                && e.contains("gives 1×1")
                && e.contains("below one pixel"),
            "{e}"
        );
        assert_eq!(two.stages_that_fit((1, 8, 8)), 1);
        // Without the pools it fits: 8 → 4 → 2, dense 16·2·2.
        let np = spec(&[8, 16], 5, 2, Padding::Same, false, &[]);
        assert_eq!(
            Arch::cnn((1, 8, 8), &np, 10).unwrap().layers[2],
            dense(64, 10)
        );
        assert_eq!(np.stages_that_fit((1, 8, 8)), 2);
        // Four default stages on 8×8: 8 → 4 → 2 → 1 → 0.
        let four = CnnSpec::new(&[1, 1, 1, 1]);
        let e = Arch::cnn((1, 8, 8), &four, 10).unwrap_err().to_string();
        assert!(e.contains("stage 4 of 4, on a 1×1 map"), "{e}");
        assert_eq!(four.stages_that_fit((1, 8, 8)), 3);
        // A 5×5 kernel without padding does not fit the 2×2 map of the second stage.
        let e = Arch::cnn(
            (1, 8, 8),
            &spec(&[2, 2], 5, 1, Padding::None, true, &[]),
            10,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("stage 2 of 2, on a 2×2 map") && e.contains("does not fit"),
            "{e}"
        );
    }

    #[test]
    fn an_empty_layer_does_not_validate() {
        let mut a = Arch::mlp((1, 8, 8), &[4], 10);
        a.layers[0].kind = LayerKind::Dense {
            inputs: 64,
            outputs: 0,
        };
        a.layers[1].kind = LayerKind::Dense {
            inputs: 0,
            outputs: 10,
        };
        assert!(a.validate().unwrap_err().to_string().contains("no outputs"));
    }
}
