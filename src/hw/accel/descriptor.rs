//! The layer descriptor the sequencers run ([`Descriptor`], with a ws layer's convolution
//! [`Geometry`]) and the bias memory's elements ([`BiasEntry`]): their fields and widths as the
//! program and bias memories hold them (`docs/guide/03-accelerator.md`, "Descriptor").

use super::{AccelWidths, M_BITS, S_BITS};
use crate::config::Dataflow;

/// Where a ws layer's rows come from (`docs/guide/03-accelerator.md`, "Convolutions"): a
/// convolution over the input feature map (image-major, one word = C channels of one pixel),
/// its kernel positions and channel words as the K-tiles, each output pixel (window, with
/// the pool) of each image one streamed row. A dense layer is a 1×1 convolution of a 1×1
/// image whose channel words are its K-tiles ([`Geometry::dense`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// Kernel side (1 for dense).
    pub k: u32,
    /// Stride and zero padding (each side).
    pub stride: u32,
    pub pad: u32,
    /// A 2×2 stride-2 max-pool on the output path.
    pub pool: bool,
    /// Input feature map height and width.
    pub in_h: u32,
    pub in_w: u32,
    /// Output windows (pixels after the pool) per row and column.
    pub out_h: u32,
    pub out_w: u32,
    /// Images per block: the rows of a block (images × output pixels) stay in the
    /// partial-sum memory while the K-tiles go by.
    pub ipb: u32,
}

impl Geometry {
    /// A dense layer: one pixel in, one out, `ipb` images per block.
    pub fn dense(ipb: u32) -> Geometry {
        Geometry {
            k: 1,
            stride: 1,
            pad: 0,
            pool: false,
            in_h: 1,
            in_w: 1,
            out_h: 1,
            out_w: 1,
            ipb,
        }
    }

    /// Rows one image streams: its output pixels (4 per window with the pool).
    pub fn rows_per_image(&self) -> u32 {
        let q = if self.pool { 4 } else { 1 };
        self.out_h * self.out_w * q
    }
}

/// Bits of the kernel, stride and padding fields of a ws descriptor.
pub const KERNEL_BITS: u32 = 3;
pub const STRIDE_BITS: u32 = 2;
pub const PAD_BITS: u32 = 2;

/// One layer of the program: `Y = X·W` over the layer's rows (ws: [`Geometry`]), then bias
/// and the post-op (or, with `last`, bias only and the argmax).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Descriptor {
    /// The last layer: post-op bypass, outputs go to the argmax.
    pub last: bool,
    /// ws: channel words of the input (K-tiles per kernel position; a dense layer's
    /// ⌈K/R⌉); os: the steps per kernel position, the input's channels (a dense layer's K;
    /// after a convolution, its map's words × C).
    pub k_tiles: u32,
    /// ⌈N/C⌉.
    pub n_tiles: u32,
    /// N (outputs), so the last N-tile's columns past N are masked.
    pub n: u32,
    /// First weight-memory word of the layer.
    pub w_base: u32,
    /// First bias-memory word of the layer (its words hold the requantization too:
    /// [`BiasEntry`]).
    pub b_base: u32,
    /// The rows' geometry (os: the tiles', one per group and output pixel; `ipb` unused).
    pub geo: Geometry,
}

impl Descriptor {
    /// K-tiles per block of rows: kernel positions × channel words (ws); os the steps of a
    /// tile, kernel positions × `k_tiles`.
    pub fn tiles_k(&self) -> u64 {
        u64::from(self.geo.k * self.geo.k) * u64::from(self.k_tiles)
    }

    /// Words of one input pixel: ws `k_tiles`, os ⌈`k_tiles`/C⌉.
    fn pixel_words(&self, w: &AccelWidths) -> i128 {
        i128::from(match w.dataflow {
            Dataflow::Ws => self.k_tiles,
            Dataflow::Os => self.k_tiles.div_ceil(w.side),
        })
    }

