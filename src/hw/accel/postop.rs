//! The post-op unit's golden model: per output column,
//! `clamp(((acc + bias) · M + 2^(S−1)) >> S, 0, 2^a − 1)` (the clamp is the ReLU), or with
//! `bypass` the sum `acc + bias` itself (the last layer's logits).
//!
//! The RTL (and [`PostopWidths::apply`], which computes it the same way) never adds the
//! constant 2^(S−1): it shifts by S−1, adds 1 and shifts by one more,
//! `t = (x >> (S−1)); y = (t + 1) >> 1`, which equals `(x + 2^(S−1)) >> S` for flooring
//! shifts (write x = q·2^(S−1) + r with 0 ≤ r < 2^(S−1): both sides are ⌊(q+1)/2⌋). So no
//! datapath needs room for 2^(S−1) at the largest S. Widths, never truncating:
//! `sum = max(acc, bias) + 1` bits, `prod = sum + 17` (a signed product with the 17-bit
//! two's-complement form of the unsigned 16-bit M), the rounding add one more.

/// Bits of the requantization multiplier M (unsigned).
pub const M_BITS: u32 = 16;
/// Bits of the shift S; the unit supports S in 1..=2^S_BITS − 1.
pub const S_BITS: u32 = 6;
/// Largest S the unit supports.
pub const MAX_S: u32 = (1 << S_BITS) - 1;

/// Register stages of the RTL post-op unit: `out_o` follows `valid_i` by this many cycles,
/// and a new input enters every cycle. A: `acc + bias` (M, S − 1 and bypass registered
/// beside it); B: the product in [`MUL_STAGES`] stages (the partial products, the sum times
/// each [`MUL_CHUNK`]-bit piece of M, shifted into place and added by a tree of adders); D
/// and E: the shift by S − 1, its bits from [`SHIFT_LOW`] up, then the bits below; F: round,
/// clamp and the bypass mux. 1 + 4 + 2 + 1 = 8. Chosen by measurement on an iCE40 HX8K
/// (docs/results/accelerator.md#timing-of-the-post-op-unit-and-the-argmax).
pub const POSTOP_LATENCY: u64 = 1 + MUL_STAGES as u64 + 2 + 1;
/// Bits of M per partial product ([`M_BITS`] / `MUL_CHUNK` partial products, a power of two:
/// they are added in pairs).
pub const MUL_CHUNK: u32 = 2;
/// Levels of the product: the partial products (level 0), then log2 of their number levels
/// of adders.
pub const MUL_LEVELS: u32 = (M_BITS / MUL_CHUNK).trailing_zeros() + 1;
/// Levels of the product per register stage (the last stage may hold fewer).
pub const MUL_LEVELS_PER_STAGE: u32 = 1;
/// Register stages of the product.
pub const MUL_STAGES: u32 = MUL_LEVELS.div_ceil(MUL_LEVELS_PER_STAGE);
/// Stage D shifts by the bits of S − 1 from this one up, stage E by the bits below
/// (1..[`S_BITS`]).
pub const SHIFT_LOW: u32 = 3;
const _: () = assert!(M_BITS.is_multiple_of(MUL_CHUNK) && (M_BITS / MUL_CHUNK).is_power_of_two());

/// Whether level `l` of the product (0: the partial products) ends a register stage: every
/// [`MUL_LEVELS_PER_STAGE`] levels, and the last level.
pub fn mul_level_registered(l: u32) -> bool {
    (l + 1).is_multiple_of(MUL_LEVELS_PER_STAGE) || l + 1 == MUL_LEVELS
}
const _: () = assert!(SHIFT_LOW >= 1 && SHIFT_LOW < S_BITS);

/// The post-op unit's widths, derived from the accumulator, bias and activation widths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostopWidths {
    /// Accumulator input (the array's accumulator).
    pub acc: u32,
    /// Bias input.
    pub bias: u32,
    /// Output activation (unsigned).
    pub act: u32,
    /// `acc + bias`, and the bypass output.
    pub sum: u32,
    /// `(acc + bias) · M` and the value shifted by S−1.
    pub prod: u32,
}

impl PostopWidths {
    /// Derived widths.
    pub fn new(acc: u32, bias: u32, act: u32) -> PostopWidths {
        let sum = acc.max(bias) + 1;
        PostopWidths {
            acc,
            bias,
            act,
            sum,
            prod: sum + M_BITS + 1,
        }
    }

