//! Additive powers-of-two weights after Li et al. (ICLR 2020).
//!
//! A b-bit APoT weight is a sign bit plus B = b−1 bits that pick one term from each of a few
//! base sets; the magnitude is the sum of the picked terms. The base sets (exponents of 2^−k,
//! every set also holds 0) are the paper's official construction:
//!
//! | b | B | base sets | integer scale |
//! |---|---|-----------|---------------|
//! | 3 | 2 | {2^-1, 2^-2, 2^-3} | 8 |
//! | 4 | 3 | {2^-1, 2^-2, 2^-4} + {2^-3} | 16 |
//! | 5 | 4 | {2^-1, 2^-3, 2^-5} + {2^-2, 2^-4, 2^-6} | 64 |
//! | 6 | 5 | {2^-1, 2^-3, 2^-6} + {2^-2, 2^-4, 2^-7} + {2^-5} | 128 |
//! | 7 | 6 | {2^-1, 2^-4, 2^-7} + {2^-2, 2^-5, 2^-8} + {2^-3, 2^-6, 2^-9} | 512 |
//!
//! Integer values are the level sums times the integer scale 2^K (K = the largest k), so every
//! term is an integer power of two: for b = 4 the magnitudes are {0,1,2,3,4,6,8,10}.
//!
//! Code layout: `{s, f_0, f_1, …}` with the sign in the MSB and the field of the first base set
//! next. A set of three powers takes a 2-bit field (0 = no term, 1..3 = the powers in the order
//! above), a set of one power a 1-bit field. In every construction each term occupies its own
//! bit position, so all magnitudes are distinct. Rounding is to the nearest level in the linear
//! domain, ties away from zero, clipped at the largest level.

use super::{powers_text, QuantError};

/// Smallest supported width.
pub const APOT_MIN_BITS: u32 = 3;
/// Largest supported width.
pub const APOT_MAX_BITS: u32 = 7;

/// The base sets of one construction, as exponents k of 2^−k.
fn base_sets(bits: u32) -> &'static [&'static [u32]] {
    match bits {
        3 => &[&[1, 2, 3]],
        4 => &[&[1, 2, 4], &[3]],
        5 => &[&[1, 3, 5], &[2, 4, 6]],
        6 => &[&[1, 3, 6], &[2, 4, 7], &[5]],
        7 => &[&[1, 4, 7], &[2, 5, 8], &[3, 6, 9]],
        _ => unreachable!("APoT width checked in Apot::new"),
    }
}

/// One term of an APoT code: a field of the code that selects a shift or no term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApotTerm {
    /// Least significant bit of the field within the code.
    pub lsb: u32,
    /// Field width (1 or 2 bits).
    pub width: u32,
    /// Shift amount per nonzero field value: `shifts[i]` is the shift for field value i+1.
    pub shifts: Vec<u32>,
}

/// An additive powers-of-two weight format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Apot {
    bits: u32,
}

impl Apot {
    /// An APoT format of `bits` bits (3..=7).
    pub fn new(bits: u32) -> Result<Self, QuantError> {
        if !(APOT_MIN_BITS..=APOT_MAX_BITS).contains(&bits) {
            return Err(QuantError::Bits {
                format: "apot",
                min: APOT_MIN_BITS,
                max: APOT_MAX_BITS,
                got: bits,
            });
        }
        Ok(Self { bits })
    }

    /// Code width.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// K: integer values are level sums × 2^K.
    pub fn scale_exp(&self) -> u32 {
        base_sets(self.bits)
            .iter()
            .flat_map(|s| s.iter())
            .copied()
            .max()
            .unwrap_or(0)
    }

    /// The terms (code fields) of this format, first base set first (most significant).
    pub fn terms(&self) -> Vec<ApotTerm> {
        let k = self.scale_exp();
        let mut lsb = self.bits - 1;
        base_sets(self.bits)
            .iter()
            .map(|set| {
                let width = if set.len() == 1 { 1 } else { 2 };
                lsb -= width;
                ApotTerm {
                    lsb,
                    width,
                    shifts: set.iter().map(|e| k - e).collect(),
                }
            })
            .collect()
    }

    /// Split a code into (sign, shift amounts of its nonzero terms).
    pub fn fields(&self, code: u32) -> (bool, Vec<u32>) {
        let s = (code >> (self.bits - 1)) & 1 == 1;
        let shifts = self
            .terms()
            .iter()
            .filter_map(|t| {
                let f = (code >> t.lsb) & ((1 << t.width) - 1);
                (f > 0).then(|| t.shifts[f as usize - 1])
            })
            .collect();
        (s, shifts)
    }

