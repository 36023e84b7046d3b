//! A sweep spec (YAML) and its expansion into resolved [`Point`]s: the union over `grids` of
//! the cartesian product formats × weight bits × activation bits × accumulators × arrays ×
//! targets. Combinations no design supports (PoT at 8 bits, a 16-bit accumulator under a
//! 40-bit product, a narrow accumulator on an array) are skipped with their reason; a grid
//! with no valid point, and every malformed value, is an error naming the field.

pub use super::point::{AccSpec, ArraySpec, Point, QatSpec};
use super::SweepError;
use crate::config::ArrayShape;
use crate::model::dataset::DataSet;
use crate::model::narrow::Narrow;
use crate::quant::spec::{FormatKind, ZeroSpec};
use crate::tools::yosys::Target;
use serde::Deserialize;
use std::collections::HashSet;

/// Most points a spec may expand to (before duplicates are removed): each is at least one
/// synthesis run, so a larger sweep is almost certainly a typo, and counting first keeps a
/// spec of YAML aliases from expanding for minutes.
pub const MAX_POINTS: u64 = 20_000;

/// The spec file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    name: String,
    grids: Vec<RawGrid>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrid {
    formats: Vec<String>,
    weight_bits: Vec<u32>,
    activation_bits: Vec<u32>,
    #[serde(default)]
    activation_signed: bool,
    #[serde(default = "default_dot")]
    max_dot_length: u64,
    #[serde(default = "default_acc")]
    accumulators: Vec<String>,
    #[serde(default = "default_arrays")]
    arrays: Vec<String>,
    #[serde(default = "default_targets")]
    targets: Vec<String>,
    #[serde(default)]
    pnr: bool,
    #[serde(default)]
    gemm: Option<[u64; 3]>,
    #[serde(default)]
    qat: Option<QatSpec>,
    #[serde(default)]
    energy: Vec<String>,
    #[serde(default)]
    liberty: Option<String>,
}

fn default_dot() -> u64 {
    256
}
fn default_acc() -> Vec<String> {
    vec!["exact".into()]
}
fn default_arrays() -> Vec<String> {
    vec!["none".into()]
}
fn default_targets() -> Vec<String> {
    vec!["generic".into()]
}

/// A spec: its name, the points in order (duplicates removed), and the skipped combinations.
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub points: Vec<Point>,
    /// Combinations no design supports, each with the reason.
    pub skipped: Vec<String>,
}

fn field(path: &str, field: String, message: String) -> SweepError {
    SweepError::Spec {
        path: path.to_string(),
        field,
        message,
    }
}

/// `16:saturate`, `16:wrap` ([`Narrow`]'s text), `exact`.
fn parse_acc(s: &str) -> Option<Option<AccSpec>> {
    if s == "exact" {
        return Some(None);
    }
    Some(Some(s.parse::<Narrow>().ok()?.into()))
}

/// `none`, `4x4:ws`, `2x8:os` ([`ArrayShape`]'s text).
fn parse_array(s: &str) -> Option<Option<ArraySpec>> {
    if s == "none" {
        return Some(None);
    }
    Some(Some(s.parse::<ArrayShape>().ok()?.into()))
}

impl Spec {
    /// Read a spec file.
    pub fn from_file(path: &std::path::Path) -> Result<Spec, SweepError> {
        let text = crate::fsread::read_to_string(path, crate::fsread::TEXT).map_err(|source| {
            SweepError::Io {
                path: path.to_path_buf(),
                source,
            }
        })?;
        Spec::from_yaml(&text, &path.display().to_string())
    }

