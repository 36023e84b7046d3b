//! Configuration: YAML text → raw structs ([`raw`]) → one validated [`Design`] with every
//! width derived.
//!
//! Validation errors name the offending field (`weights.bits`, `accumulator_bits`, …) and the
//! allowed range, so a user can fix a file without reading the source.

mod raw;

pub use raw::{RawActivations, RawArray, RawConfig, RawWeights};

use crate::quant::{ActFormat, Apot, Pot, QuantError, Uniform, WeightFormat, ZeroPolicy};
use crate::widths::MacWidths;
use std::path::{Path, PathBuf};

/// Largest accumulator the golden model (i64) and the generated testbenches support.
pub const MAX_ACC_BITS: u32 = 64;
/// Largest `max_dot_length`: the testbench replays the worst case this many times.
pub const MAX_DOT_LENGTH: u64 = 1 << 16;
/// Longest module-name prefix.
pub const MAX_NAME_LEN: usize = 40;
/// Largest array side.
pub const MAX_ARRAY_DIM: u32 = 64;

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
    /// Derived datapath widths (accumulator possibly widened by `accumulator_bits`).
    pub widths: MacWidths,
    /// Optional array; `None` means a single MAC.
    pub array: Option<ArrayShape>,
}

impl Design {
    /// Read and validate a YAML config file.
    pub fn from_file(path: &Path) -> Result<Design, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Design::from_yaml(&text, &path.display().to_string())
    }

    /// Parse and validate YAML text; `origin` names it in errors.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Design, ConfigError> {
        let raw: RawConfig = serde_norway::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_string(),
            message: e.to_string(),
        })?;
        Design::validate(raw, origin)
    }

    /// Turn a raw config into a design.
    pub fn validate(raw: RawConfig, origin: &str) -> Result<Design, ConfigError> {
        let field = |field: &'static str, message: String| ConfigError::Field {
            path: origin.to_string(),
            field,
            message,
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
        if let Some(acc) = raw.accumulator_bits {
            if acc < widths.acc || acc > MAX_ACC_BITS {
                return Err(field(
                    "accumulator_bits",
                    format!(
                        "allowed range is {}..={MAX_ACC_BITS} ({} bits are needed for {} products \
                         of up to {} bits), got {acc}",
                        widths.acc, widths.acc, raw.max_dot_length, widths.product
                    ),
                ));
            }
            widths.acc = acc;
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

        Ok(Design {
            name: raw.name,
            weights,
            act,
            max_dot_length: raw.max_dot_length,
            widths,
            array,
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
mod tests {
    use super::*;

    fn design(y: &str) -> Result<Design, ConfigError> {
        Design::from_yaml(y, "test.yaml")
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
