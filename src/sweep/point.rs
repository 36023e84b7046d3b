//! A resolved sweep point: everything its design and its measurements depend on, its design
//! config, its name, its labels in result files, and the hash that names its result.

use crate::config::{ArrayShape, ConfigError, Dataflow, Design};
use crate::model::narrow::Narrow;
use crate::quant::spec::{FormatKind, FormatSpec, ZeroSpec};
use crate::tools::yosys::Target;
use crate::widths::Overflow;
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

/// A narrow accumulator of a point (`{"bits":16,"overflow":"saturate"}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccSpec {
    pub bits: u32,
    /// `saturate` or `wrap`.
    #[serde(with = "text::overflow")]
    pub overflow: Overflow,
}

impl From<Narrow> for AccSpec {
    fn from(n: Narrow) -> Self {
        AccSpec {
            bits: n.bits,
            overflow: n.overflow,
        }
    }
}

/// An array of a point (`{"rows":4,"cols":4,"dataflow":"ws"}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArraySpec {
    pub rows: u32,
    pub cols: u32,
    #[serde(with = "text::dataflow")]
    pub dataflow: Dataflow,
}

impl From<ArrayShape> for ArraySpec {
    fn from(a: ArrayShape) -> Self {
        ArraySpec {
            rows: a.rows,
            cols: a.cols,
            dataflow: a.dataflow,
        }
    }
}

impl ArraySpec {
    /// The array's shape.
    pub fn shape(&self) -> ArrayShape {
        ArrayShape {
            rows: self.rows,
            cols: self.cols,
            dataflow: self.dataflow,
        }
    }
}

/// The text forms of the typed fields in a point's JSON: exactly the strings the points of
/// `potmac-sweep-2` held, so a point serializes (and hashes) as it did.
mod text {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    fn parse<'de, D: Deserializer<'de>, T>(
        d: D,
        f: impl FnOnce(&str) -> Option<T>,
        what: &str,
    ) -> Result<T, D::Error> {
        let s = String::deserialize(d)?;
        f(&s).ok_or_else(|| D::Error::custom(format!("expected {what}, got `{s}`")))
    }

    pub mod overflow {
        use crate::widths::Overflow;

        pub fn serialize<S: super::Serializer>(o: &Overflow, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(o.name())
        }
        pub fn deserialize<'de, D: super::Deserializer<'de>>(d: D) -> Result<Overflow, D::Error> {
            super::parse(
                d,
                |s| Overflow::parse(s).filter(|o| *o != Overflow::Exact),
                "`saturate` or `wrap`",
            )
        }
    }

    pub mod dataflow {
        use crate::config::Dataflow;

        pub fn serialize<S: super::Serializer>(o: &Dataflow, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(o.name())
        }
        pub fn deserialize<'de, D: super::Deserializer<'de>>(d: D) -> Result<Dataflow, D::Error> {
            super::parse(d, |s| s.parse().ok(), "`ws` or `os`")
        }
    }

    pub mod target {
        use crate::tools::yosys::Target;

        pub fn serialize<S: super::Serializer>(o: &Target, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(o.name())
        }
        pub fn deserialize<'de, D: super::Deserializer<'de>>(d: D) -> Result<Target, D::Error> {
            super::parse(
                d,
                |s| Target::ALL.into_iter().find(|t| t.name() == s),
                "`generic`, `ice40` or `xc7`",
            )
        }
    }
}

/// One resolved point: everything its design and its measurements depend on. Its JSON is
/// hashed to name its result file ([`Point::hash`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    /// `uniform`, `pot` or `apot`.
    pub format: FormatKind,
    /// PoT zero policy (`code` or `none`); `None` for the other formats.
    pub zero: Option<ZeroSpec>,
    pub weight_bits: u32,
    pub activation_bits: u32,
    pub activation_signed: bool,
    pub max_dot_length: u64,
    /// `None`: the exact derived accumulator.
    pub accumulator: Option<AccSpec>,
    pub array: Option<ArraySpec>,
    /// `generic`, `ice40` or `xc7`.
    #[serde(with = "text::target")]
    pub target: Target,
    /// Place and route (iCE40 targets): Fmax.
    pub pnr: bool,
    /// GEMM M, K, N whose cycles an array point reports.
    pub gemm: Option<[u64; 3]>,
    pub qat: Option<QatSpec>,
    /// Energy-proxy stimuli (`random`, `held`) measured on the generic target.
    #[serde(default)]
    pub energy: Vec<String>,
    /// A standard-cell library (`.lib`/`.lib.gz`, the path as the spec gives it) the generic
    /// netlist is mapped to and timed on; absent from the JSON (and the hash) when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liberty: Option<String>,
}

