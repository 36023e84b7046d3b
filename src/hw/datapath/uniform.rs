//! Uniform MAC, formulation 2: shift-and-add over the weight's bits, the MSB weighted −2^(W−1).

use crate::quant::Uniform;
use crate::widths::MacWidths;

pub(super) fn next_acc(f: &Uniform, _w: &MacWidths, base: i64, act: i64, code: u32) -> i128 {
    let bits = f.bits();
    let mut sum = base as i128;
    for i in 0..bits {
        if (code >> i) & 1 == 1 {
            let partial = (act as i128) << i;
            sum += if i == bits - 1 { -partial } else { partial };
        }
    }
    sum
}
