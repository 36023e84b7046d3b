//! The inference accelerator around a weight-stationary array (`docs/accelerator.md`): the
//! post-op unit's golden model ([`postop`]), the layer descriptor the sequencer runs
//! ([`Descriptor`]), the memory widths ([`AccelWidths`]) and the analytic cycle count of a
//! pass ([`pass_cycles`]), which the RTL's measured count must equal.
//!
//! Timing of one pass (B images, R×R array, C = R), from the rising edge that samples
//! `start_i` (counted as the first cycle) to the edge after which `done_o` is high:
//!
//! ```text
//! cycles = 1 + CHECK·L + Σ_layers (FETCH + T·P + DRAIN)
//! T = ⌈K/R⌉·⌈N/C⌉ tiles, P = max(B + 1, R + C), CHECK = 5, FETCH = 2, DRAIN = drain(R) (31 on 8×8)
//! ```
//!
//! CHECK reads the L descriptors of the program before the first tile (a program error ends
//! the pass there). The cycles the last layer's FETCH waits for an empty output writer are
//! not counted (they are the stream consumer's, reported as STALL_OUT).
//!
//! FETCH reads the descriptor from the program memory (address, then data into the
//! descriptor registers); each tile loads R weight rows in its cycles 0…R−1 and streams the B
//! images in cycles 1…B (the array's documented ws schedule, period P); DRAIN waits until the
//! last row has left the array, the post-op unit and the activation write, and the argmax
//! ([`drain`] sums the named latencies), so the next layer never reads an activation being
//! written and `done_o` comes after the last class.

pub mod argmax;
pub mod descriptor;
pub mod postop;
pub mod regs;

use crate::config::{AccelShape, Dataflow, Design};
pub use argmax::{argmax_latency, argmax_levels, ARGMAX_STORE_LATENCY};
pub use descriptor::{BiasEntry, Descriptor, Geometry, KERNEL_BITS, PAD_BITS, STRIDE_BITS};
pub use postop::{PostopWidths, MAX_S, M_BITS, POSTOP_LATENCY, S_BITS};

/// Cycles to fetch one descriptor.
pub const FETCH: u64 = 2;
/// Cycles to check one descriptor before a pass (CHECK reads the program up to `last`:
/// address, the memory's data registered, products and flags, the error bits, the decision;
/// every step a register).
pub const CHECK: u64 = 5;
/// Most bits of the tile-count, output-count and class fields: a layer has fewer than 2^16
/// inputs and outputs.
pub const COUNT_BITS: u32 = 16;

/// Bits of the tile-count, output-count and class fields of a design: enough for the largest
/// count a program that fits the design can hold, at most [`COUNT_BITS`]:
/// - `k_tiles`: os K, at most `max_dot_length` (the accumulator is sized for it); ws the
///   input's channel words per pixel, at most its words per image, `act_words / batch`;
/// - a hidden layer's N (and its N-tiles): its outputs fill at most the activation buffer,
///   `act_words / batch` words of C;
/// - the last layer's N (and the class): at most `out_tiles` N-tiles of C, which CHECK
///   requires of every program.
///
/// `infer` refuses a program whose counts exceed the fields.
pub fn count_bits(x: &AccelShape, side: u32, max_dot_length: u64, os: bool) -> u32 {
    let dot = u32::try_from(max_dot_length).unwrap_or(u32::MAX);
    let k = if os {
        dot
    } else {
        x.act_words / x.batch.max(1)
    };
    let hidden = side.saturating_mul(x.act_words / x.batch.max(1));
    let last = side.saturating_mul(x.out_tiles);
    addr_bits(k.max(hidden).max(last).saturating_add(1)).min(COUNT_BITS)
}

/// Address bits of a memory of `depth` words (at least 1).
pub fn addr_bits(depth: u32) -> u32 {
    (32 - depth.saturating_sub(1).leading_zeros()).max(1)
}