impl Point {
    /// The design's name: `pot_w4a8`, `apot_w5a8s_acc16sat_ws4x4`, … (≤ 40 characters).
    pub fn name(&self) -> String {
        let mut n = format!(
            "{}{}_w{}a{}{}",
            kind_name(self.format),
            if self.zero == Some(ZeroSpec::None) {
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
            n += &format!("_acc{}{}", a.bits, &a.overflow.name()[..3]);
        }
        if let Some(a) = &self.array {
            n += &format!("_{}{}x{}", a.dataflow.name(), a.rows, a.cols);
        }
        n
    }

    /// The design config (YAML) of the point, as a Slurm job file shows it (`config`); the
    /// design itself is built by [`Point::design`], and a test checks the two agree.
    pub fn config_yaml(&self) -> String {
        let zero = match self.zero {
            Some(ZeroSpec::Code) => ", zero: code",
            Some(ZeroSpec::None) => ", zero: none",
            None => "",
        };
        let mut y = format!(
            "name: {}\nweights: {{format: {}, bits: {}{zero}}}\nactivations: {{bits: {}, signed: {}}}\n\
             max_dot_length: {}\n",
            self.name(),
            kind_name(self.format),
            self.weight_bits,
            self.activation_bits,
            self.activation_signed,
            self.max_dot_length
        );
        if let Some(a) = &self.accumulator {
            y += &format!(
                "accumulator: {{bits: {}, overflow: {}}}\n",
                a.bits,
                a.overflow.name()
            );
        }
        if let Some(a) = &self.array {
            y += &format!(
                "array: {{rows: {}, cols: {}, dataflow: {}}}\n",
                a.rows,
                a.cols,
                a.dataflow.name()
            );
        }
        y
    }

    /// The validated design, built with [`Design::builder`]; an unsupported weight format is
    /// the error a config file with it gives (field `weights.bits`).
    pub fn design(&self) -> Result<Design, ConfigError> {
        let name = self.name();
        let weights = self
            .weight_spec()
            .format()
            .map_err(|e| ConfigError::Field {
                path: name.clone(),
                field: "weights.bits",
                message: e.to_string(),
            })?;
        let mut b = Design::builder(
            &name,
            &weights,
            self.activation_bits,
            self.activation_signed,
            self.max_dot_length,
        );
        if let Some(a) = self.accumulator {
            b = b.accumulator(a.bits, a.overflow);
        }
        if let Some(a) = self.array {
            b = b.array(a.shape());
        }
        b.build(&name)
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
        self.accumulator.as_ref().map_or("exact".into(), |a| {
            format!("{}:{}", a.bits, a.overflow.name())
        })
    }

    /// The weight format (`pot:4:none`).
    pub fn weight_spec(&self) -> FormatSpec {
        FormatSpec {
            kind: self.format,
            bits: self.weight_bits,
            zero: self.zero.unwrap_or(ZeroSpec::Code),
        }
    }

    /// The narrow accumulator, if any.
    pub fn narrow(&self) -> Option<Narrow> {
        self.accumulator.map(|a| Narrow {
            bits: a.bits,
            overflow: a.overflow,
        })
    }

    /// `none`, `4x4:ws`.
    pub fn array_label(&self) -> String {
        self.array
            .as_ref()
            .map_or("none".into(), |a| a.shape().to_string())
    }

    /// `pot`, `pot:none`, `uniform`.
    pub fn format_label(&self) -> String {
        match self.zero {
            Some(ZeroSpec::None) => format!("{}:none", kind_name(self.format)),
            _ => kind_name(self.format).to_string(),
        }
    }
}

/// `uniform`, `pot`, `apot`.
pub fn kind_name(k: FormatKind) -> &'static str {
    match k {
        FormatKind::Uniform => "uniform",
        FormatKind::Pot => "pot",
        FormatKind::Apot => "apot",
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

    /// The built design is the design of the job file's YAML (and of the YAML the string
    /// points were built from).
    #[test]
    fn the_built_design_is_the_yaml_design() {
        let yaml = [
            "name: potn_w4a8_acc16sat_ws4x4\nweights: {format: pot, bits: 4, zero: none}\n\
             activations: {bits: 8, signed: false}\nmax_dot_length: 256\n\
             accumulator: {bits: 16, overflow: saturate}\narray: {rows: 4, cols: 4, dataflow: ws}\n",
            "name: apot_w5a8s_k64_os2x8\nweights: {format: apot, bits: 5}\n\
             activations: {bits: 8, signed: true}\nmax_dot_length: 64\n\
             array: {rows: 2, cols: 8, dataflow: os}\n",
        ];
        for ((p, _, _), yaml) in points().into_iter().zip(yaml) {
            assert_eq!(p.config_yaml(), yaml);
            let built = p.design();
            let read = Design::from_yaml(yaml, &p.name());
            assert_eq!(format!("{built:?}"), format!("{read:?}"), "{}", p.name());
        }
    }
}
