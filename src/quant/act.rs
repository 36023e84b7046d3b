//! Activation format: `bits`-wide integers, signed (two's complement) or unsigned.

use super::QuantError;

/// Smallest supported activation width.
pub const ACT_MIN_BITS: u32 = 2;
/// Largest supported activation width.
pub const ACT_MAX_BITS: u32 = 16;

/// An activation number format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActFormat {
    bits: u32,
    signed: bool,
}

impl ActFormat {
    /// An activation format of `bits` bits (2..=16).
    pub fn new(bits: u32, signed: bool) -> Result<Self, QuantError> {
        if !(ACT_MIN_BITS..=ACT_MAX_BITS).contains(&bits) {
            return Err(QuantError::Bits {
                format: "activations",
                min: ACT_MIN_BITS,
                max: ACT_MAX_BITS,
                got: bits,
            });
        }
        Ok(Self { bits, signed })
    }

    /// Width in bits.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// Whether values are two's complement.
    pub fn signed(&self) -> bool {
        self.signed
    }

    /// Smallest value.
    pub fn min(&self) -> i64 {
        if self.signed {
            -(1i64 << (self.bits - 1))
        } else {
            0
        }
    }

    /// Largest value.
    pub fn max(&self) -> i64 {
        if self.signed {
            (1i64 << (self.bits - 1)) - 1
        } else {
            (1i64 << self.bits) - 1
        }
    }

    /// Round `x / scale` half away from zero and clamp to the range.
    pub fn quantize(&self, x: f64, scale: f64) -> i64 {
        let t = if x.is_nan() { 0.0 } else { x / scale };
        t.round().clamp(self.min() as f64, self.max() as f64) as i64
    }

    /// The `bits`-wide bit pattern of `value` (two's complement when signed).
    pub fn to_bits(&self, value: i64) -> u64 {
        (value as u64) & ((1u64 << self.bits) - 1)
    }

    /// The value of a `bits`-wide bit pattern.
    pub fn from_bits(&self, bits: u64) -> i64 {
        let b = bits & ((1u64 << self.bits) - 1);
        if self.signed && (b >> (self.bits - 1)) & 1 == 1 {
            b as i64 - (1i64 << self.bits)
        } else {
            b as i64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_bits() {
        let s = ActFormat::new(8, true).unwrap();
        let u = ActFormat::new(8, false).unwrap();
        assert_eq!((s.min(), s.max()), (-128, 127));
        assert_eq!((u.min(), u.max()), (0, 255));
        assert_eq!(s.to_bits(-1), 0xff);
        assert_eq!(s.from_bits(0x80), -128);
        assert_eq!(u.from_bits(0x80), 128);
        assert_eq!(s.quantize(2.5, 1.0), 3);
        assert_eq!(s.quantize(-2.5, 1.0), -3);
        assert_eq!(u.quantize(-3.0, 1.0), 0);
        assert_eq!(u.quantize(1e9, 1.0), 255);
        assert!(ActFormat::new(1, true).is_err());
        assert!(ActFormat::new(17, false).is_err());
    }
}