/// Every width of an accelerator design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccelWidths {
    /// Array side (R = C).
    pub side: u32,
    /// Activation bits.
    pub act: u32,
    /// Weight-code bits.
    pub code: u32,
    /// The array's accumulator bits.
    pub acc: u32,
    /// The post-op unit's widths.
    pub postop: PostopWidths,
    /// Address bits: weight memory, activation buffers, bias memory, program memory.
    pub w_addr: u32,
    pub a_addr: u32,
    pub b_addr: u32,
    pub p_addr: u32,
    /// Bits of an image index within a batch, and of the batch size (0..=Batch).
    pub image: u32,
    pub batch: u32,
    /// Bits of the tile-count, output-count and class fields ([`count_bits`]).
    pub count: u32,
    /// Bits of one descriptor.
    pub desc: u32,
    /// Bits of one column's element of a bias-memory word: `{S, M, bias}`
    /// ([`BiasEntry::fields`]).
    pub bias_col: u32,
    /// ws: bits of the descriptor's feature-map sizes (height, width, plus padding).
    pub dim: u32,
    /// ws: address bits of the partial-sum memory (`psum_rows` rows), and of the tile's
    /// cycle counter (a tile lasts max(rows, R) + C cycles).
    pub prow: u32,
    pub tc: u32,
    /// With convolutions (`accelerator.conv`): the descriptor carries the geometry.
    pub conv: bool,
    /// The array's dataflow.
    pub dataflow: Dataflow,
    /// Output stationary: words per activation bank (each buffer has R banks).
    pub bank_words: u32,
}

impl AccelWidths {
    /// The widths of an accelerator design.
    ///
    /// # Panics
    /// If the design has no `accelerator` section.
    pub fn new(d: &Design) -> AccelWidths {
        let a = d.array.expect("an array design");
        let x: AccelShape = d.accel.expect("an accelerator design");
        let (w_addr, b_addr) = (addr_bits(x.weight_words), addr_bits(x.bias_words));
        let os = a.dataflow == Dataflow::Os;
        // os: images are processed in groups of R (the last one padded).
        let images = if os {
            x.batch.next_multiple_of(a.rows)
        } else {
            x.batch
        };
        let bank_words = x.act_words.div_ceil(a.rows);
        let count = count_bits(&x, a.rows, d.max_dot_length, os);
        let a_addr = if os {
            addr_bits((2 * bank_words).max(images / a.rows + 1))
        } else {
            addr_bits((2 * x.act_words).max(x.batch + 1))
        };
        let batch = addr_bits(x.batch + 1);
        // A feature map's side plus padding: at most the activation buffer's words.
        let dim = addr_bits(x.act_words + (1 << PAD_BITS)).min(16);
        let conv = x.conv;
        let desc = if !conv {
            // os: the input's words per image (`is`) too.
            1 + 3 * count + w_addr + b_addr + if os { a_addr } else { 0 }
        } else {
            2 + KERNEL_BITS
                + STRIDE_BITS
                + PAD_BITS
                + 3 * count
                + 4 * dim
                + 5 * a_addr
                + if os { 0 } else { batch }
                + w_addr
                + b_addr
        };
        AccelWidths {
            side: a.rows,
            act: d.act.bits(),
            code: d.weights.bits(),
            acc: d.widths.acc,
            postop: PostopWidths::new(d.widths.acc, x.bias_bits, d.act.bits()),
            w_addr,
            // Buffer 0 holds two input halves (loading overlaps computing).
            a_addr,
            b_addr,
            p_addr: addr_bits(x.layers),
            image: addr_bits(images),
            batch,
            count,
            desc,
            bias_col: x.bias_bits + M_BITS + S_BITS,
            dim,
            prow: addr_bits(x.psum_rows),
            tc: addr_bits(x.psum_rows.max(a.rows) + a.rows + 1),
            conv,
            dataflow: a.dataflow,
            bank_words,
        }
    }
}

/// The accelerator's memories and their sizes in bits: (name, words, bits per word). These
/// are RAMs (block RAM or SRAM macros), reported by size rather than synthesized as
/// flip-flops; the argmax's per-image store (read synchronously, so it maps to block RAM too)
/// is small and counted as part of the argmax.
pub fn memories(d: &Design) -> Vec<(&'static str, u64, u32)> {
    let w = AccelWidths::new(d);
    let x = d.accel.expect("an accelerator design");
    let c = w.side;
    vec![
        ("program", u64::from(x.layers), w.desc),
        ("weights", u64::from(x.weight_words), c * w.code),
        ("biases", u64::from(x.bias_words), c * w.bias_col),
        (
            "activations (buffer 0: two input halves; buffer 1)",
            3 * u64::from(x.act_words),
            c * w.act,
        ),
        (
            "partial sums",
            u64::from(if w.dataflow == Dataflow::Ws {
                x.psum_rows
            } else {
                x.batch
            }),
            c * w.acc,
        ),
        (
            "output records",
            u64::from(out_fifo_depth(d)),
            out_record_bits(d),
        ),
    ]
}

