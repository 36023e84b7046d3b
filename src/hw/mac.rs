//! The golden cycle model of one MAC unit (formulation 1: decode the code, multiply).
//!
//! Port contract, per rising clock edge:
//! - `rst` (asynchronous, active low on the pin): `acc ← 0`;
//! - `en`: `acc ← (clr ? 0 : acc) + act × value(code)`;
//! - `clr` without `en`: `acc ← 0`;
//! - otherwise the accumulator holds.

use crate::config::Design;

/// The inputs of one clock cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stim {
    /// Reset asserted during this cycle.
    pub rst: bool,
    /// Clear.
    pub clr: bool,
    /// Enable.
    pub en: bool,
    /// Activation value (in the activation format's range).
    pub act: i64,
    /// Weight code.
    pub code: u32,
}

impl Stim {
    /// An enabled cycle.
    pub fn mac(act: i64, code: u32, clr: bool) -> Stim {
        Stim {
            rst: false,
            clr,
            en: true,
            act,
            code,
        }
    }

    /// An idle (hold) cycle.
    pub fn hold() -> Stim {
        Stim {
            rst: false,
            clr: false,
            en: false,
            act: 0,
            code: 0,
        }
    }
}

/// Golden model: the accumulator after every cycle.
#[derive(Debug, Clone)]
pub struct MacModel<'a> {
    design: &'a Design,
    acc: i64,
}

impl<'a> MacModel<'a> {
    /// A model in its reset state.
    pub fn new(design: &'a Design) -> Self {
        MacModel { design, acc: 0 }
    }

    /// The current accumulator.
    pub fn acc(&self) -> i64 {
        self.acc
    }

    /// Apply one cycle and return the new accumulator: the exact sum, then the design's
    /// overflow policy at the accumulator width (saturate: clamp; wrap: the low bits).
    ///
    /// # Panics
    /// If an exact accumulator leaves its width: the stimulus broke the `max_dot_length` promise.
    pub fn step(&mut self, s: &Stim) -> i64 {
        let sum = if s.rst {
            0
        } else if s.en {
            let base = if s.clr { 0 } else { self.acc };
            i128::from(base) + i128::from(s.act) * i128::from(self.design.weights.decode(s.code))
        } else if s.clr {
            0
        } else {
            i128::from(self.acc)
        };
        let bits = self.design.widths.acc;
        let Some(acc) = self.design.overflow.apply(sum, bits) else {
            panic!("accumulator {sum} overflows {bits} bits");
        };
        self.acc = acc as i64;
        self.acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Uniform W4, signed A8, 12-bit accumulator (−2048..=2047), worked by hand.
    #[test]
    fn saturate_and_wrap_by_hand() {
        let d = |o: &str| {
            Design::from_yaml(
                &format!(
                    "name: t\nweights: {{format: uniform, bits: 4}}\nactivations: {{bits: 8, signed: true}}\n\
                     max_dot_length: 2\naccumulator: {{bits: 12, overflow: {o}}}\n"
                ),
                "t",
            )
            .unwrap()
        };
        // codes: 0b1000 = −8, 0b0111 = 7.
        let steps = [
            Stim::mac(-128, 0b1000, true),  // 1024
            Stim::mac(-128, 0b1000, false), // 2048
            Stim::mac(127, 0b0111, false),  // + 889
            Stim::mac(-128, 0b0111, false), // − 896
            Stim::mac(-128, 0b0111, false), // − 896
            Stim::hold(),
        ];
        let (sat, wrap) = (d("saturate"), d("wrap"));
        let run = |d: &Design| {
            let mut m = MacModel::new(d);
            steps.iter().map(|s| m.step(s)).collect::<Vec<_>>()
        };
        // Saturate: 2048 → 2047, stays at 2047 (+889), then 2047 − 896 = 1151, 255.
        assert_eq!(run(&sat), [1024, 2047, 2047, 1151, 255, 255]);
        // Wrap: 2048 → −2048, −2048 + 889 = −1159, −2055 → 2041, 2041 − 896 = 1145.
        assert_eq!(run(&wrap), [1024, -2048, -1159, 2041, 1145, 1145]);
        // Negative saturation: 3 × (127 · −8) = −3048 → −2048.
        let mut m = MacModel::new(&sat);
        for clr in [true, false, false] {
            m.step(&Stim::mac(127, 0b1000, clr));
        }
        assert_eq!(m.acc(), -2048);
    }
}
