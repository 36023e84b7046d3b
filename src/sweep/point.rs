//! A resolved sweep point: everything its design and its measurements depend on, its design
//! config, its name, its labels in result files, and the hash that names its result.

use crate::config::Design;
use serde::{Deserialize, Serialize};

/// QAT accuracy of a point's weight format, activation width and accumulator.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QatSpec {
    /// `digits` (embedded) or `fashion-mnist`.
    pub dataset: String,
    /// MLP hidden widths.
    #[serde(default = "default_hidden")]
    pub hidden: Vec<usize>,
    /// Float pre-training epochs.
    #[serde(default = "default_fp_epochs")]
    pub fp_epochs: usize,
    /// QAT epochs.
    #[serde(default = "default_epochs")]
    pub epochs: usize,
    /// Use only the first N training / test samples (0 = all).
    #[serde(default)]
    pub train_limit: usize,
    #[serde(default)]
    pub test_limit: usize,
    /// Seed.
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_hidden() -> Vec<usize> {
    vec![128, 64]
}
fn default_fp_epochs() -> usize {
    40
}
fn default_epochs() -> usize {
    15
}
fn default_seed() -> u64 {
    1
}

/// A narrow accumulator of a point.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccSpec {
    pub bits: u32,
    /// `saturate` or `wrap`.
    pub overflow: String,
}

/// An array of a point.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ArraySpec {
    pub rows: u32,
    pub cols: u32,
    pub dataflow: String,
}

/// One resolved point: everything its design and its measurements depend on. Its JSON is
/// hashed to name its result file ([`Point::hash`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Point {
    pub format: String,
    /// PoT zero policy (`code` or `none`); `None` for the other formats.
    pub zero: Option<String>,
    pub weight_bits: u32,
    pub activation_bits: u32,
    pub activation_signed: bool,
    pub max_dot_length: u64,
    /// `None`: the exact derived accumulator.
    pub accumulator: Option<AccSpec>,
    pub array: Option<ArraySpec>,
    /// `generic`, `ice40` or `xc7`.
    pub target: String,
    /// Place and route (iCE40 targets): Fmax.
    pub pnr: bool,
    /// GEMM M, K, N whose cycles an array point reports.
    pub gemm: Option<[u64; 3]>,
    pub qat: Option<QatSpec>,
    /// Energy-proxy stimuli (`random`, `held`) measured on the generic target.
    #[serde(default)]
    pub energy: Vec<String>,
}

impl Point {
    /// The design's name: `pot_w4a8`, `apot_w5a8s_acc16sat_ws4x4`, … (≤ 40 characters).
    pub fn name(&self) -> String {
        let mut n = format!(
            "{}{}_w{}a{}{}",
            self.format,
            if self.zero.as_deref() == Some("none") {
                "n"
            } else {
                ""
            },
            self.weight_bits,
            self.activation_bits,
            if self.activation_signed { "s" } else { "" }
        );
        if self.max_dot_length != 256 {
            n += &format!("_k{}", self.max_dot_length);
        }
        if let Some(a) = &self.accumulator {
            n += &format!("_acc{}{}", a.bits, &a.overflow[..3]);
        }
        if let Some(a) = &self.array {
            n += &format!("_{}{}x{}", a.dataflow, a.rows, a.cols);
        }
        n
    }

    /// The design config (YAML) of the point.
    pub fn config_yaml(&self) -> String {
        let zero = self
            .zero
            .as_ref()
            .map(|z| format!(", zero: {z}"))
            .unwrap_or_default();
        let mut y = format!(
            "name: {}\nweights: {{format: {}, bits: {}{zero}}}\nactivations: {{bits: {}, signed: {}}}\n\
             max_dot_length: {}\n",
            self.name(),
            self.format,
            self.weight_bits,
            self.activation_bits,
            self.activation_signed,
            self.max_dot_length
        );
        if let Some(a) = &self.accumulator {
            y += &format!(
                "accumulator: {{bits: {}, overflow: {}}}\n",
                a.bits, a.overflow
            );
        }
        if let Some(a) = &self.array {
            y += &format!(
                "array: {{rows: {}, cols: {}, dataflow: {}}}\n",
                a.rows, a.cols, a.dataflow
            );
        }
        y
    }

    /// The validated design.
    pub fn design(&self) -> Result<Design, crate::config::ConfigError> {
        Design::from_yaml(&self.config_yaml(), &self.name())
    }

    /// First 16 hex digits of the SHA-256 of the point's JSON and the measurement version.
    pub fn hash(&self) -> String {
        self.hash_with(super::MEASURE_VERSION)
    }

    /// [`Point::hash`] under a given measurement version.
    fn hash_with(&self, version: &str) -> String {
        use sha2::Digest;
        let json = serde_json::to_string(self).expect("a point serializes");
        let d = sha2::Sha256::digest(format!("{version}\n{json}"));
        d.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// `exact`, `16:saturate`.
    pub fn acc_label(&self) -> String {
        self.accumulator
            .as_ref()
            .map_or("exact".into(), |a| format!("{}:{}", a.bits, a.overflow))
    }

    /// `none`, `4x4:ws`.
    pub fn array_label(&self) -> String {
        self.array.as_ref().map_or("none".into(), |a| {
            format!("{}x{}:{}", a.rows, a.cols, a.dataflow)
        })
    }

    /// `pot`, `pot:none`, `uniform`.
    pub fn format_label(&self) -> String {
        match self.zero.as_deref() {
            Some("none") => format!("{}:none", self.format),
            _ => self.format.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two points as the sweep spec resolves them, built through the JSON they serialize to.
    fn points() -> Vec<(Point, &'static str, &'static str)> {
        [
            (
                r#"{"format":"pot","zero":"none","weight_bits":4,"activation_bits":8,"activation_signed":false,"max_dot_length":256,"accumulator":{"bits":16,"overflow":"saturate"},"array":{"rows":4,"cols":4,"dataflow":"ws"},"target":"generic","pnr":false,"gemm":[16,32,8],"qat":{"dataset":"digits","hidden":[32],"fp_epochs":4,"epochs":2,"train_limit":200,"test_limit":100,"seed":3},"energy":["random","held"]}"#,
                "eaed29dd08be08ea",
            ),
            (
                r#"{"format":"apot","zero":null,"weight_bits":5,"activation_bits":8,"activation_signed":true,"max_dot_length":64,"accumulator":null,"array":{"rows":2,"cols":8,"dataflow":"os"},"target":"ice40","pnr":true,"gemm":null,"qat":null,"energy":[]}"#,
                "2e41bd5973cf0ac0",
            ),
        ]
        .into_iter()
        .map(|(json, hash)| (serde_json::from_str(json).unwrap(), json, hash))
        .collect()
    }

    /// The JSON of a point, and so its hash under one measurement version, is what the
    /// string-typed points of `potmac-sweep-2` wrote: resumed sweeps keep their names.
    #[test]
    fn points_serialize_and_hash_as_before() {
        for (p, json, hash) in points() {
            assert_eq!(serde_json::to_string(&p).unwrap(), json);
            assert_eq!(p.hash_with("potmac-sweep-2"), hash, "{json}");
        }
    }
}
