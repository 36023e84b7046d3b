//! `$readmemh` files: one word per line, lowercase hex, zero-padded to the field width,
//! two's complement for signed values (masked to the field width).

/// Hex digits needed for `bits` bits.
pub fn digits(bits: u32) -> usize {
    bits.div_ceil(4) as usize
}

/// `value` as a `bits`-wide two's-complement word in hex.
pub fn word(value: i128, bits: u32) -> String {
    let mask = if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    format!("{:0w$x}", (value as u128) & mask, w = digits(bits))
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

/// The sentinel word (`a5a5…` masked to `bits`) that ends an expected-values file.
pub fn sentinel(bits: u32) -> String {
    word(0xa5a5_a5a5_a5a5_a5a5_a5a5_a5a5_a5a5_a5a5u128 as i128, bits)
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
        assert_eq!(sentinel(6), "25");
        assert_eq!(file(["a".to_string(), "b".to_string()]), "a\nb\n");
    }
}
