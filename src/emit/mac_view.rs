//! The values every MAC template uses ([`MacCommon`]): shared by the MAC, array, formal and
//! batch views, so none of them needs another's module.

use super::ports::{align, Port, PortView};
use crate::config::Design;

/// Values every MAC template uses.
#[derive(Debug, Clone)]
pub struct MacCommon {
    /// Module name, `<name>_mac`.
    pub module: String,
    /// Activation bits.
    pub act_bits: u32,
    /// Whether activations are signed.
    pub act_signed: bool,
    /// Weight code bits.
    pub w_bits: u32,
    /// Signed activation width.
    pub act_ext: u32,
    /// Product width.
    pub product: u32,
    /// Accumulator width.
    pub acc: u32,
    /// The partial-sum variant `<name>_mac_psum` (systolic `ws` arrays): an extra `psum_i`
    /// replaces the zero that `clr_i` loads.
    pub psum: bool,
    /// Sign-extension bits from the signed activation to the product width (none when equal).
    pub act_pad: Option<u32>,
    /// Sign-extension bits from a uniform weight code to the product width.
    pub w_pad: Option<u32>,
    /// Sign-extension bits from the product to the accumulator width.
    pub prod_pad: Option<u32>,
    /// Accumulator MSB.
    pub acc_msb: u32,
    /// A saturating accumulator: the sum is formed one bit wider and clamped on overflow.
    pub saturate: bool,
    /// Sign-extension bits from the product to the one-bit-wider saturating sum.
    pub sat_pad: u32,
    /// PoT/APoT: add/subtract as `s ? ~(~base + x) : base + x` (`adder: invert`).
    pub invert: bool,
}

/// `Some(wide - narrow)` when the narrow value must be extended.
fn pad(wide: u32, narrow: u32) -> Option<u32> {
    (wide > narrow).then(|| wide - narrow)
}

impl MacCommon {
    /// From a design.
    pub fn new(d: &Design) -> Self {
        MacCommon {
            module: format!("{}_mac", d.name),
            act_bits: d.act.bits(),
            act_signed: d.act.signed(),
            w_bits: d.weights.bits(),
            act_ext: d.widths.act_ext,
            product: d.widths.product,
            acc: d.widths.acc,
            psum: false,
            act_pad: pad(d.widths.product, d.widths.act_ext),
            w_pad: pad(d.widths.product, d.weights.bits()),
            prod_pad: pad(d.widths.acc, d.widths.product),
            acc_msb: d.widths.acc - 1,
            saturate: d.overflow == crate::widths::Overflow::Saturate,
            sat_pad: d.widths.acc + 1 - d.widths.product,
            invert: d.adder == crate::config::Adder::Invert,
        }
    }

    /// The MAC's ports (also the place-and-route wrapper's and the baseline's).
    pub fn ports(&self) -> Vec<PortView> {
        let mut p = vec![
            Port::input("clk_i", 1),
            Port::input("rst_ni", 1),
            Port::input("en_i", 1),
            Port::input("clr_i", 1),
        ];
        if self.psum {
            p.push(Port::input("psum_i", self.acc));
        }
        p.extend([
            Port::input("act_i", self.act_bits),
            Port::input("wcode_i", self.w_bits),
            Port::output("acc_o", self.acc),
        ]);
        align(&p)
    }

    /// The partial-sum variant: module `<name>_mac_psum` with a `psum_i` input;
    /// `en_i`: `acc ← (clr_i ? psum_i : acc) + act × value(code)`, `clr_i` alone:
    /// `acc ← psum_i`. With `psum_i` tied to 0 it is the plain MAC.
    pub fn with_psum(d: &Design) -> Self {
        MacCommon {
            module: format!("{}_mac_psum", d.name),
            psum: true,
            ..MacCommon::new(d)
        }
    }
}