    /// Integer value of `code`.
    pub fn decode(&self, code: u32) -> i64 {
        let (s, shifts) = self.fields(code);
        let m: i64 = shifts.iter().map(|&e| 1i64 << e).sum();
        if s {
            -m
        } else {
            m
        }
    }

    /// Largest magnitude.
    pub fn max_level(&self) -> i64 {
        (0..(1u32 << (self.bits - 1)))
            .map(|c| self.decode(c))
            .max()
            .unwrap_or(0)
    }

    /// Nearest level to `t` (integer units), ties away from zero, clipped.
    pub fn encode(&self, t: f64) -> u32 {
        let a = t.abs();
        let mut best = (0u32, f64::INFINITY, 0i64);
        for c in 0..(1u32 << (self.bits - 1)) {
            let m = self.decode(c);
            let d = (a - m as f64).abs();
            // Ties go to the larger magnitude (away from zero).
            if d < best.1 || (d == best.1 && m > best.2) {
                best = (c, d, m);
            }
        }
        let neg = t < 0.0 && best.2 != 0;
        ((neg as u32) << (self.bits - 1)) | best.0
    }

    /// Human-readable value of a code.
    pub fn describe(&self, code: u32) -> String {
        let (s, mut shifts) = self.fields(code);
        shifts.sort_unstable_by(|a, b| b.cmp(a));
        let sign = if s { "-" } else { "+" };
        match shifts.len() {
            0 => format!("{}0", if s { "-" } else { "" }),
            1 => format!("{sign}{}", powers_text(&shifts)),
            _ => format!("{sign}({})", powers_text(&shifts)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn magnitudes(bits: u32) -> Vec<i64> {
        let f = Apot::new(bits).unwrap();
        let mut m: Vec<i64> = (0..(1u32 << (bits - 1))).map(|c| f.decode(c)).collect();
        m.sort_unstable();
        m
    }

    #[test]
    fn level_sets_by_hand() {
        // b=3: {0, 2^-1, 2^-2, 2^-3} × 8.
        assert_eq!(magnitudes(3), vec![0, 1, 2, 4]);
        // b=4: ({0,2^-1,2^-2,2^-4} + {0,2^-3}) × 16 — the worked example.
        assert_eq!(magnitudes(4), vec![0, 1, 2, 3, 4, 6, 8, 10]);
        // b=5: ({0,32,8,2} + {0,16,4,1}).
        assert_eq!(
            magnitudes(5),
            vec![0, 1, 2, 3, 4, 6, 8, 9, 12, 16, 18, 24, 32, 33, 36, 48]
        );
        assert_eq!(Apot::new(6).unwrap().max_level(), 64 + 32 + 4);
        assert_eq!(Apot::new(7).unwrap().max_level(), 256 + 128 + 64);
        for b in APOT_MIN_BITS..=APOT_MAX_BITS {
            let m = magnitudes(b);
            let mut d = m.clone();
            d.dedup();
            assert_eq!(d.len(), m.len(), "b={b}: magnitudes must be distinct");
        }
    }

    #[test]
    fn code_layout_b4() {
        let f = Apot::new(4).unwrap();
        // {s, f0[1:0], f1}: f0 ∈ {0, 2^3, 2^2, 2^0}, f1 ∈ {0, 2^1}.
        assert_eq!(f.decode(0b0000), 0);
        assert_eq!(f.decode(0b0010), 8);
        assert_eq!(f.decode(0b0011), 10);
        assert_eq!(f.decode(0b0111), 3);
        assert_eq!(f.decode(0b1011), -10);
        assert_eq!(f.decode(0b0001), 2);
        assert_eq!(f.describe(0b1011), "-(2^3+2^1)");
        let t = f.terms();
        assert_eq!(
            t[0],
            ApotTerm {
                lsb: 1,
                width: 2,
                shifts: vec![3, 2, 0]
            }
        );
        assert_eq!(
            t[1],
            ApotTerm {
                lsb: 0,
                width: 1,
                shifts: vec![1]
            }
        );
    }

    #[test]
    fn linear_rounding_and_ties() {
        let f = Apot::new(4).unwrap();
        let v = |t: f64| f.decode(f.encode(t));
        assert_eq!(v(5.0), 6, "tie between 4 and 6 goes away from zero");
        assert_eq!(v(4.9), 4);
        assert_eq!(v(-5.0), -6);
        assert_eq!(v(9.0), 10);
        assert_eq!(v(0.5), 1);
        assert_eq!(v(0.49), 0);
        assert_eq!(v(55.0), 10);
        assert_eq!(
            f.encode(-0.2),
            0,
            "negative values that round to zero use +0"
        );
    }

    #[test]
    fn widths_are_checked() {
        assert!(Apot::new(2).is_err());
        assert!(Apot::new(8).is_err());
    }
}