    /// Parse and expand a spec; `origin` names it in errors.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Spec, SweepError> {
        // The config loader's cap, before parsing (a deeply nested spec otherwise takes the
        // parser tens of seconds to reject).
        let depth = crate::config::nesting_depth(text);
        if depth > crate::config::MAX_DEPTH {
            return Err(SweepError::Parse {
                path: origin.to_string(),
                message: format!(
                    "nested {depth} levels deep, more than the {} a spec may have",
                    crate::config::MAX_DEPTH
                ),
            });
        }
        let raw: RawSpec = serde_norway::from_str(text).map_err(|e| SweepError::Parse {
            path: origin.to_string(),
            message: e.to_string().replace('\n', " "),
        })?;
        if raw.name.is_empty()
            || !raw
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(field(
                origin,
                "name".into(),
                format!("expected letters, digits, `_` or `-`, got `{}`", raw.name),
            ));
        }
        if raw.grids.is_empty() {
            return Err(field(
                origin,
                "grids".into(),
                "needs at least one grid".into(),
            ));
        }
        // Count every grid's product before expanding any.
        let mut total: u64 = 0;
        for (gi, g) in raw.grids.iter().enumerate() {
            let n = [
                g.formats.len(),
                g.weight_bits.len(),
                g.activation_bits.len(),
                g.accumulators.len(),
                g.arrays.len(),
                g.targets.len(),
            ]
            .iter()
            .fold(1u64, |acc, &l| acc.saturating_mul(l as u64));
            total = total.saturating_add(n);
            if total > MAX_POINTS {
                return Err(field(
                    origin,
                    format!("grids[{gi}]"),
                    format!(
                        "the grids up to this one make {total} points, more than the \
                         {MAX_POINTS} a sweep may have; split the spec"
                    ),
                ));
            }
        }
        let mut points: Vec<Point> = Vec::new();
        // Points by their JSON (the form that is hashed to name results): duplicates go in
        // linear time.
        let mut seen: HashSet<String> = HashSet::new();
        let mut skipped = Vec::new();
        let mut skipped_seen: HashSet<String> = HashSet::new();
        for (gi, g) in raw.grids.iter().enumerate() {
            let f = |name: &str| format!("grids[{gi}].{name}");
            let err =
                |name: &str, i: usize, m: String| field(origin, format!("{}[{i}]", f(name)), m);
            for (name, len) in [
                ("formats", g.formats.len()),
                ("weight_bits", g.weight_bits.len()),
                ("activation_bits", g.activation_bits.len()),
                ("accumulators", g.accumulators.len()),
                ("arrays", g.arrays.len()),
                ("targets", g.targets.len()),
            ] {
                if len == 0 {
                    return Err(field(origin, f(name), "needs at least one value".into()));
                }
            }
            let mut formats = Vec::new();
            for (i, s) in g.formats.iter().enumerate() {
                formats.push(match s.as_str() {
                    "uniform" => (FormatKind::Uniform, None),
                    "apot" => (FormatKind::Apot, None),
                    "pot" => (FormatKind::Pot, Some(ZeroSpec::Code)),
                    "pot:none" => (FormatKind::Pot, Some(ZeroSpec::None)),
                    _ => {
                        return Err(err(
                            "formats",
                            i,
                            format!("expected `uniform`, `pot`, `pot:none` or `apot`, got `{s}`"),
                        ))
                    }
                });
            }
            let mut accs = Vec::new();
            for (i, s) in g.accumulators.iter().enumerate() {
                accs.push(parse_acc(s).ok_or_else(|| {
                    err(
                        "accumulators",
                        i,
                        format!("expected `exact`, `BITS:saturate` or `BITS:wrap`, got `{s}`"),
                    )
                })?);
            }
            let mut arrays = Vec::new();
            for (i, s) in g.arrays.iter().enumerate() {
                arrays.push(parse_array(s).ok_or_else(|| {
                    err(
                        "arrays",
                        i,
                        format!("expected `none` or `RxC:ws|os`, got `{s}`"),
                    )
                })?);
            }
            let mut targets = Vec::new();
            for (i, t) in g.targets.iter().enumerate() {
                targets.push(
                    Target::ALL
                        .into_iter()
                        .find(|x| x.name() == t)
                        .ok_or_else(|| {
                            err(
                                "targets",
                                i,
                                format!("expected `generic`, `ice40`, `xc7` or `ecp5`, got `{t}`"),
                            )
                        })?,
                );
            }
            if let Some(q) = &g.qat {
                if q.dataset.parse::<DataSet>().is_err() {
                    return Err(field(
                        origin,
                        f("qat.dataset"),
                        format!("expected `digits` or `fashion-mnist`, got `{}`", q.dataset),
                    ));
                }
                if q.hidden.is_empty() || q.hidden.iter().any(|&h| !(1..=4096).contains(&h)) {
                    return Err(field(
                        origin,
                        f("qat.hidden"),
                        "expected 1 to 4096 units per layer, at least one layer".into(),
                    ));
                }
            }
            for (i, e) in g.energy.iter().enumerate() {
                if !["random", "held"].contains(&e.as_str()) {
                    return Err(err(
                        "energy",
                        i,
                        format!("expected `random` or `held`, got `{e}`"),
                    ));
                }
            }
            if let Some(l) = &g.liberty {
                if !(l.ends_with(".lib") || l.ends_with(".lib.gz")) {
                    return Err(field(
                        origin,
                        f("liberty"),
                        format!("expected a `.lib` or `.lib.gz` file, got `{l}`"),
                    ));
                }
                if !targets.contains(&Target::Generic) {
                    return Err(field(
                        origin,
                        f("liberty"),
                        "maps the generic target's netlist: add `generic` to `targets`".into(),
                    ));
                }
            }
            if let Some([m, k, n]) = g.gemm {
                // The same bounds as `potmac cycles --gemm`.
                crate::hw::array::GemmShape::new(m, k, n)
                    .map_err(|message| field(origin, f("gemm"), message))?;
            }
            let before = points.len();
            let mut grid_skips = Vec::new();
            for (fmt, zero) in &formats {
                for &wb in &g.weight_bits {
                    for &ab in &g.activation_bits {
                        for acc in &accs {
                            for arr in &arrays {
                                for &t in &targets {
                                    let p = Point {
                                        format: *fmt,
                                        zero: *zero,
                                        weight_bits: wb,
                                        activation_bits: ab,
                                        activation_signed: g.activation_signed,
                                        max_dot_length: g.max_dot_length,
                                        accumulator: *acc,
                                        array: *arr,
                                        target: t,
                                        pnr: g.pnr && t == Target::Ice40,
                                        gemm: if arr.is_some() { g.gemm } else { None },
                                        qat: g.qat.clone(),
                                        energy: if t == Target::Generic {
                                            g.energy.clone()
                                        } else {
                                            Vec::new()
                                        },
                                        liberty: g.liberty.clone().filter(|_| t == Target::Generic),
                                    };
                                    let key =
                                        serde_json::to_string(&p).expect("a point serializes");
                                    if seen.contains(&key) {
                                        continue;
                                    }
                                    match p.design() {
                                        Err(e) => {
                                            let e = e.to_string();
                                            if skipped_seen.insert(e.clone()) {
                                                grid_skips.push(e);
                                            }
                                        }
                                        Ok(_) => {
                                            seen.insert(key);
                                            points.push(p);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if points.len() == before && !grid_skips.is_empty() {
                return Err(field(
                    origin,
                    format!("grids[{gi}]"),
                    format!("no valid point; the first: {}", grid_skips[0]),
                ));
            }
            skipped.extend(grid_skips);
        }
        Ok(Spec {
            name: raw.name,
            points,
            skipped,
        })
    }
}
