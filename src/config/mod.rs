//! Configuration: YAML text → raw structs ([`raw`]) → one validated [`Design`] with every
//! width derived.
//!
//! Validation errors name the offending field (`weights.bits`, `accumulator_bits`, …) and the
//! allowed range, so a user can fix a file without reading the source.

mod raw;

pub use raw::{RawAccel, RawAccumulator, RawActivations, RawArray, RawConfig, RawWeights};

use crate::quant::{ActFormat, Apot, Pot, QuantError, Uniform, WeightFormat, ZeroPolicy};
use crate::widths::{MacWidths, Overflow};
use std::path::{Path, PathBuf};

/// Largest accumulator the golden model (i64) and the generated testbenches support.
pub const MAX_ACC_BITS: u32 = 64;
/// Largest `max_dot_length`: the testbench replays the worst case this many times.
pub const MAX_DOT_LENGTH: u64 = 1 << 16;
/// Longest module-name prefix.
pub const MAX_NAME_LEN: usize = 40;
/// Largest array side.
pub const MAX_ARRAY_DIM: u32 = 64;
/// Deepest nesting a config may have (a real one has 2 levels); checked before parsing, since
/// the YAML parser's time grows with the square of the depth.
pub const MAX_DEPTH: usize = 64;

/// A configuration error, always naming the file (when there is one) and the field. Like every
/// error type of the crate, a message never repeats its `source` (see the crate docs, "Errors").
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The YAML is malformed or has unknown / mistyped fields.
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    /// A field has a value outside its allowed range.
    #[error("{path}: field `{field}`: {message}")]
    Field {
        path: String,
        field: &'static str,
        message: String,
    },
}

/// Systolic-array dataflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataflow {
    /// Weight stationary.
    Ws,
    /// Output stationary.
    Os,
}

impl Dataflow {
    /// Config spelling.
    pub fn name(&self) -> &'static str {
        match self {
            Dataflow::Ws => "ws",
            Dataflow::Os => "os",
        }
    }
}

/// How a PoT or APoT MAC adds a signed shifted activation into its accumulator (both exact;
/// they differ in gates, glitches and FPGA LUTs, measured in docs/power.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Adder {
    /// `acc + (x ^ {N{s}}) + s`: one carry chain with the sign as carry-in (the default).
    #[default]
    Xor,
    /// `s ? ~(~acc + x) : acc + x`: the accumulator inverted before and after a plain add.
    Invert,
}

impl Adder {
    /// Config spelling.
    pub fn name(&self) -> &'static str {
        match self {
            Adder::Xor => "xor",
            Adder::Invert => "invert",
        }
    }
}

/// An R×C array of MAC processing elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrayShape {
    /// Rows (≥ 1).
    pub rows: u32,
    /// Columns (≥ 1).
    pub cols: u32,
    /// Dataflow.
    pub dataflow: Dataflow,
}

/// A validated design: everything the generators need, with all widths derived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Design {
    /// Module prefix and output folder name.
    pub name: String,
    /// Weight format.
    pub weights: WeightFormat,
    /// Activation format.
    pub act: ActFormat,
    /// Longest dot product the accumulator holds without overflow.
    pub max_dot_length: u64,
    /// Derived datapath widths (accumulator possibly widened by `accumulator_bits` or set by
    /// `accumulator.bits`).
    pub widths: MacWidths,
    /// What the accumulator does on overflow ([`Overflow::Exact`] unless `accumulator.overflow`
    /// says otherwise).
    pub overflow: Overflow,
    /// Optional array; `None` means a single MAC.
    pub array: Option<ArrayShape>,
    /// Optional inference accelerator around the array.
    pub accel: Option<AccelShape>,
    /// PoT/APoT add/subtract structure (`Xor` for uniform, which has none).
    pub adder: Adder,
}

/// The memories and batch of an inference accelerator (`accelerator:`); see
/// `docs/accelerator.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccelShape {
    /// Images per pass.
    pub batch: u32,
    /// Weight memory words (C codes each).
    pub weight_words: u32,
    /// Words of each activation buffer (C activations each).
    pub act_words: u32,
    /// Bias memory words (C biases each).
    pub bias_words: u32,
    /// Bits of one bias.
    pub bias_bits: u32,
    /// Program memory depth (layer descriptors).
    pub layers: u32,
    /// Words of the testbench's image store.
    pub image_words: u32,
}