    /// The unit's output for one column: the requantized activation, or with `bypass` the
    /// sum. `acc`, `bias` must fit their widths, `m` in 0..2^16, `s` in 1..=[`MAX_S`].
    pub fn apply(&self, acc: i64, bias: i64, m: u32, s: u32, bypass: bool) -> i64 {
        assert!(fits(acc, self.acc) && fits(bias, self.bias), "{acc} {bias}");
        assert!(m < 1 << M_BITS && (1..=MAX_S).contains(&s), "M {m}, S {s}");
        let sum = i128::from(acc) + i128::from(bias);
        if bypass {
            return sum as i64;
        }
        let prod = sum * i128::from(m);
        debug_assert!(fits128(prod, self.prod));
        let t = prod >> (s - 1);
        let y = (t + 1) >> 1;
        y.clamp(0, (1i128 << self.act) - 1) as i64
    }
}

/// Whether `v` fits `bits` bits of two's complement.
pub fn fits(v: i64, bits: u32) -> bool {
    fits128(i128::from(v), bits)
}

fn fits128(v: i128, bits: u32) -> bool {
    let half = 1i128 << (bits - 1);
    (-half..half).contains(&v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every directed vector fits its widths, down to the narrowest accumulators (2-bit
    /// weights and activations: the random network campaign found `test_vectors` panicking on
    /// a rounding vector of 509 with a 9-bit accumulator).
    #[test]
    fn directed_vectors_fit_narrow_accumulators() {
        for acc in 3..=14 {
            for act in 2..=4 {
                let w = PostopWidths::new(acc, acc, act);
                for v in test_vectors(&w, 20, 1) {
                    assert!(
                        fits(v.acc, w.acc) && fits(v.bias, w.bias),
                        "acc {acc}: {v:?}"
                    );
                }
            }
        }
    }

    /// Values worked by hand (8-bit activations, 23-bit accumulators and biases).
    #[test]
    fn hand_worked_values() {
        let w = PostopWidths::new(23, 23, 8);
        assert_eq!((w.sum, w.prod), (24, 41));
        // M = 0.75·2^16, S = 16: 2·0.75 = 1.5 rounds half up to 2; 1·0.75 → 1; 3·0.75 = 2.25 → 2.
        assert_eq!(w.apply(2, 0, 49152, 16, false), 2);
        assert_eq!(w.apply(1, 0, 49152, 16, false), 1);
        assert_eq!(w.apply(0, 3, 49152, 16, false), 2);
        // Negative sums clamp to 0 (ReLU): −1·0.75 = −0.75 → −1 → 0; −0.5 rounds up to 0.
        assert_eq!(w.apply(-1, 0, 49152, 16, false), 0);
        assert_eq!(w.apply(-1, 0, 32768, 16, false), 0);
        // Ties at M = 2^15, S = 16 (×0.5): 509 → 254.5 → 255; 511 → 255.5 → 256 → 255.
        assert_eq!(w.apply(509, 0, 32768, 16, false), 255);
        assert_eq!(w.apply(507, 0, 32768, 16, false), 254);
        assert_eq!(w.apply(511, 0, 32768, 16, false), 255);
        // S = 1, M = 1: (x + 1) >> 1 = ⌊x/2 + 1/2⌋: 5 → 3, 4 → 2.
        assert_eq!(w.apply(5, 0, 1, 1, false), 3);
        assert_eq!(w.apply(4, 0, 1, 1, false), 2);
        // The largest S: (2^22 − 1)·(2^16 − 1) < 2^38 is far below 2^62 → 0.
        assert_eq!(w.apply((1 << 22) - 1, 0, 65535, MAX_S, false), 0);
        // Bypass: the sum, at either extreme.
        assert_eq!(w.apply(-(1 << 22), -(1 << 22), 0, 1, true), -(1 << 23));
        assert_eq!(w.apply(100, -7, 0, 1, true), 93);
    }

    /// The extremes stay inside the derived widths (the model asserts it in debug builds).
    #[test]
    fn extremes_fit_the_derived_widths() {
        for (acc, bias, act) in [(2, 2, 2), (23, 23, 8), (25, 12, 8), (64, 64, 16)] {
            let w = PostopWidths::new(acc, bias, act);
            let lo = |b: u32| {
                if b == 64 {
                    i64::MIN
                } else {
                    -(1i64 << (b - 1))
                }
            };
            let hi = |b: u32| {
                if b == 64 {
                    i64::MAX
                } else {
                    (1i64 << (b - 1)) - 1
                }
            };
            for (a, b) in [(lo(acc), lo(bias)), (hi(acc), hi(bias))] {
                for s in [1, MAX_S] {
                    let y = w.apply(a, b, (1 << M_BITS) - 1, s, false);
                    assert!((0..1 << act).contains(&y));
                }
            }
        }
    }
}

/// One post-op test vector (the expected output is [`PostopWidths::apply`] of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostopVector {
    pub acc: i64,
    pub bias: i64,
    pub m: u32,
    pub s: u32,
    pub bypass: bool,
}

/// The post-op testbench's vectors: directed edges (the largest and most negative
/// accumulators and biases, S = 1 and the largest S, M = 2^15 and 2^16 − 1, rounding ties at
/// several S, zero, bypass at the extremes), then `random` seeded ones.
pub fn test_vectors(w: &PostopWidths, random: usize, seed: u64) -> Vec<PostopVector> {
    let lo = |b: u32| -(1i64 << (b - 1).min(62));
    let hi = |b: u32| (1i64 << (b - 1).min(62)) - 1;
    let v = |acc, bias, m, s, bypass| PostopVector {
        acc,
        bias,
        m,
        s,
        bypass,
    };
    let ms = [1 << 15, (1 << 16) - 1, 1, 0x9abc];
    let mut out = Vec::new();
    for &(acc, bias) in &[
        (hi(w.acc), hi(w.bias)),
        (lo(w.acc), lo(w.bias)),
        (hi(w.acc), lo(w.bias)),
        (lo(w.acc), hi(w.bias)),
        (0, 0),
        (1, 0),
        (-1, 0),
    ] {
        for &m in &ms {
            for s in [1, 2, 15, 16, 31, MAX_S - 1, MAX_S] {
                out.push(v(acc, bias, m, s, false));
            }
        }
        out.push(v(acc, bias, 0, 1, true));
    }
    // Rounding ties: sum·M = (2j+1)·2^(S−1) exactly, for M = 2^15 (sum = (2j+1)·2^(S−16)) and
    // for M odd with S = 1 (sum·M odd).
    for s in 16..=MAX_S.min(w.sum + 13) {
        for j in [0i64, 1, 2, 126, 127, 128, 300] {
            let sum = (2 * j + 1) << (s - 16);
            if fits(sum, w.acc) {
                out.push(v(sum, 0, 1 << 15, s, false));
                out.push(v(-sum, 0, 1 << 15, s, false));
            }
        }
    }
    // Only sums the accumulator can hold (a narrow one, e.g. 2-bit weights and activations,
    // cannot hold 509: found by the random network campaign).
    for sum in [1i64, 3, 5, 509, 511, 513, -1, -3] {
        if fits(sum, w.acc) {
            out.push(v(sum, 0, (1 << 16) - 1, 1, false));
            out.push(v(sum, 0, 1, 1, false));
        }
    }
    // Around the clamp: the outputs 2^a − 2, 2^a − 1 and 2^a at M = 2^15, S = 16 (×½).
    let top = 1i64 << w.act;
    for y in [top - 2, top - 1, top] {
        for d in [-1, 0, 1] {
            let acc = 2 * y + d;
            if fits(acc, w.acc) {
                out.push(v(acc, 0, 1 << 15, 16, false));
            }
        }
    }
    let mut rng = crate::rng::Rng::new(seed);
    for _ in 0..random {
        let acc = rng.range_i64(lo(w.acc), hi(w.acc));
        let bias = rng.range_i64(lo(w.bias), hi(w.bias));
        // Mostly the export's range of M (2^15..2^16) and S near where outputs land in range.
        let m = if rng.chance(1, 8) {
            rng.below(1 << 16) as u32
        } else {
            (1 << 15) + rng.below(1 << 15) as u32
        };
        // Half of them with S where the output lands inside 0..2^a (not clamped).
        let s = if rng.chance(1, 2) {
            1 + rng.below(u64::from(MAX_S)) as u32
        } else {
            let mag = 64 - (acc + bias).unsigned_abs().leading_zeros() + M_BITS;
            let s = i64::from(mag) - i64::from(w.act) + rng.range_i64(-2, 2);
            s.clamp(1, i64::from(MAX_S)) as u32
        };
        out.push(v(acc, bias, m, s, rng.chance(1, 16)));
    }
    out
}
