//! A trained network on a narrow accumulator: the integer model run with every accumulation
//! step saturating or wrapping at a given width ([`crate::widths::Overflow`]), against the
//! exact integer model. Counts how often each layer's accumulator overflows on the test set,
//! how many accumulators end differently from the exact ones, and the accuracy that results.

use super::{argmax_rows, IntModel, Trace};
use crate::widths::Overflow;
use serde::Serialize;
use std::str::FromStr;

/// A narrow accumulator: `bits` wide with a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Narrow {
    pub bits: u32,
    pub overflow: Overflow,
}

impl Narrow {
    /// `16:saturate`, `16:wrap` (bits 2..=64): the [`FromStr`] of the type.
    pub fn parse(s: &str) -> Result<Narrow, String> {
        s.parse()
    }
}

impl FromStr for Narrow {
    type Err = String;

    /// `16:saturate`, `16:wrap` (bits 2..=64).
    fn from_str(s: &str) -> Result<Narrow, String> {
        let err = || format!("expected BITS:saturate or BITS:wrap with BITS in 2..=64, got `{s}`");
        let (b, o) = s.split_once(':').ok_or_else(err)?;
        let bits: u32 = b.parse().map_err(|_| err())?;
        let overflow = match Overflow::parse(o) {
            Some(o @ (Overflow::Saturate | Overflow::Wrap)) => o,
            _ => return Err(err()),
        };
        if !(2..=64).contains(&bits) {
            return Err(err());
        }
        Ok(Narrow { bits, overflow })
    }
}

/// One layer on the test set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NarrowLayer {
    /// Accumulation steps (bias loads not counted).
    pub steps: u64,
    /// Steps whose exact sum left the accumulator's range (and saturated or wrapped).
    pub overflows: u64,
    /// Accumulators (outputs) of the layer.
    pub outputs: u64,
    /// Outputs whose final value differs from the exact integer model's.
    pub outputs_changed: u64,
}

/// `narrow_accumulator` of `report.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NarrowReport {
    pub bits: u32,
    pub overflow: &'static str,
    pub samples: usize,
    /// Test accuracy of the exact integer model.
    pub exact_acc: f64,
    /// Test accuracy with the narrow accumulator.
    pub narrow_acc: f64,
    /// Samples whose predicted class changes.
    pub class_changes: usize,
    /// Samples in which at least one accumulator overflowed.
    pub samples_with_overflow: usize,
    pub layers: Vec<NarrowLayer>,
}

/// Run a test set (images `x` in [0, 1], labels `y`) through the exact and the narrow
/// integer model.
pub fn evaluate(im: &IntModel, x: &[f32], y: &[u8], n: Narrow) -> NarrowReport {
    let per = x.len() / y.len().max(1);
    let wdec = im.decoded();
    let mut layers = vec![NarrowLayer::default(); im.layers.len()];
    let (mut exact_ok, mut narrow_ok, mut changes, mut with_ovf) = (0, 0, 0, 0);
    for i in 0..y.len() {
        let xi = im.quantize_input(&x[i * per..(i + 1) * per]);
        let exact = im.infer_with(&wdec, &xi);
        let mut ovf_here = false;
        let narrow = im.infer_acc(&wdec, &xi, |l, acc, term| {
            let sum = i128::from(acc) + i128::from(term);
            let v = n
                .overflow
                .apply(sum, n.bits)
                .expect("a policy always gives a value");
            layers[l].steps += 1;
            if v != sum {
                layers[l].overflows += 1;
                ovf_here = true;
            }
            v as i64
        });
        for (l, (e, q)) in exact.iter().zip(&narrow).enumerate() {
            layers[l].outputs += e.acc.len() as u64;
            layers[l].outputs_changed +=
                e.acc.iter().zip(&q.acc).filter(|(a, b)| a != b).count() as u64;
        }
        let pred = |t: &Trace| argmax_rows(&t.last().expect("layers").acc, im.classes)[0];
        let (pe, pn) = (pred(&exact), pred(&narrow));
        let label = y[i] as usize;
        exact_ok += usize::from(pe == label);
        narrow_ok += usize::from(pn == label);
        changes += usize::from(pe != pn);
        with_ovf += usize::from(ovf_here);
    }
    let total = y.len().max(1) as f64;
    NarrowReport {
        bits: n.bits,
        overflow: n.overflow.name(),
        samples: y.len(),
        exact_acc: exact_ok as f64 / total,
        narrow_acc: narrow_ok as f64 / total,
        class_changes: changes,
        samples_with_overflow: with_ovf,
        layers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::arch::LayerKind;
    use crate::model::IntLayer;
    use crate::quant::spec::{FormatKind, FormatSpec, ZeroSpec};

    /// One dense layer, 2 outputs × 3 inputs, uniform 8-bit codes (two's complement), inputs
    /// 100, 100, 100 (pixels 100/255 at 8 bits): worked by hand at 16 bits.
    #[test]
    fn overflow_counts_and_accuracy_by_hand() {
        let layer = IntLayer {
            kind: LayerKind::Dense {
                inputs: 3,
                outputs: 2,
            },
            pool: false,
            format: FormatSpec {
                kind: FormatKind::Uniform,
                bits: 8,
                zero: ZeroSpec::Code,
            },
            // Output 0: 127, 127, 127 → 3 × 12700 = 38100 (overflows 16 bits at the 3rd step).
            // Output 1: 1, 1, 1 → 300.
            codes: vec![127, 127, 127, 1, 1, 1],
            bias: vec![0, 0],
            w_scale: 1.0,
            in_scale: 1.0,
            out_scale: None,
            requant: None,
            requant_channels: None,
            acc_width: 18,
        };
        let im = IntModel {
            input: (1, 1, 3),
            classes: 2,
            act_bits: 8,
            input_scale: 1.0 / 255.0,
            layers: vec![layer],
        };
        let (x, y) = (vec![100.0 / 255.0; 3], vec![0]);
        let parse = |s| Narrow::parse(s).unwrap();
        // Saturate: 38100 → 32767, still the larger logit: class 0 either way.
        let r = evaluate(&im, &x, &y, parse("16:saturate"));
        assert_eq!((r.exact_acc, r.narrow_acc, r.class_changes), (1.0, 1.0, 0));
        assert_eq!(
            r.layers[0],
            NarrowLayer {
                steps: 6,
                overflows: 1,
                outputs: 2,
                outputs_changed: 1
            }
        );
        // Wrap: 38100 − 65536 = −27436 < 300: the prediction flips to class 1.
        let r = evaluate(&im, &x, &y, parse("16:wrap"));
        assert_eq!(
            (r.narrow_acc, r.class_changes, r.samples_with_overflow),
            (0.0, 1, 1)
        );
        // Wide enough: nothing changes.
        let r = evaluate(&im, &x, &y, parse("17:wrap"));
        assert_eq!((r.layers[0].overflows, r.class_changes), (0, 0));
        for bad in [
            "16",
            "16:clip",
            "1:wrap",
            "65:saturate",
            "x:wrap",
            "16:exact",
        ] {
            assert!(Narrow::parse(bad).is_err(), "{bad}");
        }
    }
}
