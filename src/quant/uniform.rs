//! Uniform symmetric integer weights: a `b`-bit two's-complement code.
//!
//! The encoder produces the symmetric range ±(2^(b−1)−1); the code 100…0 (−2^(b−1)) is never
//! produced but the hardware still computes with it exactly.

use super::QuantError;

/// Smallest supported width.
pub const UNIFORM_MIN_BITS: u32 = 2;
/// Largest supported width.
pub const UNIFORM_MAX_BITS: u32 = 16;

/// A `bits`-wide two's-complement weight format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uniform {
    bits: u32,
}

impl Uniform {
    /// A uniform format of `bits` bits (2..=16).
    pub fn new(bits: u32) -> Result<Self, QuantError> {
        if !(UNIFORM_MIN_BITS..=UNIFORM_MAX_BITS).contains(&bits) {
            return Err(QuantError::Bits {
                format: "uniform",
                min: UNIFORM_MIN_BITS,
                max: UNIFORM_MAX_BITS,
                got: bits,
            });
        }
        Ok(Self { bits })
    }

    /// Code width.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// Largest magnitude the encoder produces, 2^(b−1)−1.
    pub fn max_level(&self) -> i64 {
        (1i64 << (self.bits - 1)) - 1
    }

    /// Two's-complement value of `code`.
    pub fn decode(&self, code: u32) -> i64 {
        let sign = 1i64 << (self.bits - 1);
        let c = code as i64;
        if c & sign != 0 {
            c - (sign << 1)
        } else {
            c
        }
    }

    /// Round `t` (in integer units) half away from zero and clamp to ±max_level.
    pub fn encode(&self, t: f64) -> u32 {
        let m = self.max_level();
        let v = (t.round().clamp(-(m as f64), m as f64)) as i64;
        (v & ((1i64 << self.bits) - 1)) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_bit_table_by_hand() {
        let f = Uniform::new(4).unwrap();
        let values: Vec<i64> = (0..16).map(|c| f.decode(c)).collect();
        assert_eq!(
            values,
            vec![0, 1, 2, 3, 4, 5, 6, 7, -8, -7, -6, -5, -4, -3, -2, -1]
        );
        assert_eq!(f.max_level(), 7);
    }

    #[test]
    fn rounding_is_half_away_from_zero_and_clamps() {
        let f = Uniform::new(4).unwrap();
        let v = |t: f64| f.decode(f.encode(t));
        assert_eq!(v(0.5), 1);
        assert_eq!(v(-0.5), -1);
        assert_eq!(v(0.49), 0);
        assert_eq!(v(2.5), 3);
        assert_eq!(v(-2.5), -3);
        assert_eq!(v(100.0), 7);
        assert_eq!(v(-100.0), -7, "symmetric: -8 is never produced");
    }

    #[test]
    fn widths_are_checked() {
        assert!(Uniform::new(1).is_err());
        assert!(Uniform::new(17).is_err());
        assert_eq!(
            Uniform::new(1).unwrap_err().to_string(),
            "uniform supports 2..=16 bits, got 1"
        );
    }
}