impl AccelShape {
    /// Defaults of the `accelerator:` fields for an array design (`acc` = accumulator bits).
    pub fn defaults(acc: u32) -> AccelShape {
        AccelShape {
            batch: 64,
            weight_words: 16384,
            act_words: 8192,
            bias_words: 256,
            bias_bits: acc,
            layers: 16,
            image_words: 1 << 20,
        }
    }
}

/// Largest batch of an accelerator.
pub const MAX_BATCH: u32 = 4096;
/// Largest accelerator memory (words).
pub const MAX_ACCEL_WORDS: u32 = 1 << 24;
/// Widest accumulator or bias of an accelerator (the post-op sum has one bit more and must
/// fit the golden model's i64).
pub const MAX_ACCEL_ACC_BITS: u32 = 62;

impl Design {
    /// Read and validate a YAML config file.
    pub fn from_file(path: &Path) -> Result<Design, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Design::from_yaml(&text, &path.display().to_string())
    }

    /// Parse and validate YAML text; `origin` names it in errors. A leading UTF-8 byte-order
    /// mark is skipped; documents nested deeper than [`MAX_DEPTH`] are rejected before parsing;
    /// a field written with no value (`name:`, `name: null`, `array: ~`) is an error naming
    /// the field, never a default.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Design, ConfigError> {
        let parse = |message: String| ConfigError::Parse {
            path: origin.to_string(),
            message: one_line(&message),
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let depth = nesting_depth(text);
        if depth > MAX_DEPTH {
            return Err(parse(format!(
                "nested {depth} levels deep, more than the {MAX_DEPTH} a config may have"
            )));
        }
        let typed = || serde_norway::from_str::<RawConfig>(text).map_err(|e| parse(e.to_string()));
        // Syntax errors: the typed parse words them with the path of the field they are in.
        let Ok(tree) = serde_norway::from_str::<serde_norway::Value>(text) else {
            return Design::validate(typed()?, origin);
        };
        if let Some(f) = null_field(&tree) {
            return Err(ConfigError::Field {
                path: origin.to_string(),
                field: f,
                message: "has no value (empty or null); give one or remove the line".into(),
            });
        }
        Design::validate(typed()?, origin)
    }

    /// Turn a raw config into a design.
    pub fn validate(raw: RawConfig, origin: &str) -> Result<Design, ConfigError> {
        let field = |field: &'static str, message: String| ConfigError::Field {
            path: origin.to_string(),
            field,
            message: one_line(&message),
        };
        let bits_err = |f: &'static str| move |e: QuantError| field(f, e.to_string());

        check_name(&raw.name).map_err(|m| field("name", m))?;

        let zero = match raw.weights.zero.as_deref() {
            None | Some("code") => ZeroPolicy::Code,
            Some("none") => ZeroPolicy::None,
            Some(other) => {
                return Err(field(
                    "weights.zero",
                    format!("expected `code` or `none`, got `{other}`"),
                ))
            }
        };
        if raw.weights.zero.is_some() && raw.weights.format != "pot" {
            return Err(field(
                "weights.zero",
                format!(
                    "only the `pot` format has a zero policy (format is `{}`)",
                    raw.weights.format
                ),
            ));
        }
        let wb = raw.weights.bits;
        let weights = match raw.weights.format.as_str() {
            "uniform" => WeightFormat::Uniform(Uniform::new(wb).map_err(bits_err("weights.bits"))?),
            "pot" => WeightFormat::Pot(Pot::new(wb, zero).map_err(bits_err("weights.bits"))?),
            "apot" => WeightFormat::Apot(Apot::new(wb).map_err(bits_err("weights.bits"))?),
            other => {
                return Err(field(
                    "weights.format",
                    format!("expected `uniform`, `pot` or `apot`, got `{other}`"),
                ))
            }
        };
        let act = ActFormat::new(raw.activations.bits, raw.activations.signed)
            .map_err(bits_err("activations.bits"))?;

        if !(1..=MAX_DOT_LENGTH).contains(&raw.max_dot_length) {
            return Err(field(
                "max_dot_length",
                format!(
                    "allowed range is 1..={MAX_DOT_LENGTH}, got {}",
                    raw.max_dot_length
                ),
            ));
        }
        let mut widths = MacWidths::derive(&weights, &act, raw.max_dot_length);
        if widths.acc > MAX_ACC_BITS {
            return Err(field(
                "max_dot_length",
                format!(
                    "the derived accumulator needs {} bits, more than the supported {MAX_ACC_BITS}; \
                     lower max_dot_length or the weight/activation widths",
                    widths.acc
                ),
            ));
        }
        let exact_range = |acc: u32, f: &'static str| {
            if acc < widths.acc || acc > MAX_ACC_BITS {
                return Err(field(
                    f,
                    format!(
                        "allowed range is {}..={MAX_ACC_BITS} ({} bits are needed for {} products \
                         of up to {} bits; narrower needs `accumulator.overflow: saturate` or \
                         `wrap`), got {acc}",
                        widths.acc, widths.acc, raw.max_dot_length, widths.product
                    ),
                ));
            }
            Ok(acc)
        };
        let mut overflow = Overflow::Exact;
        match (raw.accumulator_bits, &raw.accumulator) {
            (Some(_), Some(_)) => {
                return Err(field(
                    "accumulator",
                    "give either `accumulator` or `accumulator_bits`, not both \
                     (`accumulator_bits: N` is `accumulator: {bits: N}`)"
                        .into(),
                ))
            }
            (Some(acc), None) => widths.acc = exact_range(acc, "accumulator_bits")?,
            (None, Some(a)) => {
                overflow = match a.overflow.as_deref() {
                    None => Overflow::Exact,
                    Some(o) => Overflow::parse(o).ok_or_else(|| {
                        field(
                            "accumulator.overflow",
                            format!("expected `exact`, `saturate` or `wrap`, got `{o}`"),
                        )
                    })?,
                };
                widths.acc = match overflow {
                    Overflow::Exact => exact_range(a.bits, "accumulator.bits")?,
                    _ if a.bits < widths.product || a.bits > MAX_ACC_BITS => {
                        return Err(field(
                            "accumulator.bits",
                            format!(
                                "allowed range with `overflow: {}` is {}..={MAX_ACC_BITS} (at \
                                 least one product of {} bits), got {}",
                                overflow.name(),
                                widths.product,
                                widths.product,
                                a.bits
                            ),
                        ))
                    }
                    _ => a.bits,
                };
                if overflow != Overflow::Exact && raw.array.is_some() {
                    return Err(field(
                        "accumulator.overflow",
                        format!(
                            "arrays support exact accumulators only, got `{}`; remove the \
                             `array` section to build the MAC",
                            overflow.name()
                        ),
                    ));
                }
            }
            (None, None) => {}
        }

        let adder = match raw.adder.as_deref() {
            None | Some("xor") => Adder::Xor,
            Some("invert") => Adder::Invert,
            Some(other) => {
                return Err(field(
                    "adder",
                    format!("expected `xor` or `invert`, got `{other}`"),
                ))
            }
        };
        if raw.adder.is_some() && matches!(weights, WeightFormat::Uniform(_)) {
            return Err(field(
                "adder",
                "only the `pot` and `apot` formats have an add/subtract to choose (format is `uniform`)"
                    .into(),
            ));
        }
        if adder == Adder::Invert && overflow == Overflow::Saturate {
            return Err(field(
                "adder",
                "`invert` has no saturating form; a saturating accumulator uses the fused \
                 `xor` add/subtract (remove `adder` or use `overflow: wrap`)"
                    .into(),
            ));
        }

        let array = match raw.array {
            None => None,
            Some(a) => {
                for (f, v) in [("array.rows", a.rows), ("array.cols", a.cols)] {
                    if !(1..=MAX_ARRAY_DIM).contains(&v) {
                        return Err(field(
                            f,
                            format!("allowed range is 1..={MAX_ARRAY_DIM}, got {v}"),
                        ));
                    }
                }
                let dataflow = match a.dataflow.as_str() {
                    "ws" => Dataflow::Ws,
                    "os" => Dataflow::Os,
                    other => {
                        return Err(field(
                            "array.dataflow",
                            format!("expected `ws` or `os`, got `{other}`"),
                        ))
                    }
                };
                Some(ArrayShape {
                    rows: a.rows,
                    cols: a.cols,
                    dataflow,
                })
            }
        };

        let accel = match raw.accelerator {
            None => None,
            Some(r) => Some(accel_shape(&r, array, widths.acc).map_err(|(f, m)| field(f, m))?),
        };

        Ok(Design {
            name: raw.name,
            weights,
            act,
            max_dot_length: raw.max_dot_length,
            widths,
            overflow,
            array,
            accel,
            adder,
        })
    }
}

