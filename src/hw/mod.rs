//! Hardware models: the bit-exact golden MAC model ([`MacModel`]), a second (shift-path)
//! formulation of every MAC kind ([`datapath`]), the MAC testbench stimulus and expected
//! values ([`vectors`]), and the systolic-array cycle formula, schedule and register-level
//! model ([`mod@array`]). The datapath widths they work in come from [`crate::widths`].

pub mod accel;
pub mod array;
pub mod datapath;
mod mac;
pub mod vectors;

pub use mac::{MacModel, Stim};

/// Interpret the low `bits` bits of `v` as a two's-complement number.
pub fn wrap_signed(v: i128, bits: u32) -> i128 {
    let m = 1i128 << bits;
    let r = v.rem_euclid(m);
    if r >= m >> 1 {
        r - m
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_signed_hand_values() {
        assert_eq!(wrap_signed(127, 8), 127);
        assert_eq!(wrap_signed(128, 8), -128);
        assert_eq!(wrap_signed(-129, 8), 127);
        assert_eq!(wrap_signed(255, 8), -1);
    }
}