/// Records the output writer's FIFO holds: a whole last layer of logits (batch × out_tiles
/// rows, one per image carrying its class) and the pass's end.
pub fn out_fifo_depth(d: &Design) -> u32 {
    let x = d.accel.expect("an accelerator design");
    x.batch * x.out_tiles + 1
}

/// TDATA bits of the output stream: a row of C logits, in whole bytes, at least 32.
pub fn out_data_bits(d: &Design) -> u32 {
    let w = AccelWidths::new(d);
    (w.side * w.postop.sum).next_multiple_of(8).max(32)
}

/// TUSER bits of the output stream: {kind[2], layer, image, tile, class}.
pub fn out_user_bits(d: &Design) -> u32 {
    let w = AccelWidths::new(d);
    2 + w.p_addr + w.image + 2 * w.count
}

/// Bits of one output record (TDATA and TUSER).
pub fn out_record_bits(d: &Design) -> u32 {
    out_data_bits(d) + out_user_bits(d)
}

/// Rows of each block of a pass of `batch` images: blocks of `ipb` images (the last one
/// what is left), each image `rows_per_image` rows.
pub fn block_rows(g: &Geometry, batch: u32) -> Vec<u64> {
    let ipb = g.ipb.max(1);
    (0..batch.div_ceil(ipb))
        .map(|b| u64::from(ipb.min(batch - b * ipb)) * u64::from(g.rows_per_image()))
        .collect()
}

/// Cycles of one layer in a pass of `batch` images on an R×R array. ws: per N-tile, per
/// block of rows, the K-tiles (kernel positions × channel words) of max(rows + 1, R + C)
/// cycles each; os: per group of R images (⌈B/R⌉), per output pixel (4 per window with the
/// pool), per N-tile, one tile of K + R − 1 cycles, K = kernel positions × `k_tiles`.
pub fn layer_cycles(side: u32, df: Dataflow, d: &Descriptor, batch: u32) -> u64 {
    let r = u64::from(side);
    let tiles = match df {
        Dataflow::Ws => {
            let per_nt: u64 = block_rows(&d.geo, batch)
                .iter()
                .map(|&rows| d.tiles_k() * (rows + 1).max(2 * r))
                .sum();
            u64::from(d.n_tiles) * per_nt
        }
        Dataflow::Os => {
            u64::from(batch).div_ceil(r)
                * u64::from(d.geo.rows_per_image())
                * u64::from(d.n_tiles)
                * (d.tiles_k() + r - 1)
        }
    };
    FETCH + tiles + drain(side, df)
}

/// Registers a row passes outside the array and the units: stage 1 (the memories' data),
/// stage 2 (each bank's data registered beside its block RAM: `<name>_bram`), stage 3 (the
/// bank selected and registered: the array's inputs) and the post-op input register (`p_*_q`,
/// with the bias word).
pub const STAGE_REGS: u64 = 4;

/// Address bits of a bank of the weight and activation memories (`<name>_bram`): 2,048 words,
/// one block RAM deep at any width (an ECP5 DP16KD as 2048×9, an iCE40 SB_RAM40_4K as
/// 2048×2, side by side for wider words), so each bank's word is registered straight out of
/// its block RAMs. (Banks of 512 words, 25 for the 8×8's activation buffer, congested the
/// ECP5-85F's routing: nextpnr did not finish in 40 minutes.)
pub const BANK_BITS: u32 = 11;
/// `done_o` rises the cycle after the last class leaves the argmax.
pub const DONE_REG: u64 = 1;

