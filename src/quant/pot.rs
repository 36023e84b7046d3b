//! Power-of-two weights: 1 sign bit + (b−1)-bit exponent field, value ±2^e with e ≥ 0.
//!
//! Code layout: `{s, E[b-2:0]}`, sign in the MSB. The exponent field is the shift amount
//! itself, so the hardware needs no decoder:
//! - `zero: code` (default): E = all ones means exact zero; E = 0..2^(b−1)−2 means ±2^E.
//! - `zero: none`: all 2^(b−1) exponent codes are magnitudes ±2^E, E = 0..2^(b−1)−1, as in
//!   the paper, where zero only comes from pruning outside the MAC.
//!
//! Rounding is in the log domain: t → sign(t)·2^k, k = round(log2|t|) clipped to the exponent
//! range, with the tie at 2^(k+0.5) going up. With `zero: code`, |t| < 0.5 (half the smallest
//! level) encodes as zero; with `zero: none` it clips up to ±1.

use super::{powers_text, QuantError};

/// Smallest supported width (1 sign + 1 exponent bit).
pub const POT_MIN_BITS: u32 = 2;
/// Largest supported width: 6 bits give shifts up to 31.
pub const POT_MAX_BITS: u32 = 6;

/// How a PoT format represents zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZeroPolicy {
    /// The all-ones exponent code means exact zero.
    #[default]
    Code,
    /// No zero: every exponent code is a power of two.
    None,
}

impl ZeroPolicy {
    /// Config spelling: `code` or `none`.
    pub fn name(&self) -> &'static str {
        match self {
            ZeroPolicy::Code => "code",
            ZeroPolicy::None => "none",
        }
    }
}

/// A power-of-two weight format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pot {
    bits: u32,
    zero: ZeroPolicy,
}

impl Pot {
    /// A PoT format of `bits` bits (2..=6).
    pub fn new(bits: u32, zero: ZeroPolicy) -> Result<Self, QuantError> {
        if !(POT_MIN_BITS..=POT_MAX_BITS).contains(&bits) {
            return Err(QuantError::Bits {
                format: "pot",
                min: POT_MIN_BITS,
                max: POT_MAX_BITS,
                got: bits,
            });
        }
        Ok(Self { bits, zero })
    }

    /// Code width.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// Zero policy.
    pub fn zero(&self) -> ZeroPolicy {
        self.zero
    }

    /// Width of the exponent field, b−1.
    pub fn exp_bits(&self) -> u32 {
        self.bits - 1
    }

    /// The exponent code that means zero, if any.
    pub fn zero_exp(&self) -> Option<u32> {
        match self.zero {
            ZeroPolicy::Code => Some((1 << self.exp_bits()) - 1),
            ZeroPolicy::None => None,
        }
    }

    /// Largest exponent (shift amount) a code can carry.
    pub fn max_exp(&self) -> u32 {
        let all = (1u32 << self.exp_bits()) - 1;
        match self.zero {
            ZeroPolicy::Code => all - 1,
            ZeroPolicy::None => all,
        }
    }

    /// Largest magnitude, 2^max_exp.
    pub fn max_level(&self) -> i64 {
        1i64 << self.max_exp()
    }

    /// Split a code into (sign, exponent field).
    pub fn fields(&self, code: u32) -> (bool, u32) {
        let e_mask = (1u32 << self.exp_bits()) - 1;
        ((code >> self.exp_bits()) & 1 == 1, code & e_mask)
    }

    /// Integer value of `code`.
    pub fn decode(&self, code: u32) -> i64 {
        let (s, e) = self.fields(code);
        if Some(e) == self.zero_exp() {
            return 0;
        }
        let m = 1i64 << e;
        if s {
            -m
        } else {
            m
        }
    }

    /// Log-domain rounding of `t` (integer units) to a code.
    pub fn encode(&self, t: f64) -> u32 {
        let neg = t < 0.0;
        let a = t.abs();
        let e = match self.zero_exp() {
            Some(z) if a < 0.5 => z,
            _ => log2_round(a).clamp(0, self.max_exp() as i64) as u32,
        };
        let neg = neg && Some(e) != self.zero_exp();
        ((neg as u32) << self.exp_bits()) | e
    }

