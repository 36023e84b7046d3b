//! Datapath widths and product corners: pure arithmetic over the [`crate::quant`] formats.
//!
//! This module sits below both [`crate::config`] (which stores the derived [`MacWidths`] in
//! every validated design) and [`crate::hw`] (whose models and vector generators use them),
//! and depends on nothing but `quant`. It answers two questions about a weight format and an
//! activation format:
//! - which activation and code give the largest and the smallest single product
//!   ([`extreme_products`]; [`product_range`] is its pair of products, widened to include 0);
//! - how wide the signed activation, one product and the accumulator must be
//!   ([`MacWidths::derive`]).

use crate::quant::{signed_width, ActFormat, WeightFormat};

/// Widths of a MAC datapath, all derived from the formats and `max_dot_length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacWidths {
    /// Activation width after making it signed (A, or A+1 for unsigned activations).
    pub act_ext: u32,
    /// Exact signed width of one product `act × value(code)`.
    pub product: u32,
    /// Accumulator width: holds `max_dot_length` worst-case products exactly.
    pub acc: u32,
}

impl MacWidths {
    /// Derive the widths.
    pub fn derive(w: &WeightFormat, a: &ActFormat, max_dot_length: u64) -> MacWidths {
        let (plo, phi) = product_range(w, a);
        let l = max_dot_length as i128;
        let product = signed_width(plo, phi);
        let acc = signed_width(l * plo, l * phi).max(product);
        MacWidths {
            act_ext: a.bits() + u32::from(!a.signed()),
            product,
            acc,
        }
    }
}

/// What the accumulator does when a sum leaves its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Overflow {
    /// Never happens: the accumulator holds `max_dot_length` worst-case products (the default).
    #[default]
    Exact,
    /// Clamp to the most positive / most negative value.
    Saturate,
    /// Two's-complement wrap-around (the low bits of the exact sum).
    Wrap,
}

impl Overflow {
    /// Config spelling.
    pub fn name(&self) -> &'static str {
        match self {
            Overflow::Exact => "exact",
            Overflow::Saturate => "saturate",
            Overflow::Wrap => "wrap",
        }
    }

    /// From its config spelling.
    pub fn parse(s: &str) -> Option<Overflow> {
        [Overflow::Exact, Overflow::Saturate, Overflow::Wrap]
            .into_iter()
            .find(|o| o.name() == s)
    }

    /// The accumulator value for the exact sum `v` at `bits` bits, or `None` when an exact
    /// accumulator overflows (a broken promise, not a policy).
    pub fn apply(&self, v: i128, bits: u32) -> Option<i128> {
        let lim = 1i128 << (bits - 1);
        match self {
            _ if (-lim..lim).contains(&v) => Some(v),
            Overflow::Exact => None,
            Overflow::Saturate => Some(v.clamp(-lim, lim - 1)),
            Overflow::Wrap => {
                let m = 1i128 << bits;
                let r = v.rem_euclid(m);
                Some(if r >= lim { r - m } else { r })
            }
        }
    }
}

/// One product of the search: an activation, a weight code and `act × value(code)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corner {
    /// Activation value.
    pub act: i64,
    /// Weight code.
    pub code: u32,
    /// Their product.
    pub product: i128,
}

/// The largest and the smallest single product of a format pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extremes {
    /// The largest product.
    pub hi: Corner,
    /// The smallest (most negative) product.
    pub lo: Corner,
}

/// Which (activation, code) pair stands for an extreme product that several pairs reach, in
/// the search order of [`extreme_products`]. Among the supported formats this happens only for
/// the smallest product of uniform weights with as many bits as signed activations (4 bits:
/// −8 × 7 = 7 × −8). The MAC vectors and the array GEMMs have always chosen differently there;
/// each keeps its choice so that generated files do not change (their tests pin it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tie {
    /// The first pair reached (the array test GEMMs).
    First,
    /// The last pair reached (the MAC testbench vectors).
    Last,
}

/// The extreme products over every weight code and the two end activations. Searched code by
/// code in ascending order, `a.min()` before `a.max()` for each code; `tie` picks among pairs
/// with the same product. The end activations suffice: for a fixed code the product is
/// monotone in the activation.
pub fn extreme_products(w: &WeightFormat, a: &ActFormat, tie: Tie) -> Extremes {
    let mut best: Option<Extremes> = None;
    for code in 0..w.num_codes() {
        for act in [a.min(), a.max()] {
            let c = Corner {
                act,
                code,
                product: i128::from(act) * i128::from(w.decode(code)),
            };
            let Some(e) = &mut best else {
                best = Some(Extremes { hi: c, lo: c });
                continue;
            };
            let take = |new: i128, old: i128, better: bool| match tie {
                Tie::First => better,
                Tie::Last => better || new == old,
            };
            if take(c.product, e.hi.product, c.product > e.hi.product) {
                e.hi = c;
            }
            if take(c.product, e.lo.product, c.product < e.lo.product) {
                e.lo = c;
            }
        }
    }
    best.expect("a format has at least one code")
}