/// Validate an `accelerator:` section: it needs a square weight-stationary array, and every
/// size must be in range. Errors are (field, message).
fn accel_shape(
    r: &RawAccel,
    array: Option<ArrayShape>,
    acc: u32,
) -> Result<AccelShape, (&'static str, String)> {
    let Some(a) = array else {
        return Err((
            "accelerator",
            "needs an `array` section (the accelerator is built around the array)".into(),
        ));
    };
    if a.dataflow != Dataflow::Ws || a.rows != a.cols {
        return Err((
            "accelerator",
            format!(
                "needs a square weight-stationary array (rows = cols, dataflow ws), got {}x{}:{}",
                a.rows,
                a.cols,
                a.dataflow.name()
            ),
        ));
    }
    if acc > MAX_ACCEL_ACC_BITS {
        return Err((
            "accelerator",
            format!(
                "accumulators above {MAX_ACCEL_ACC_BITS} bits are not supported (the post-op \
                 sum has one bit more), got {acc}"
            ),
        ));
    }
    let d = AccelShape::defaults(acc);
    let pick = |f: &'static str, v: Option<u32>, def: u32, lo: u32, hi: u32| match v.unwrap_or(def)
    {
        x if (lo..=hi).contains(&x) => Ok(x),
        x => Err((f, format!("allowed range is {lo}..={hi}, got {x}"))),
    };
    let batch = pick("accelerator.batch", r.batch, d.batch, 1, MAX_BATCH)?;
    let shape = AccelShape {
        batch,
        weight_words: pick(
            "accelerator.weight_words",
            r.weight_words,
            d.weight_words,
            1,
            MAX_ACCEL_WORDS,
        )?,
        act_words: pick(
            "accelerator.act_words",
            r.act_words,
            d.act_words,
            1,
            MAX_ACCEL_WORDS,
        )?,
        bias_words: pick(
            "accelerator.bias_words",
            r.bias_words,
            d.bias_words,
            1,
            MAX_ACCEL_WORDS,
        )?,
        bias_bits: pick(
            "accelerator.bias_bits",
            r.bias_bits,
            d.bias_bits,
            acc,
            MAX_ACC_BITS,
        )?,
        layers: pick("accelerator.layers", r.layers, d.layers, 1, 4096)?,
        image_words: pick(
            "accelerator.image_words",
            r.image_words,
            d.image_words,
            1,
            MAX_ACCEL_WORDS,
        )?,
    };
    if shape.act_words < batch {
        return Err((
            "accelerator.act_words",
            format!(
                "an activation buffer holds at least one word per image of the batch ({batch}), \
                 got {}",
                shape.act_words
            ),
        ));
    }
    Ok(shape)
}

