//! Formulation 2 of every MAC kind: the accumulator update computed the way the generated RTL
//! computes it (shifts, XOR-with-sign, carry-in, modular arithmetic in the declared widths),
//! without ever decoding a code to its integer value. Tests check it against formulation 1
//! (`acc + act × decode(code)`) for every code; one file per MAC kind.

mod apot;
mod pot;
mod uniform;

use super::wrap_signed;
use crate::config::Design;
use crate::quant::WeightFormat;
use crate::widths::Overflow;

/// `base + act × value(code)` evaluated through the hardware datapath of the design's kind,
/// modulo 2^ACC; a saturating design computes one bit wider and, when the two top bits of
/// that sum differ, takes the extreme value of the sign the wide sum has (as the RTL does).
pub fn next_acc(design: &Design, base: i64, act: i64, code: u32) -> i64 {
    let mut w = design.widths;
    let saturate = design.overflow == Overflow::Saturate;
    if saturate {
        w.acc += 1;
    }
    let acc = match &design.weights {
        WeightFormat::Uniform(f) => uniform::next_acc(f, &w, base, act, code),
        WeightFormat::Pot(f) => pot::next_acc(f, &w, design.adder, base, act, code),
        WeightFormat::Apot(f) => apot::next_acc(f, &w, design.adder, base, act, code),
    };
    let wide = wrap_signed(acc, w.acc);
    if !saturate {
        return wide as i64;
    }
    let bits = design.widths.acc;
    let (top, next) = ((wide >> bits) & 1, (wide >> (bits - 1)) & 1);
    match (top, next) {
        (0, 1) => ((1i128 << (bits - 1)) - 1) as i64,
        (1, 0) => (-(1i128 << (bits - 1))) as i64,
        _ => wrap_signed(wide, bits) as i64,
    }
}

/// The add/subtract shared by PoT and APoT, where `x` is the `product`-bit magnitude
/// sign-extended to the accumulator, as the RTL writes it: `xor`, `base + (x ^ {ACC{s}}) + s`
/// (one carry chain with a carry-in); `invert`, `~(~base + x)` when `s` (`S ^ (S ^ base + x)`
/// with `S = {ACC{s}}`: the accumulator is inverted before and after a plain add).
pub(crate) fn fused_add_sub(
    acc_bits: u32,
    product_bits: u32,
    adder: crate::config::Adder,
    base: i64,
    mag: i128,
    s: bool,
) -> i128 {
    let x = wrap_signed(mag, product_bits);
    let flip = |v: i128| if s { !v } else { v };
    match adder {
        crate::config::Adder::Xor => wrap_signed(base as i128 + flip(x) + i128::from(s), acc_bits),
        crate::config::Adder::Invert => wrap_signed(
            flip(wrap_signed(flip(base as i128) + x, acc_bits)),
            acc_bits,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Design;
    use crate::rng::Rng;

    fn design(weights: &str, act_bits: u32, signed: bool) -> Design {
        Design::from_yaml(
            &format!(
                "name: t\nweights: {weights}\nactivations: {{bits: {act_bits}, signed: {signed}}}\nmax_dot_length: 8\n"
            ),
            "t",
        )
        .unwrap()
    }

    /// Every format, every code, edge and random activations, random bases in range:
    /// the shift path equals decode-then-multiply.
    #[test]
    fn shift_path_equals_decode_then_multiply() {
        let mut rng = Rng::new(7);
        let mut formats = vec![];
        for b in 2..=8 {
            formats.push(format!("{{format: uniform, bits: {b}}}"));
        }
        for b in 2..=6 {
            formats.push(format!("{{format: pot, bits: {b}, zero: code}}"));
            formats.push(format!("{{format: pot, bits: {b}, zero: none}}"));
        }
        for b in 3..=7 {
            formats.push(format!("{{format: apot, bits: {b}}}"));
        }
        let mut checked = 0u64;
        for f in &formats {
            for (ab, signed) in [
                (2, true),
                (2, false),
                (8, true),
                (8, false),
                (13, true),
                (16, false),
            ] {
                let mut d = design(f, ab, signed);
                if !f.contains("uniform") && rng.chance(1, 2) {
                    d.adder = crate::config::Adder::Invert;
                }
                let lim = (d.max_dot_length as i64 - 1) * (1i64 << (d.widths.product - 1));
                for code in 0..d.weights.num_codes() {
                    let mut acts = vec![d.act.min(), d.act.max(), 0, 1];
                    acts.extend((0..6).map(|_| rng.range_i64(d.act.min(), d.act.max())));
                    for act in acts {
                        for base in [0, -lim, lim - 1, rng.range_i64(-lim, lim - 1)] {
                            let want = base + act * d.weights.decode(code);
                            assert_eq!(
                                next_acc(&d, base, act, code),
                                want,
                                "{f} a{ab} s{signed} {:?} code {code} act {act} base {base}",
                                d.adder
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 50_000, "{checked}");
    }

    /// `adder: invert` by hand: 5 − 3 = ~(~5 + 3) at 4 bits (~5 = 10, 10 + 3 = 13, ~13 = 2);
    /// −8 − 1 wraps like the XOR form (the accumulator width is the design's promise).
    #[test]
    fn invert_adder_by_hand() {
        use crate::config::Adder;
        assert_eq!(fused_add_sub(4, 3, Adder::Invert, 5, 3, true), 2);
        assert_eq!(fused_add_sub(4, 3, Adder::Xor, 5, 3, true), 2);
        assert_eq!(fused_add_sub(4, 3, Adder::Invert, 5, 2, false), 7);
        for (base, mag, s) in [(-8, 1, true), (7, 3, false), (-3, 3, true), (0, 0, true)] {
            assert_eq!(
                fused_add_sub(4, 3, Adder::Invert, base, mag, s),
                fused_add_sub(4, 3, Adder::Xor, base, mag, s),
                "{base} {mag} {s}"
            );
        }
    }

    /// Hand-worked updates.
    #[test]
    fn hand_worked_updates() {
        let d = design("{format: pot, bits: 4, zero: code}", 8, false);
        // code 0b1011 = -2^3: 100 - 8·25 = -100.
        assert_eq!(next_acc(&d, 100, 25, 0b1011), -100);
        // code 0b0110 = +2^6: 255·64 = 16320.
        assert_eq!(next_acc(&d, 0, 255, 0b0110), 16320);
        // code 0b1111 = zero (negative zero): unchanged.
        assert_eq!(next_acc(&d, 77, 255, 0b1111), 77);
        let d = design("{format: apot, bits: 4}", 8, true);
        // code 0b1011 = -(8+2): -128 · -10 = 1280.
        assert_eq!(next_acc(&d, 0, -128, 0b1011), 1280);
        // code 0b0111 = 1+2 = 3: 5 + 3·-3 = -4.
        assert_eq!(next_acc(&d, 5, -3, 0b0111), -4);
        let d = design("{format: uniform, bits: 4}", 8, true);
        // code 0b1000 = -8: -128 · -8 = 1024.
        assert_eq!(next_acc(&d, 0, -128, 0b1000), 1024);
        assert_eq!(next_acc(&d, -1, 127, 0b0111), 888);
    }
}
