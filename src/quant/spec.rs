//! The weight-format vocabulary: [`FormatSpec`], a weight format as text (`pot:4`,
//! `pot:4:none`, `uniform:8`, `apot:4`), parsed once by its [`FromStr`] and named by
//! [`FormatSpec::label`]; [`FormatSpec::format`] gives the [`WeightFormat`] it names.

use super::{Apot, Pot, QuantError, Uniform, WeightFormat, ZeroPolicy};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A weight format as written on the command line and stored in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormatSpec {
    /// `uniform`, `pot` or `apot`.
    pub kind: FormatKind,
    /// Code width.
    pub bits: u32,
    /// PoT zero policy (`code` or `none`); `code` for the other formats.
    pub zero: ZeroSpec,
}

/// Weight format family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FormatKind {
    Uniform,
    Pot,
    Apot,
}

/// Zero policy in serialisable form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ZeroSpec {
    Code,
    None,
}

impl FormatSpec {
    /// Parse `kind:bits[:zero]`, e.g. `pot:4`, `pot:3:none`, `uniform:8`, `apot:5` (the
    /// [`FromStr`] of the type).
    pub fn parse(s: &str) -> Result<Self, QuantError> {
        s.parse()
    }

    /// The `quant` format this names.
    pub fn format(&self) -> Result<WeightFormat, QuantError> {
        Ok(match self.kind {
            FormatKind::Uniform => WeightFormat::Uniform(Uniform::new(self.bits)?),
            FormatKind::Pot => WeightFormat::Pot(Pot::new(
                self.bits,
                match self.zero {
                    ZeroSpec::Code => ZeroPolicy::Code,
                    ZeroSpec::None => ZeroPolicy::None,
                },
            )?),
            FormatKind::Apot => WeightFormat::Apot(Apot::new(self.bits)?),
        })
    }

    /// Canonical text (`pot:4`, `pot:4:none`, …), also used in file names.
    pub fn label(&self) -> String {
        let kind = match self.kind {
            FormatKind::Uniform => "uniform",
            FormatKind::Pot => "pot",
            FormatKind::Apot => "apot",
        };
        match self.zero {
            ZeroSpec::None => format!("{kind}:{}:none", self.bits),
            ZeroSpec::Code => format!("{kind}:{}", self.bits),
        }
    }
}

impl FromStr for FormatSpec {
    type Err = QuantError;

    /// `kind:bits[:zero]`, e.g. `pot:4`, `pot:3:none`, `uniform:8`, `apot:5`.
    fn from_str(s: &str) -> Result<Self, QuantError> {
        let bad = || QuantError::Spec {
            text: s.to_string(),
        };
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() < 2 || parts.len() > 3 {
            return Err(bad());
        }
        let kind = match parts[0] {
            "uniform" => FormatKind::Uniform,
            "pot" => FormatKind::Pot,
            "apot" => FormatKind::Apot,
            _ => return Err(bad()),
        };
        let bits: u32 = parts[1].parse().map_err(|_| bad())?;
        let zero = match (kind, parts.get(2)) {
            (_, None) => ZeroSpec::Code,
            (FormatKind::Pot, Some(&"none")) => ZeroSpec::None,
            (FormatKind::Pot, Some(&"code")) => ZeroSpec::Code,
            _ => return Err(bad()),
        };
        let spec = Self { kind, bits, zero };
        spec.format()?;
        Ok(spec)
    }
}
