//! A typed way to make a [`Design`] in code: [`Design::builder`] takes the weight format, the
//! activations and the dot length as values, optional parts by method, and [`DesignBuilder::build`]
//! runs the same validation a YAML file gets (so a built design can never skip a check). Used
//! wherever potmac makes designs itself (sweep points, the accelerator and per-layer arrays of
//! `infer`) instead of writing YAML text or raw-config literals.

use super::raw::{RawAccumulator, RawActivations, RawArray, RawConfig, RawWeights};
use super::{Adder, ArrayShape, ConfigError, Design, RawAccel};
use crate::quant::WeightFormat;
use crate::widths::Overflow;

/// A design being described; [`DesignBuilder::build`] validates it.
#[derive(Debug, Clone)]
pub struct DesignBuilder {
    raw: RawConfig,
}

/// The accelerator section of a built design: memory sizes, each `None` for its default.
pub type AccelRequest = RawAccel;

/// The config spelling of a weight format (`format`, `bits`, and `zero` for PoT).
pub fn raw_weights(w: &WeightFormat) -> RawWeights {
    RawWeights {
        format: w.kind().to_string(),
        bits: w.bits(),
        zero: match w {
            WeightFormat::Pot(p) => Some(p.zero().name().to_string()),
            _ => None,
        },
    }
}

impl Design {
    /// Describe a design named `name` (a MAC, until [`DesignBuilder::array`] is called).
    pub fn builder(
        name: &str,
        weights: &WeightFormat,
        act_bits: u32,
        act_signed: bool,
        max_dot_length: u64,
    ) -> DesignBuilder {
        DesignBuilder {
            raw: RawConfig {
                name: name.to_string(),
                weights: raw_weights(weights),
                activations: RawActivations {
                    bits: act_bits,
                    signed: act_signed,
                },
                max_dot_length,
                accumulator_bits: None,
                accumulator: None,
                adder: None,
                array: None,
                accelerator: None,
            },
        }
    }
}

impl DesignBuilder {
    /// A narrow (or widened) accumulator of `bits` with this overflow behaviour.
    pub fn accumulator(mut self, bits: u32, overflow: Overflow) -> Self {
        self.raw.accumulator = Some(RawAccumulator {
            bits,
            overflow: Some(overflow.name().to_string()),
        });
        self
    }

    /// The PoT/APoT adder structure.
    pub fn adder(mut self, adder: Adder) -> Self {
        self.raw.adder = Some(adder.name().to_string());
        self
    }

    /// An array of MACs.
    pub fn array(mut self, shape: ArrayShape) -> Self {
        self.raw.array = Some(RawArray {
            rows: shape.rows,
            cols: shape.cols,
            dataflow: shape.dataflow.name().to_string(),
        });
        self
    }

    /// An inference accelerator around the array.
    pub fn accelerator(mut self, accel: AccelRequest) -> Self {
        self.raw.accelerator = Some(accel);
        self
    }

    /// Validate; `origin` names the design in errors (as a file path would).
    pub fn build(self, origin: &str) -> Result<Design, ConfigError> {
        Design::validate(self.raw, origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Dataflow;
    use crate::quant::{Pot, ZeroPolicy};

    #[test]
    fn a_built_design_equals_the_same_yaml() {
        let pot = WeightFormat::Pot(Pot::new(4, ZeroPolicy::None).unwrap());
        let built = Design::builder("pot_w4a8", &pot, 8, false, 64)
            .array("4x2:os".parse().unwrap())
            .build("test")
            .unwrap();
        let yaml = "name: pot_w4a8\nweights: {format: pot, bits: 4, zero: none}\n\
                    activations: {bits: 8, signed: false}\nmax_dot_length: 64\n\
                    array: {rows: 4, cols: 2, dataflow: os}\n";
        assert_eq!(built, Design::from_yaml(yaml, "test").unwrap());
        assert_eq!(built.array.unwrap().dataflow, Dataflow::Os);
        let narrow = Design::builder("n", &pot, 8, true, 256)
            .accumulator(16, Overflow::Saturate)
            .build("test")
            .unwrap();
        assert_eq!(
            (narrow.widths.acc, narrow.overflow),
            (16, Overflow::Saturate)
        );
    }

    #[test]
    fn a_built_design_is_validated() {
        let pot = WeightFormat::Pot(Pot::new(4, ZeroPolicy::Code).unwrap());
        let e = Design::builder("Bad", &pot, 8, false, 64)
            .build("point x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("point x") && e.contains("name"), "{e}");
        let e = Design::builder("ok", &pot, 8, false, 0)
            .build("point x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_dot_length"), "{e}");
    }
}