    /// The descriptor word's fields `(value, bits)`, MSB first, as the program memory holds
    /// them. Without convolutions (`accelerator.conv: false`): ws `{last, k_tiles, n_tiles,
    /// n, w_base, b_base}`, os `{last, k_tiles, n_tiles, n, is, w_base, b_base}`. With
    /// convolutions: `{last, pool, k, stride, pad, k_tiles, n_tiles, n, out_h, out_w, h_pad,
    /// w_pad, rs, is, xs, ys, k0, ipb, w_base, b_base}` (os without `ipb`) with the address
    /// steps the sequencer adds (no multiplier in it), in words of a pixel's `pw` (ws
    /// `k_tiles`, os ⌈k_tiles/C⌉): `rs` = in_w·pw (words per input row), `is` = in_h·rs (per
    /// image), `xs` = stride·pw, `ys` = stride·rs, `k0` = −pad·(rs + pw) (the first kernel
    /// position's offset, modulo 2^a_addr), and the bounds `h_pad` = in_h + pad, `w_pad` =
    /// in_w + pad.
    pub fn fields(&self, w: &AccelWidths) -> Vec<(i128, u32)> {
        let tail = [
            (i128::from(self.w_base), w.w_addr),
            (i128::from(self.b_base), w.b_addr),
        ];
        let counts = [
            (i128::from(self.k_tiles), w.count),
            (i128::from(self.n_tiles), w.count),
            (i128::from(self.n), w.count),
        ];
        let os = w.dataflow == Dataflow::Os;
        let g = &self.geo;
        let cw = self.pixel_words(w);
        let rs = i128::from(g.in_w) * cw;
        let is = i128::from(g.in_h) * rs;
        let modulo = 1i128 << w.a_addr;
        let k0 = (-(i128::from(g.pad)) * (rs + cw)).rem_euclid(modulo);
        let a = |v: i128| (v % modulo, w.a_addr);
        let mut f = vec![(i128::from(self.last), 1)];
        if !w.conv {
            f.extend(counts);
            if os {
                f.push(a(is));
            }
            f.extend(tail);
            return f;
        }
        f.extend([
            (i128::from(g.pool), 1),
            (i128::from(g.k), KERNEL_BITS),
            (i128::from(g.stride), STRIDE_BITS),
            (i128::from(g.pad), PAD_BITS),
        ]);
        f.extend(counts);
        f.extend([
            (i128::from(g.out_h), w.dim),
            (i128::from(g.out_w), w.dim),
            (i128::from(g.in_h + g.pad), w.dim),
            (i128::from(g.in_w + g.pad), w.dim),
            a(rs),
            a(is),
            a(i128::from(g.stride) * cw),
            a(i128::from(g.stride) * rs),
            (k0, w.a_addr),
        ]);
        if !os {
            f.push((i128::from(g.ipb), w.batch));
        }
        f.extend(tail);
        f
    }

    /// The fields that must fit their widths, named, as (name, value, bits): `infer` says
    /// which one a model breaks.
    pub fn bounded(&self, w: &AccelWidths) -> Vec<(&'static str, u64, u32)> {
        let g = &self.geo;
        let mut v = vec![
            ("k_tiles", u64::from(self.k_tiles), w.count),
            ("n_tiles", u64::from(self.n_tiles), w.count),
            ("n", u64::from(self.n), w.count),
        ];
        let is = u64::from(g.in_h) * u64::from(g.in_w) * self.pixel_words(w) as u64;
        if w.conv {
            v.extend([
                ("kernel", u64::from(g.k), KERNEL_BITS),
                ("stride", u64::from(g.stride), STRIDE_BITS),
                ("padding", u64::from(g.pad), PAD_BITS),
                ("output height", u64::from(g.out_h), w.dim),
                ("output width", u64::from(g.out_w), w.dim),
                ("input height + padding", u64::from(g.in_h + g.pad), w.dim),
                ("input width + padding", u64::from(g.in_w + g.pad), w.dim),
                ("input words per image", is, w.a_addr),
            ]);
        } else if w.dataflow == Dataflow::Os {
            v.push(("input words per image", is, w.a_addr));
        }
        v
    }
}

/// One column's element of a bias-memory word: the output's bias and its requantization
/// (per output channel; the last layer's words hold M = 0, S = 1, which the bypass ignores).
/// A word holds C of them, column c at bits `[c·bias_col +: bias_col]`; within one, MSB
/// first, `{S, M, bias}`: bias in the low `bias` bits, M above it, S on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BiasEntry {
    pub bias: i64,
    /// Requantization multiplier M (unsigned, [`M_BITS`]) and shift S ([`S_BITS`]).
    pub m: u32,
    pub s: u32,
}

impl BiasEntry {
    /// The entry of a column past N, or of the last layer: bias 0 (or the bias), M = 0,
    /// S = 1.
    pub fn bypass(bias: i64) -> BiasEntry {
        BiasEntry { bias, m: 0, s: 1 }
    }

    /// The fields `(value, bits)`, MSB first: `{S, M, bias}`.
    pub fn fields(&self, w: &AccelWidths) -> [(i128, u32); 3] {
        [
            (i128::from(self.s), S_BITS),
            (i128::from(self.m), M_BITS),
            (i128::from(self.bias), w.postop.bias),
        ]
    }

    /// A bias-memory word of C entries (element c = column c: element 0 is the rightmost), as
    /// `(value, bits)` fields MSB first, the way `$readmemh` words are packed.
    pub fn word(entries: &[BiasEntry], w: &AccelWidths) -> Vec<(i128, u32)> {
        entries.iter().rev().flat_map(|e| e.fields(w)).collect()
    }
}
