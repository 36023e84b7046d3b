//! Unit tests of config validation.

use super::*;

fn design(y: &str) -> Result<Design, ConfigError> {
    Design::from_yaml(y, "test.yaml")
}

#[test]
fn adder_is_xor_by_default_and_named_in_errors() {
    let base = "name: x\nweights: {format: pot, bits: 4}\nactivations: {bits: 8, signed: false}\nmax_dot_length: 4\n";
    assert_eq!(design(base).unwrap().adder, Adder::Xor);
    assert_eq!(
        design(&format!("{base}adder: xor\n")).unwrap().adder,
        Adder::Xor
    );
    let d = design(&format!("{base}adder: invert\n")).unwrap();
    assert_eq!((d.adder, d.adder.name()), (Adder::Invert, "invert"));
    let e = design(&format!("{base}adder: carry\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("field `adder`") && e.contains("carry"), "{e}");
    let e = design(&format!("{base}adder:\n")).unwrap_err().to_string();
    assert!(e.contains("field `adder`"), "{e}");
    let u = base.replace("pot", "uniform");
    let sat = format!("{base}adder: invert\naccumulator: {{bits: 16, overflow: saturate}}\n");
    let e = design(&sat).unwrap_err().to_string();
    assert!(e.contains("field `adder`") && e.contains("saturat"), "{e}");
    let e = design(&format!("{u}adder: invert\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("field `adder`") && e.contains("uniform"), "{e}");
}

/// Found by `benches/fuzz_config.sh 720 20261203`: a quoted key with line breaks made an
/// error span several lines.
#[test]
fn errors_quoting_line_breaks_stay_on_one_line() {
    let y =
        "name: x\n\"dataflow\\nname\\n\\naccumulator_bits\": 3\nweights: {format: pot, bits: 4}\n\
             activations: {bits: 8, signed: false}\nmax_dot_length: 4\n";
    let e = design(y).unwrap_err().to_string();
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("dataflow\\nname"), "{e}");
    assert_eq!(one_line("a\nb\tc"), "a\\nb\\tc");
}

#[test]
fn paper_pot_config_derives_widths() {
    let d = design(
        "name: pot_w4a8\nweights: {format: pot, bits: 4, zero: code}\n\
         activations: {bits: 8, signed: false}\nmax_dot_length: 256\n",
    )
    .unwrap();
    // 255 × ±64 = ±16320 → 15-bit product; 256 × that = ±4177920 → 23 bits.
    assert_eq!(d.widths.product, 15);
    assert_eq!(d.widths.acc, 23);
    assert_eq!(d.array, None);
}

#[test]
fn errors_name_the_field() {
    let base = "name: x\nactivations: {bits: 8, signed: false}\nmax_dot_length: 16\n";
    let cases = [
        ("weights: {format: pot, bits: 9}\n", "weights.bits"),
        ("weights: {format: fp, bits: 4}\n", "weights.format"),
        (
            "weights: {format: pot, bits: 4, zero: maybe}\n",
            "weights.zero",
        ),
        (
            "weights: {format: uniform, bits: 4, zero: code}\n",
            "weights.zero",
        ),
        (
            "weights: {format: uniform, bits: 4}\naccumulator_bits: 3\n",
            "accumulator_bits",
        ),
        (
            "weights: {format: uniform, bits: 4}\narray: {rows: 0, cols: 2, dataflow: ws}\n",
            "array.rows",
        ),
        (
            "weights: {format: uniform, bits: 4}\narray: {rows: 2, cols: 2, dataflow: xs}\n",
            "array.dataflow",
        ),
    ];
    for (extra, f) in cases {
        let e = design(&format!("{base}{extra}")).unwrap_err().to_string();
        assert!(e.contains(&format!("`{f}`")), "{extra}: {e}");
        assert!(e.starts_with("test.yaml: "), "{e}");
    }
    let e = design("name: x\nweights: {format: pot, bits: 4, colour: red}\nactivations: {bits: 8, signed: false}\nmax_dot_length: 4\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("colour"), "{e}");
}

const GOOD: &str = "name: x\nweights: {format: pot, bits: 4}\n\
    activations: {bits: 8, signed: false}\nmax_dot_length: 16\n";

/// `name: null` made a design named `null`; an empty `array:` silently gave a single MAC.
#[test]
fn a_field_without_a_value_is_an_error_naming_it() {
    let cases = [
        ("name: x\n", "name: null\n", "name"),
        ("name: x\n", "name: ~\n", "name"),
        ("name: x\n", "name:\n", "name"),
        (
            "max_dot_length: 16\n",
            "max_dot_length: 16\narray:\n",
            "array",
        ),
        (
            "max_dot_length: 16\n",
            "max_dot_length: 16\naccumulator_bits: null\n",
            "accumulator_bits",
        ),
        ("bits: 4}", "bits: 4, zero: null}", "weights.zero"),
        ("bits: 4}", "bits: null}", "weights.bits"),
        ("signed: false}", "signed: }", "activations.signed"),
        (
            "max_dot_length: 16\n",
            "max_dot_length: 16\narray: {rows: 2, cols: ~, dataflow: ws}\n",
            "array.cols",
        ),
    ];
    for (from, to, f) in cases {
        let y = GOOD.replacen(from, to, 1);
        assert_ne!(y, GOOD);
        let e = design(&y).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("test.yaml: field `{f}`: ")),
            "{y}: {e}"
        );
        assert!(e.contains("no value"), "{y}: {e}");
    }
    // A quoted "null" is a string like any other.
    assert_eq!(
        design(&GOOD.replace("name: x", "name: \"null\""))
            .unwrap()
            .name,
        "null"
    );
}

/// A byte-order mark made the first key unreadable (`missing field weights`).
#[test]
fn a_byte_order_mark_is_skipped() {
    let d = design(&format!("\u{feff}{GOOD}")).unwrap();
    assert_eq!(d.name, "x");
}

/// An 80 KB file of nested `[` took 30 s to reject; deep nesting is now refused at once.
#[test]
fn deep_nesting_is_rejected_before_parsing() {
    let t0 = std::time::Instant::now();
    for doc in [
        format!("name: {}", "[".repeat(80_000)),
        format!("{}{}", "- ".repeat(5_000), "x"),
        format!("a: {}1{}", "{b: ".repeat(1000), "}".repeat(1000)),
        (0..200)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect::<String>(),
    ] {
        let e = design(&doc).unwrap_err().to_string();
        assert!(e.starts_with("test.yaml: nested "), "{e}");
        assert!(e.contains("64"), "{e}");
    }
    assert!(t0.elapsed().as_secs_f64() < 2.0, "{:?}", t0.elapsed());
    // Real configs, in every style, are far from the limit.
    assert_eq!(nesting_depth(GOOD), 2);
    let block = "name: x\nweights:\n  format: pot\n  bits: 4\nactivations:\n  bits: 8\n  \
                 signed: false\nmax_dot_length: 16\n";
    assert_eq!(nesting_depth(block), 2);
    design(block).unwrap();
    assert_eq!(nesting_depth("a: \"[[[[\" # [[[[\nb: '{{{'\n"), 1);
    assert_eq!(
        nesting_depth(&format!("a: {}{}", "[".repeat(63), "]".repeat(63))),
        64
    );
}

#[test]
fn accelerator_section_defaults_and_errors_name_the_field() {
    let arr = "array: {rows: 8, cols: 8, dataflow: ws}\n";
    let d = design(&format!("{GOOD}{arr}accelerator: {{batch: 32}}\n")).unwrap();
    let x = d.accel.unwrap();
    assert_eq!(
        (x.batch, x.act_words, x.bias_bits),
        (32, 8192, d.widths.acc)
    );
    let cases = [
        ("accelerator: {}\n".to_string(), "accelerator"),
        (
            format!("{}accelerator: {{}}\n", arr.replace("cols: 8", "cols: 4")),
            "accelerator",
        ),
        (
            format!("{arr}accelerator: {{batch: 0}}\n"),
            "accelerator.batch",
        ),
        (
            format!("{arr}accelerator: {{batch: 64, act_words: 63}}\n"),
            "accelerator.act_words",
        ),
        (
            format!("{arr}accelerator: {{bias_bits: 3}}\n"),
            "accelerator.bias_bits",
        ),
        (
            format!("{arr}accelerator: {{layers: ~}}\n"),
            "accelerator.layers",
        ),
        (format!("{arr}accelerator: {{banks: 2}}\n"), "banks"),
    ];
    for (extra, f) in cases {
        let e = design(&format!("{GOOD}{extra}")).unwrap_err().to_string();
        assert!(e.contains(f), "{extra}: {e}");
    }
}

#[test]
fn narrow_accumulators_need_a_policy_and_name_their_field() {
    let y = |acc: &str| {
        format!(
            "name: p\nweights: {{format: pot, bits: 4}}\nactivations: {{bits: 8, signed: false}}\n\
             max_dot_length: 256\n{acc}"
        )
    };
    let d = design(&y("accumulator: {bits: 16, overflow: saturate}\n")).unwrap();
    assert_eq!((d.widths.acc, d.overflow), (16, Overflow::Saturate));
    let d = design(&y("accumulator: {bits: 15, overflow: wrap}\n")).unwrap();
    assert_eq!((d.widths.acc, d.overflow), (15, Overflow::Wrap));
    let d = design(&y("accumulator: {bits: 30}\n")).unwrap();
    assert_eq!((d.widths.acc, d.overflow), (30, Overflow::Exact));
    assert_eq!(design(&y("")).unwrap().overflow, Overflow::Exact);
    let cases = [
        ("accumulator: {bits: 16}\n", "accumulator.bits", "overflow"),
        (
            "accumulator: {bits: 16, overflow: exact}\n",
            "accumulator.bits",
            "23..=64",
        ),
        (
            "accumulator: {bits: 14, overflow: wrap}\n",
            "accumulator.bits",
            "15..=64",
        ),
        (
            "accumulator: {bits: 65, overflow: wrap}\n",
            "accumulator.bits",
            "15..=64",
        ),
        (
            "accumulator: {bits: 16, overflow: clip}\n",
            "accumulator.overflow",
            "clip",
        ),
        (
            "accumulator: {bits: 16, overflow: ~}\n",
            "accumulator.overflow",
            "no value",
        ),
        (
            "accumulator_bits: 24\naccumulator: {bits: 24}\n",
            "accumulator",
            "not both",
        ),
        (
            "accumulator: {bits: 16, overflow: wrap}\narray: {rows: 2, cols: 2, dataflow: ws}\n",
            "accumulator.overflow",
            "arrays",
        ),
    ];
    for (extra, f, word) in cases {
        let e = design(&y(extra)).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("test.yaml: field `{f}`: ")),
            "{extra}: {e}"
        );
        assert!(e.contains(word), "{extra}: {e}");
    }
    // An exact array accumulator is still fine.
    design(&y(
        "accumulator: {bits: 24}\narray: {rows: 2, cols: 2, dataflow: os}\n",
    ))
    .unwrap();
}

#[test]
fn narrowest_accumulator_is_accepted_and_one_less_rejected() {
    let y = |acc: u32| {
        format!(
            "name: u\nweights: {{format: uniform, bits: 8}}\nactivations: {{bits: 8, signed: true}}\n\
             max_dot_length: 256\naccumulator_bits: {acc}\n"
        )
    };
    // 8x8 signed: products in [-16256, 16384]; ×256 → [-4161536, 4194304] → 24 bits.
    assert_eq!(design(&y(24)).unwrap().widths.acc, 24);
    assert_eq!(design(&y(30)).unwrap().widths.acc, 30);
    assert!(design(&y(23)).is_err());
    assert!(design(&y(65)).is_err());
}
