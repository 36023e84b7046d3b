//! Number formats: bit-exact integer semantics of every weight and activation code.
//!
//! This module is pure arithmetic (no I/O). A weight format maps a `bits`-wide code to the
//! integer value a MAC multiplies by; the float scale of a layer lives outside the MAC.
//! Each format offers:
//! - [`WeightFormat::decode`]: code → integer weight value (what the hardware computes with),
//! - [`WeightFormat::encode`]: float weight and scale → code (what a quantizer produces),
//! - [`WeightFormat::table`]: the documented code table.
//!
//! Rounding rules (shared by the trainer and the hardware tables):
//! - uniform and APoT round to the nearest level in the linear domain, ties away from zero;
//! - PoT rounds in the log domain: |t| goes to 2^k with k = round(log2|t|), so the switch from
//!   2^k to 2^(k+1) sits at 2^(k+0.5), and the tie goes up (away from zero in the log domain).
//!   With `zero: code`, |t| below half the smallest level (0.5 in integer units) becomes 0.

mod act;
mod apot;
mod pot;
pub mod spec;
mod uniform;

pub use act::ActFormat;
pub use apot::{Apot, ApotTerm, APOT_MAX_BITS, APOT_MIN_BITS};
pub use pot::{Pot, ZeroPolicy, POT_MAX_BITS, POT_MIN_BITS};
pub use uniform::{Uniform, UNIFORM_MAX_BITS, UNIFORM_MIN_BITS};

use serde::Serialize;

/// Errors raised when a format is constructed with parameters it cannot represent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantError {
    /// A bit width outside the range a format supports.
    #[error("{format} supports {min}..={max} bits, got {got}")]
    Bits {
        format: &'static str,
        min: u32,
        max: u32,
        got: u32,
    },
    /// Text that does not name a weight format ([`spec::FormatSpec`]).
    #[error("weight format `{text}`: expected kind:bits[:none], kind = uniform|pot|apot")]
    Spec { text: String },
}

/// The three weight formats potmac builds MAC units for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightFormat {
    /// Two's-complement integer weights (a multiplier in hardware).
    Uniform(Uniform),
    /// Sign + exponent power-of-two weights (one shifter).
    Pot(Pot),
    /// Additive powers of two after Li et al. (ICLR 2020): sums of PoT terms.
    Apot(Apot),
}

/// One row of a code table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeEntry {
    /// The code as an unsigned `bits`-wide number.
    pub code: u32,
    /// The integer value the MAC multiplies by.
    pub value: i64,
    /// Human-readable form, e.g. `-2^3` or `+(2^3+2^1)`.
    pub text: String,
    /// Whether [`WeightFormat::encode`] ever produces this code (false for the
    /// uniform code −2^(b−1) and for PoT/APoT "negative zero").
    pub produced: bool,
}

impl WeightFormat {
    /// Short name used in configs and reports: `uniform`, `pot` or `apot`.
    pub fn kind(&self) -> &'static str {
        match self {
            WeightFormat::Uniform(_) => "uniform",
            WeightFormat::Pot(_) => "pot",
            WeightFormat::Apot(_) => "apot",
        }
    }

    /// Code width in bits.
    pub fn bits(&self) -> u32 {
        match self {
            WeightFormat::Uniform(f) => f.bits(),
            WeightFormat::Pot(f) => f.bits(),
            WeightFormat::Apot(f) => f.bits(),
        }
    }

    /// Number of distinct codes, `2^bits`.
    pub fn num_codes(&self) -> u32 {
        1u32 << self.bits()
    }

    /// Integer value of a code. Codes are taken modulo `2^bits`.
    pub fn decode(&self, code: u32) -> i64 {
        let code = code & (self.num_codes() - 1);
        match self {
            WeightFormat::Uniform(f) => f.decode(code),
            WeightFormat::Pot(f) => f.decode(code),
            WeightFormat::Apot(f) => f.decode(code),
        }
    }

    /// Quantize float weight `w` with scale `scale` (w ≈ scale × value) to a code.
    /// `scale` must be positive and finite; NaN weights encode as zero (or the smallest level).
    pub fn encode(&self, w: f64, scale: f64) -> u32 {
        let t = if w.is_nan() { 0.0 } else { w / scale };
        match self {
            WeightFormat::Uniform(f) => f.encode(t),
            WeightFormat::Pot(f) => f.encode(t),
            WeightFormat::Apot(f) => f.encode(t),
        }
    }

    /// The largest magnitude the encoder produces: the integer value of full scale.
    pub fn max_level(&self) -> i64 {
        match self {
            WeightFormat::Uniform(f) => f.max_level(),
            WeightFormat::Pot(f) => f.max_level(),
            WeightFormat::Apot(f) => f.max_level(),
        }
    }

    /// Smallest and largest integer value over all codes (including codes the encoder
    /// never produces: the hardware must be exact for every input).
    pub fn value_range(&self) -> (i64, i64) {
        let values = (0..self.num_codes()).map(|c| self.decode(c));
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for v in values {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        (lo, hi)
    }

    /// The full code table, code 0 first.
    pub fn table(&self) -> Vec<CodeEntry> {
        (0..self.num_codes())
            .map(|code| {
                let value = self.decode(code);
                let produced = self.encode_int(value) == code;
                CodeEntry {
                    code,
                    value,
                    text: self.describe(code),
                    produced,
                }
            })
            .collect()
    }

    /// Encode an integer value exactly (value must be one of the levels).
    fn encode_int(&self, value: i64) -> u32 {
        self.encode(value as f64, 1.0)
    }

    /// Human-readable form of a code's value.
    pub fn describe(&self, code: u32) -> String {
        let code = code & (self.num_codes() - 1);
        match self {
            WeightFormat::Uniform(f) => f.decode(code).to_string(),
            WeightFormat::Pot(f) => f.describe(code),
            WeightFormat::Apot(f) => f.describe(code),
        }
    }

    /// A one-line summary such as `pot, 4 bits, zero: code`.
    pub fn summary(&self) -> String {
        match self {
            WeightFormat::Pot(p) => format!("pot, {} bits, zero: {}", p.bits(), p.zero().name()),
            other => format!("{}, {} bits", other.kind(), other.bits()),
        }
    }
}

