//! `$readmemh` files: one word per line, lowercase hex, zero-padded to the word width. A word
//! is packed from fields given MSB first, each a two's-complement value masked (or
//! sign-extended) to its width, so one writer serves the MAC's `{ctl, act, code}`, the array's
//! wide stimulus rows and every expected value.

/// Hex digits needed for `bits` bits.
pub fn digits(bits: u32) -> usize {
    bits.div_ceil(4) as usize
}

/// One word from fields `(value, bits)`, MSB first. A value wider than its field is cut to
/// its low bits; a negative value is sign-extended across a field wider than 128 bits.
pub fn pack(fields: &[(i128, u32)]) -> String {
    let total: u32 = fields.iter().map(|f| f.1).sum();
    let ndig = digits(total);
    let mut nibbles = vec![0u8; ndig]; // least significant first
    let mut at = 0u32;
    for &(v, n) in fields.iter().rev() {
        for i in 0..n {
            let bit = if i < 128 { (v >> i) & 1 == 1 } else { v < 0 };
            if bit {
                let pos = at + i;
                nibbles[(pos / 4) as usize] |= 1 << (pos % 4);
            }
        }
        at += n;
    }
    nibbles
        .iter()
        .rev()
        .map(|&d| char::from_digit(u32::from(d), 16).expect("nibble"))
        .collect()
}

/// `value` as a `bits`-wide two's-complement word.
pub fn word(value: i128, bits: u32) -> String {
    pack(&[(value, bits)])
}

/// A `$readmemh` file from words.
pub fn file<I: IntoIterator<Item = String>>(words: I) -> String {
    let mut s = String::new();
    for w in words {
        s.push_str(&w);
        s.push('\n');
    }
    s
}

/// The sentinel word that ends every expected-values file: `…a5a5` (the byte `a5` repeated
/// from the least significant bit up) cut to `bits`. The testbench holds the same constant.
pub fn sentinel(bits: u32) -> String {
    let fields: Vec<(i128, u32)> = (0..bits.div_ceil(8))
        .map(|i| (0xa5, (bits - 8 * i).min(8)))
        .rev()
        .collect();
    pack(&fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(word(-1, 8), "ff");
        assert_eq!(word(-1, 9), "1ff");
        assert_eq!(word(5, 23), "000005");
        assert_eq!(word(-4177920, 23), "404000");
        assert_eq!(file(["a".to_string(), "b".to_string()]), "a\nb\n");
    }

    #[test]
    fn packing() {
        assert_eq!(pack(&[(1, 1), (-1, 3), (5, 4)]), "f5");
        assert_eq!(pack(&[(1, 1), (-2, 8)]), "1fe");
        assert_eq!(pack(&[(-1, 70)]), "3fffffffffffffffff");
        assert_eq!(pack(&[(-1, 130)]), format!("3{}", "f".repeat(32)));
        // {rst=0, clr=1, en=1} {act=0x80} {code=0b1010}: 0b011_10000000_1010.
        assert_eq!(pack(&[(3, 3), (0x80, 8), (0b1010, 4)]), "380a");
    }

    /// One sentinel for every width: the low bits of …a5a5, by hand.
    #[test]
    fn sentinel_by_hand() {
        assert_eq!(sentinel(6), "25"); // 0xa5 & 0x3f
        assert_eq!(sentinel(8), "a5");
        assert_eq!(sentinel(9), "1a5"); // 0xa5a5 & 0x1ff
        assert_eq!(sentinel(11), "5a5");
        assert_eq!(sentinel(12), "5a5");
        assert_eq!(sentinel(16), "a5a5");
        assert_eq!(sentinel(23), "25a5a5");
        // Agrees with masking the 128-bit pattern (the old MAC writer) wherever that applies.
        for bits in 1..=128u32 {
            let mask = if bits == 128 {
                u128::MAX
            } else {
                (1u128 << bits) - 1
            };
            let v = 0xa5a5_a5a5_a5a5_a5a5_a5a5_a5a5_a5a5_a5a5u128 & mask;
            assert_eq!(
                sentinel(bits),
                format!("{v:0w$x}", w = digits(bits)),
                "{bits}"
            );
        }
    }
}