    /// Human-readable value of a code.
    pub fn describe(&self, code: u32) -> String {
        let (s, e) = self.fields(code);
        if Some(e) == self.zero_exp() {
            return if s { "-0".into() } else { "0".into() };
        }
        format!("{}{}", if s { '-' } else { '+' }, powers_text(&[e]))
    }
}

/// round(log2 a) with the tie 2^(k+0.5) going up; a ≤ 0 (or subnormal) gives a very
/// negative number, infinity a very large one.
pub(crate) fn log2_round(a: f64) -> i64 {
    if a.is_nan() || a <= f64::MIN_POSITIVE {
        return -2000;
    }
    if a.is_infinite() {
        return 2000;
    }
    // a = m · 2^k with m in [1, 2), both exact.
    let bits = a.to_bits();
    let k = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    // No f64 lies in [√2, SQRT_2): the constant is the nearest f64 above √2.
    if m >= std::f64::consts::SQRT_2 {
        k + 1
    } else {
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_bit_tables_by_hand() {
        let f = Pot::new(4, ZeroPolicy::Code).unwrap();
        let values: Vec<i64> = (0..16).map(|c| f.decode(c)).collect();
        assert_eq!(
            values,
            vec![1, 2, 4, 8, 16, 32, 64, 0, -1, -2, -4, -8, -16, -32, -64, 0]
        );
        let f = Pot::new(4, ZeroPolicy::None).unwrap();
        let values: Vec<i64> = (0..16).map(|c| f.decode(c)).collect();
        assert_eq!(
            values,
            vec![1, 2, 4, 8, 16, 32, 64, 128, -1, -2, -4, -8, -16, -32, -64, -128]
        );
        let f = Pot::new(2, ZeroPolicy::Code).unwrap();
        assert_eq!(
            (0..4).map(|c| f.decode(c)).collect::<Vec<_>>(),
            vec![1, 0, -1, 0]
        );
    }

    #[test]
    fn log_domain_tie_points() {
        let f = Pot::new(4, ZeroPolicy::Code).unwrap();
        let v = |t: f64| f.decode(f.encode(t));
        let s2 = std::f64::consts::SQRT_2;
        // The switch from 2^k to 2^(k+1) is at 2^(k+0.5), not at the linear midpoint 1.5·2^k.
        assert_eq!(v(1.41), 1);
        assert_eq!(v(s2), 2, "the tie goes up");
        assert_eq!(v(f64::from_bits(s2.to_bits() - 1)), 1);
        assert_eq!(
            v(1.45),
            2,
            "1.45 is below the linear midpoint 1.5 but above √2"
        );
        assert_eq!(v(4.0 * s2), 8);
        assert_eq!(v(f64::from_bits((4.0 * s2).to_bits() - 1)), 4);
        assert_eq!(v(-2.0 * s2), -4);
        assert_eq!(v(-2.8), -2);
        // Zero threshold at half the smallest level.
        assert_eq!(v(0.5), 1);
        assert_eq!(v(0.4999), 0);
        assert_eq!(v(-0.4999), 0);
        assert_eq!(
            f.encode(-0.1),
            7,
            "negative values that round to zero use +0"
        );
        // Clipping at the top: 64·√2 would round to 128, which does not exist.
        assert_eq!(v(1000.0), 64);
        assert_eq!(v(-1000.0), -64);
        let g = Pot::new(4, ZeroPolicy::None).unwrap();
        assert_eq!(g.decode(g.encode(0.0)), 1, "no zero: clips up to +1");
        assert_eq!(g.decode(g.encode(0.01)), 1);
        assert_eq!(g.decode(g.encode(-0.01)), -1);
        assert_eq!(g.decode(g.encode(1000.0)), 128);
    }

    #[test]
    fn log2_round_hand_values() {
        assert_eq!(log2_round(1.0), 0);
        assert_eq!(log2_round(3.0), 2);
        assert_eq!(log2_round(2.8), 1);
        assert_eq!(log2_round(0.75), 0);
        assert_eq!(log2_round(0.7), -1);
        assert_eq!(log2_round(1024.0), 10);
    }

    #[test]
    fn widths_are_checked() {
        assert!(Pot::new(1, ZeroPolicy::Code).is_err());
        assert!(Pot::new(7, ZeroPolicy::None).is_err());
        assert_eq!(Pot::new(6, ZeroPolicy::None).unwrap().max_exp(), 31);
        assert_eq!(Pot::new(6, ZeroPolicy::Code).unwrap().max_exp(), 30);
    }
}