/// Render a magnitude that is a sum of powers of two as `2^a+2^b`.
pub(crate) fn powers_text(exps: &[u32]) -> String {
    let parts: Vec<String> = exps.iter().map(|e| format!("2^{e}")).collect();
    parts.join("+")
}

/// Smallest two's-complement width that holds every integer in `lo..=hi`.
pub fn signed_width(lo: i128, hi: i128) -> u32 {
    let mut n = 1u32;
    while !(lo >= -(1i128 << (n - 1)) && hi < (1i128 << (n - 1))) {
        n += 1;
    }
    n
}

/// Every weight format of every supported width (for tests).
#[cfg(test)]
pub(crate) fn all_formats() -> Vec<WeightFormat> {
    let mut v = Vec::new();
    for b in UNIFORM_MIN_BITS..=UNIFORM_MAX_BITS {
        v.push(WeightFormat::Uniform(Uniform::new(b).unwrap()));
    }
    for b in POT_MIN_BITS..=POT_MAX_BITS {
        v.push(WeightFormat::Pot(Pot::new(b, ZeroPolicy::Code).unwrap()));
        v.push(WeightFormat::Pot(Pot::new(b, ZeroPolicy::None).unwrap()));
    }
    for b in APOT_MIN_BITS..=APOT_MAX_BITS {
        v.push(WeightFormat::Apot(Apot::new(b).unwrap()));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_width_hand_values() {
        assert_eq!(signed_width(0, 0), 1);
        assert_eq!(signed_width(-1, 0), 1);
        assert_eq!(signed_width(0, 1), 2);
        assert_eq!(signed_width(-128, 127), 8);
        assert_eq!(signed_width(-128, 128), 9);
        assert_eq!(signed_width(-129, 0), 9);
        // uniform 8x8 signed product: -128*-128 = 16384 needs 16 bits.
        assert_eq!(signed_width(-128 * 127, 128 * 128), 16);
    }

    #[test]
    fn every_table_round_trips_its_produced_codes() {
        let formats = all_formats();
        assert!(formats.len() > 20);
        for f in formats {
            let table = f.table();
            assert_eq!(table.len() as u32, f.num_codes());
            for e in &table {
                if e.produced {
                    assert_eq!(f.encode(e.value as f64, 1.0), e.code, "{f:?} {e:?}");
                } else {
                    // Unproduced codes alias a produced value, or lie outside the encoder's range.
                    let back = f.decode(f.encode(e.value as f64, 1.0));
                    assert!(
                        back == e.value || e.value.abs() > f.max_level(),
                        "{f:?} {e:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn encode_is_monotonic_for_every_format() {
        for f in all_formats() {
            let m = f.max_level() as f64;
            let mut prev = i64::MIN;
            let steps = 4000;
            for i in 0..=steps {
                let t = -1.5 * m + 3.0 * m * (i as f64) / (steps as f64);
                let v = f.decode(f.encode(t, 1.0));
                assert!(v >= prev, "{f:?}: not monotonic at {t}");
                prev = v;
            }
        }
    }
}
