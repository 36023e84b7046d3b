//! Configuration: YAML text → raw structs ([`raw`]) → one validated [`Design`] with every
//! width derived.
//!
//! Validation errors name the offending field (`weights.bits`, `accumulator_bits`, …) and the
//! allowed range, so a user can fix a file without reading the source.

mod accel;
mod build;
mod raw;
mod shape;
mod yaml;

use accel::accel_shape;
pub use accel::{AccelShape, MAX_ACCEL_ACC_BITS, MAX_ACCEL_WORDS, MAX_BATCH};
pub use build::{raw_weights, AccelRequest, DesignBuilder};
pub use raw::{RawAccel, RawAccumulator, RawActivations, RawArray, RawConfig, RawWeights};
pub(crate) use yaml::nesting_depth;
use yaml::{null_field, one_line};

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

impl Design {
    /// Read and validate a YAML config file.
    pub fn from_file(path: &Path) -> Result<Design, ConfigError> {
        let text = crate::fsread::read_to_string(path, crate::fsread::TEXT).map_err(|source| {
            ConfigError::Io {
                path: path.to_path_buf(),
                source,
            }
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
mod tests;
