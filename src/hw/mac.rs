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

    /// Apply one cycle and return the new accumulator.
    ///
    /// # Panics
    /// If the accumulator leaves its width: the stimulus broke the `max_dot_length` promise.
    pub fn step(&mut self, s: &Stim) -> i64 {
        self.acc = if s.rst {
            0
        } else if s.en {
            let base = if s.clr { 0 } else { self.acc };
            base + s.act * self.design.weights.decode(s.code)
        } else if s.clr {
            0
        } else {
            self.acc
        };
        let bits = self.design.widths.acc;
        let lim = 1i128 << (bits - 1);
        assert!(
            (-lim..lim).contains(&(self.acc as i128)),
            "accumulator {} overflows {bits} bits",
            self.acc
        );
        self.acc
    }
}
