//! Datapath widths: pure arithmetic over the [`crate::quant`] formats.
//!
//! This module sits below both [`crate::config`] (which stores the derived [`MacWidths`] in
//! every validated design) and [`crate::hw`] (whose models and vector generators use them),
//! and depends on nothing but `quant`. Given a weight format and an activation format it
//! derives the range of one product ([`product_range`]) and how wide the signed activation,
//! one product and the accumulator must be ([`MacWidths::derive`]).

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

/// Smallest and largest product over every activation and every weight code.
pub fn product_range(w: &WeightFormat, a: &ActFormat) -> (i128, i128) {
    let (wlo, whi) = w.value_range();
    let corners = [
        a.min() as i128 * wlo as i128,
        a.min() as i128 * whi as i128,
        a.max() as i128 * wlo as i128,
        a.max() as i128 * whi as i128,
    ];
    let lo = corners.iter().copied().min().unwrap_or(0).min(0);
    let hi = corners.iter().copied().max().unwrap_or(0).max(0);
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::{Apot, Pot, Uniform, ZeroPolicy};

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
}