/// Smallest and largest product over every activation and every weight code, widened to
/// include 0.
pub fn product_range(w: &WeightFormat, a: &ActFormat) -> (i128, i128) {
    let e = extreme_products(w, a, Tie::First);
    (e.lo.product.min(0), e.hi.product.max(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::{all_formats, Apot, Pot, Uniform, ZeroPolicy};

    fn act_formats() -> Vec<ActFormat> {
        (2..=16)
            .flat_map(|b| [false, true].map(|s| ActFormat::new(b, s).unwrap()))
            .collect()
    }

    /// Hand-worked overflow at 8 bits (range −128..=127).
    #[test]
    fn overflow_policies_by_hand() {
        let (s, w, e) = (Overflow::Saturate, Overflow::Wrap, Overflow::Exact);
        assert_eq!(s.apply(127, 8), Some(127));
        assert_eq!(s.apply(128, 8), Some(127));
        assert_eq!(s.apply(1000, 8), Some(127));
        assert_eq!(s.apply(-129, 8), Some(-128));
        assert_eq!(s.apply(-128, 8), Some(-128));
        // 100 + 50 = 150 = 0b1001_0110 → −106; −100 − 50 = −150 → 106.
        assert_eq!(w.apply(150, 8), Some(-106));
        assert_eq!(w.apply(-150, 8), Some(106));
        assert_eq!(w.apply(256 + 5, 8), Some(5));
        assert_eq!(e.apply(127, 8), Some(127));
        assert_eq!(e.apply(128, 8), None);
        // PoT W4A8 at 16 bits: 3 × 255·64 = 48960 saturates at 32767, wraps to 48960 − 65536.
        assert_eq!(s.apply(48960, 16), Some(32767));
        assert_eq!(w.apply(48960, 16), Some(-16576));
        for v in [-70000i128, -32769, -1, 0, 32768, 99999] {
            assert_eq!(w.apply(v, 16), Some((v + 32768).rem_euclid(65536) - 32768));
        }
        assert_eq!(Overflow::parse("wrap"), Some(w));
        assert_eq!(Overflow::parse("clip"), None);
    }

    #[test]
    fn paper_widths_by_hand() {
        let u8a = ActFormat::new(8, false).unwrap();
        let s8a = ActFormat::new(8, true).unwrap();
        // Uniform W8, signed A8: the paper's 16-bit product, 24-bit accumulator for 256 terms.
        let w = MacWidths::derive(&WeightFormat::Uniform(Uniform::new(8).unwrap()), &s8a, 256);
        assert_eq!((w.act_ext, w.product, w.acc), (8, 16, 24));
        // Uniform W4, unsigned A8: 255 × -8 = -2040 → 12 bits; ×256 → 20 bits.
        let w = MacWidths::derive(&WeightFormat::Uniform(Uniform::new(4).unwrap()), &u8a, 256);
        assert_eq!((w.act_ext, w.product, w.acc), (9, 12, 20));
        // APoT W4: 255 × ±10 → 13 bits; ×256 → 21 bits.
        let w = MacWidths::derive(&WeightFormat::Apot(Apot::new(4).unwrap()), &u8a, 256);
        assert_eq!((w.product, w.acc), (13, 21));
        // PoT W4 zero:none: 255 × 128 = 32640 → 16 bits; ×16 → 20 bits.
        let p = WeightFormat::Pot(Pot::new(4, ZeroPolicy::None).unwrap());
        let w = MacWidths::derive(&p, &u8a, 16);
        assert_eq!((w.product, w.acc), (16, 20));
        // A single product never needs more than the product width.
        assert_eq!(MacWidths::derive(&p, &u8a, 1).acc, 16);
    }

    /// The tie rule only changes the pair, and only where two pairs reach the same product.
    #[test]
    fn ties_pick_first_or_last_pair() {
        let w = WeightFormat::Uniform(Uniform::new(4).unwrap());
        let a = ActFormat::new(4, true).unwrap();
        let first = extreme_products(&w, &a, Tie::First);
        let last = extreme_products(&w, &a, Tie::Last);
        // hi: (−8)·(−8) = 64 is unique; lo: −8 · 7 (code 7) and 7 · −8 (code 8).
        let hi = Corner {
            act: -8,
            code: 8,
            product: 64,
        };
        assert_eq!((first.hi, last.hi), (hi, hi));
        assert_eq!(
            (first.lo.act, first.lo.code, first.lo.product),
            (-8, 7, -56)
        );
        assert_eq!((last.lo.act, last.lo.code, last.lo.product), (7, 8, -56));
    }

    /// The search agrees with the closed form: products at the corners of the value range.
    #[test]
    fn extremes_are_the_value_range_corners() {
        for w in all_formats() {
            let (wlo, whi) = w.value_range();
            for a in act_formats() {
                let corners = [wlo, whi].map(|v| [a.min(), a.max()].map(|x| x as i128 * v as i128));
                let corners = corners.as_flattened();
                for tie in [Tie::First, Tie::Last] {
                    let e = extreme_products(&w, &a, tie);
                    assert_eq!(e.hi.product, *corners.iter().max().unwrap(), "{w:?} {a:?}");
                    assert_eq!(e.lo.product, *corners.iter().min().unwrap(), "{w:?} {a:?}");
                    for c in [e.hi, e.lo] {
                        assert_eq!(c.product, c.act as i128 * w.decode(c.code) as i128);
                    }
                }
                // Every format has positive and negative values, so widening is a no-op.
                let e = extreme_products(&w, &a, Tie::First);
                assert_eq!(product_range(&w, &a), (e.lo.product, e.hi.product));
            }
        }
    }
}