/// Drain cycles after a layer's last tile: from the last read of the tile (stage 0) to
/// `done_o`, less the tile's own cycles after that read.
///
/// ```text
/// DRAIN = STAGE_REGS + ARRAY + POSTOP_LATENCY + ARGMAX_LATENCY + DONE_REG − TAIL
///   ws: ARRAY = R + C − 1 (the array's row latency),             TAIL = 1 (a tile may end
///       in its last row's cycle: the drain starts the cycle after)
///   os: ARRAY = (R + C) + (R − 1) (to the first output row, then the other R − 1 rows),
///       TAIL = R (the tile's R − 1 cycles after its last step)
/// ```
///
/// with TAIL counting the cycle after the tile's last (where the drain starts). On R = C:
/// ws 2R + 3 + POSTOP_LATENCY + ARGMAX_LATENCY, os 2R + 4 + … (8×8: 31 and 32 cycles).
/// Every layer drains for the argmax too (one counter), so a hidden layer's last activation is written ARGMAX_LATENCY + 3 cycles before the next layer
/// reads it; `tests/infer.rs` checks every pass's cycles against this model.
pub fn drain(side: u32, df: Dataflow) -> u64 {
    let (r, c) = (u64::from(side), u64::from(side));
    let (array, tail) = match df {
        // A tile may end in its last row's cycle (the next tile's weights follow that row).
        Dataflow::Ws => (r + c - 1, 1),
        Dataflow::Os => ((r + c) + (r - 1), r),
    };
    STAGE_REGS + array + POSTOP_LATENCY + argmax_latency(side) + DONE_REG - tail
}