/// The first known field (in document order) whose value is null: `weights.zero`, `array`, ….
/// Unknown fields are left to the typed parse, which names them.
fn null_field(tree: &serde_norway::Value) -> Option<&'static str> {
    use serde_norway::Value;
    const DOTTED: &[&str] = &[
        "name",
        "adder",
        "weights",
        "activations",
        "max_dot_length",
        "accumulator_bits",
        "accumulator",
        "array",
        "accelerator",
        "accelerator.batch",
        "accelerator.weight_words",
        "accelerator.act_words",
        "accelerator.bias_words",
        "accelerator.bias_bits",
        "accelerator.layers",
        "accelerator.image_words",
        "accumulator.bits",
        "accumulator.overflow",
        "weights.format",
        "weights.bits",
        "weights.zero",
        "activations.bits",
        "activations.signed",
        "array.rows",
        "array.cols",
        "array.dataflow",
    ];
    let known = |path: &str| DOTTED.iter().copied().find(|f| *f == path);
    let Value::Mapping(top) = tree else {
        return None;
    };
    for (k, v) in top {
        let Some(key) = k.as_str() else { continue };
        let Some(name) = known(key) else { continue };
        match v {
            Value::Null => return Some(name),
            Value::Mapping(inner) => {
                for (k2, v2) in inner {
                    let Some(k2) = k2.as_str() else { continue };
                    if v2.is_null() {
                        if let Some(f) = known(&format!("{key}.{k2}")) {
                            return Some(f);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// How deeply a YAML text nests, counted cheaply without parsing: open flow brackets (`[`,
/// `{`) outside quotes and comments, plus the block levels of each line (distinct indentation
/// levels and `- ` sequence markers). It never counts fewer levels than there are; it may
/// count a few more, which only matters far above any real config.
fn nesting_depth(text: &str) -> usize {
    let mut deepest = 0;
    let mut flow: usize = 0;
    let mut indents: Vec<usize> = Vec::new();
    let mut in_double = false;
    for line in text.lines() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = &line[indent..];
        if !in_double && flow == 0 && !body.is_empty() && !body.starts_with('#') {
            while indents.last().is_some_and(|&i| i > indent) {
                indents.pop();
            }
            if indents.last() != Some(&indent) {
                indents.push(indent);
            }
        }
        let mut dashes = 0;
        let mut rest = body;
        while let Some(r) = rest.strip_prefix("- ").or_else(|| rest.strip_prefix("-\t")) {
            dashes += 1;
            rest = r.trim_start();
        }
        let mut prev = ' ';
        let mut in_single = false;
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            if in_double {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => in_double = false,
                    _ => {}
                }
            } else if in_single {
                in_single = c != '\'';
            } else {
                match c {
                    '#' if prev.is_whitespace() => break,
                    '"' => in_double = true,
                    '\'' if " \t[{,:".contains(prev) => in_single = true,
                    '[' | '{' => {
                        flow += 1;
                        deepest = deepest.max(flow + indents.len() + dashes);
                    }
                    ']' | '}' => flow = flow.saturating_sub(1),
                    _ => {}
                }
            }
            prev = c;
        }
        deepest = deepest.max(flow + indents.len() + dashes);
    }
    deepest
}

/// An error message on one line: text quoted from the document (a key or value with line
/// breaks or other control characters) is escaped (`\n`), so every error is one line.
fn one_line(message: &str) -> String {
    message
        .chars()
        .map(|c| match c {
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// Names become Verilog identifiers and folder names: lowercase letter first, then lowercase
/// letters, digits and underscores.
fn check_name(name: &str) -> Result<(), String> {
    let ok_first = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let ok_rest = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if name.is_empty() || !ok_first || !ok_rest || name.len() > MAX_NAME_LEN {
        return Err(format!(
            "must match [a-z][a-z0-9_]* and be at most {MAX_NAME_LEN} characters, got `{name}`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
        let y = "name: x\n\"dataflow\\nname\\n\\naccumulator_bits\": 3\nweights: {format: pot, bits: 4}\n\
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
                format!("{}accelerator: {{}}\n", arr.replace(": ws", ": os")),
                "accelerator",
            ),
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
            ("accumulator: {bits: 16, overflow: exact}\n", "accumulator.bits", "23..=64"),
            ("accumulator: {bits: 14, overflow: wrap}\n", "accumulator.bits", "15..=64"),
            ("accumulator: {bits: 65, overflow: wrap}\n", "accumulator.bits", "15..=64"),
            ("accumulator: {bits: 16, overflow: clip}\n", "accumulator.overflow", "clip"),
            ("accumulator: {bits: 16, overflow: ~}\n", "accumulator.overflow", "no value"),
            ("accumulator_bits: 24\naccumulator: {bits: 24}\n", "accumulator", "not both"),
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
}
