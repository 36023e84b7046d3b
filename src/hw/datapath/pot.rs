//! PoT MAC, formulation 2: one shifter, then the fused add/subtract into the accumulator.

use super::fused_add_sub;
use crate::config::Adder;
use crate::quant::Pot;
use crate::widths::MacWidths;

pub(super) fn next_acc(
    f: &Pot,
    w: &MacWidths,
    adder: Adder,
    base: i64,
    act: i64,
    code: u32,
) -> i128 {
    let (s, e) = f.fields(code);
    let mag = if Some(e) == f.zero_exp() {
        0
    } else {
        (act as i128) << e
    };
    fused_add_sub(w.acc, w.product, adder, base, mag, s)
}