/// Cycles of one pass of `batch` images through `program` (see the module docs).
pub fn pass_cycles(side: u32, df: Dataflow, program: &[Descriptor], batch: u32) -> u64 {
    1 + CHECK * program.len() as u64
        + program
            .iter()
            .map(|d| layer_cycles(side, df, d, batch))
            .sum::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2×2 design with 20-bit biases: an element is 20 + 16 + 6 = 42 bits, a word 84. By
    /// hand, element = S·2^36 + M·2^20 + (bias mod 2^20): column 0 (bias −1, M = 2^15, S = 16)
    /// = 0x108000fffff, column 1 (bias 5, M = 2^16 − 1, S = 1) = 0x01ffff00005, the word
    /// column 1·2^42 + column 0 = 0x07fffc0001508000fffff. The descriptor holds no M, S.
    #[test]
    fn bias_word_layout_by_hand() {
        let d = Design::from_yaml(
            "name: t\nweights: {format: pot, bits: 4, zero: code}\n\
             activations: {bits: 8, signed: false}\nmax_dot_length: 4\n\
             array: {rows: 2, cols: 2, dataflow: ws}\n\
             accelerator: {bias_bits: 20}\n",
            "test",
        )
        .unwrap();
        let w = AccelWidths::new(&d);
        assert_eq!((w.postop.bias, w.bias_col), (20, 42));
        assert_eq!(memories(&d)[2].2, 84);
        let e = [
            BiasEntry {
                bias: -1,
                m: 1 << 15,
                s: 16,
            },
            BiasEntry {
                bias: 5,
                m: (1 << 16) - 1,
                s: 1,
            },
        ];
        let f = BiasEntry::word(&e, &w);
        assert_eq!(f.iter().map(|x| x.1).sum::<u32>(), 84);
        let word = f.iter().fold(0u128, |acc, &(v, b)| {
            (acc << b) | (v as u128 & ((1 << b) - 1))
        });
        assert_eq!(word, 0x07fffc0001508000fffff);
        assert_eq!(
            BiasEntry::bypass(7),
            BiasEntry {
                bias: 7,
                m: 0,
                s: 1
            }
        );
    }

    #[test]
    fn address_bits() {
        assert_eq!(
            [1, 2, 3, 4, 5, 64, 65].map(addr_bits),
            [1, 1, 2, 2, 3, 6, 7]
        );
    }

    /// Hand-counted: the Fashion-MNIST MLP 784-128-64-10 on 8×8 with 64 images per pass:
    /// P = max(64 + 1, 8 + 8) = 65; tiles 98·16 + 16·8 + 8·2 = 1712; drain (ws) = 4 stage
    /// registers + 15 (array, 8 + 8 − 1) + 8 (post-op: sum, 4 product levels, 2 shifts,
    /// round) + 4 (argmax: 3 tree levels + the store) + 1 (done) − 1 (tail) = 31;
    /// 1 + 3·(2 + 31) + 1712·65 = 111,380 cycles, plus CHECK 3·5: 111,395, 1,740.5 per image
    /// (before the weights followed the last row, P = 72 and 123,358). os: drain =
    /// 4 + (16 + 7) + 8 + 4 + 1 − 8 = 32.
    #[test]
    fn pass_cycles_by_hand() {
        let l = |k: u32, n: u32, last| Descriptor {
            last,
            k_tiles: k.div_ceil(8),
            n_tiles: n.div_ceil(8),
            n,
            w_base: 0,
            b_base: 0,
            geo: Geometry::dense(64),
        };
        let p = [l(784, 128, false), l(128, 64, false), l(64, 10, true)];
        assert_eq!((drain(8, Dataflow::Ws), drain(8, Dataflow::Os)), (31, 32));
        assert_eq!(pass_cycles(8, Dataflow::Ws, &p, 64), 111_395);
        // One image: P = max(1 + 1, 8 + 8) = 16.
        assert_eq!(
            pass_cycles(8, Dataflow::Ws, &p, 1),
            1 + 3 * CHECK + 3 * 33 + 1712 * 16
        );
        // os, K in the descriptor: 8 groups × (16·(784+7) + 8·(128+7) + 2·(64+7)) plus
        // 3·(2 + 32) fetch and drain.
        let os = |k: u32, n: u32, last| Descriptor {
            k_tiles: k,
            ..l(k, n, last)
        };
        let p = [os(784, 128, false), os(128, 64, false), os(64, 10, true)];
        let tiles = 8 * (16 * 791 + 8 * 135 + 2 * 71);
        assert_eq!(
            pass_cycles(8, Dataflow::Os, &p, 64),
            1 + 3 * CHECK + 3 * 34 + tiles
        );
    }

    /// Hand-counted convolutions on 8×8 (ws, drain 31). The digits CNN's first layer: an
    /// 8×8×1 image, 3×3 kernel, padding 1, 8 outputs, pool: 4×4 windows of 4 pixels, 64 rows
    /// per image; with 64 partial-sum rows a block is one image, 9 K-tiles (one channel word)
    /// of max(64 + 1, 8 + 8) = 65 cycles: 2 + 64·9·65 + 31 = 37,473 cycles for 64 images.
    /// A second layer, 16 rows per image (2×2 windows) at 4 images per block, for 7 images:
    /// blocks of 4 and 3 images, 64 and 48 rows, 9 K-tiles each, two N-tiles:
    /// 2 + 2·9·(65 + 49) + 31 = 2,085.
    #[test]
    fn conv_layer_cycles_by_hand() {
        let geo = Geometry {
            k: 3,
            stride: 1,
            pad: 1,
            pool: true,
            in_h: 8,
            in_w: 8,
            out_h: 4,
            out_w: 4,
            ipb: 1,
        };
        let d = Descriptor {
            last: false,
            k_tiles: 1,
            n_tiles: 1,
            n: 8,
            w_base: 0,
            b_base: 0,
            geo,
        };
        assert_eq!(geo.rows_per_image(), 64);
        assert_eq!(layer_cycles(8, Dataflow::Ws, &d, 64), 37_473);
        let geo2 = Geometry {
            in_h: 4,
            in_w: 4,
            out_h: 2,
            out_w: 2,
            ipb: 4,
            ..geo
        };
        let d2 = Descriptor {
            n_tiles: 2,
            n: 16,
            geo: geo2,
            ..d
        };
        assert_eq!(block_rows(&geo2, 7), [64, 48]);
        assert_eq!(layer_cycles(8, Dataflow::Ws, &d2, 7), 2_085);
    }
    /// The same first layer on 8×8 os (drain 32): 64 images are 8 groups; per group 16
    /// windows × 4 pixels × 1 N-tile = 64 tiles of 9·1 + 8 − 1 = 16 cycles:
    /// 2 + 8·64·16 + 32 = 8,226 cycles. The os `k_tiles` are steps per kernel position (the
    /// input's channels): with 3 channels, tiles of 27 + 7 = 34.
    #[test]
    fn os_conv_layer_cycles_by_hand() {
        let geo = Geometry {
            k: 3,
            stride: 1,
            pad: 1,
            pool: true,
            in_h: 8,
            in_w: 8,
            out_h: 4,
            out_w: 4,
            ipb: 1,
        };
        let d = Descriptor {
            last: false,
            k_tiles: 1,
            n_tiles: 1,
            n: 8,
            w_base: 0,
            b_base: 0,
            geo,
        };
        assert_eq!(drain(8, Dataflow::Os), 32);
        assert_eq!(layer_cycles(8, Dataflow::Os, &d, 64), 8_226);
        let d3 = Descriptor { k_tiles: 3, ..d };
        assert_eq!(layer_cycles(8, Dataflow::Os, &d3, 9), 2 + 2 * 64 * 34 + 32);
    }
}
