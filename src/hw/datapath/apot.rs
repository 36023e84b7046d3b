//! APoT MAC, formulation 2: decode each code field to a shift, add the shifted terms at product
//! width, then the fused add/subtract into the accumulator.

use super::fused_add_sub;
use crate::config::Adder;
use crate::quant::Apot;
use crate::widths::MacWidths;

pub(super) fn next_acc(
    f: &Apot,
    w: &MacWidths,
    adder: Adder,
    base: i64,
    act: i64,
    code: u32,
) -> i128 {
    let s = (code >> (f.bits() - 1)) & 1 == 1;
    let mut mag = 0i128;
    for t in f.terms() {
        let field = (code >> t.lsb) & ((1 << t.width) - 1);
        if field > 0 {
            mag += (act as i128) << t.shifts[field as usize - 1];
        }
    }
    fused_add_sub(w.acc, w.product, adder, base, mag, s)
}
