//! The measurements of a sweep point. A [`Metric`] is a function from a resolved point (and
//! its validated design) to named values; [`METRICS`] lists them in column order. To add one
//! (GE area, an energy proxy), write its function and append an entry: the sweep, its files,
//! `--emit-jobs` and `--collect` need nothing else. Values must be deterministic (no wall
//! times), so reruns and cluster runs give identical results.

use super::point::{Point, QatSpec};
use super::SweepError;
use crate::config::Design;
use crate::tools::{nextpnr, yosys};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// What a metric may use: the point's folder (`OUT/work/<hash>/`, the design is generated into
/// it first), a cache folder shared by all points, and the tool timeout.
pub struct Ctx<'a> {
    /// The design folder of the point (already generated).
    pub dir: &'a Path,
    /// `OUT/cache/`: results shared between points (QAT runs).
    pub cache: &'a Path,
    pub timeout: Duration,
}

/// Named values, in the order of [`Metric::columns`].
pub type Values = Vec<(&'static str, Value)>;

/// One measurement.
pub struct Metric {
    pub name: &'static str,
    /// The value names it produces (CSV columns).
    pub columns: &'static [&'static str],
    /// Whether it applies to a point.
    pub applies: fn(&Point) -> bool,
    pub measure: fn(&Point, &Design, &Ctx) -> Result<Values, SweepError>,
}

/// Every metric, in column order.
pub const METRICS: &[Metric] = &[
    Metric {
        name: "widths",
        columns: &["product_bits", "acc_bits"],
        applies: |_| true,
        measure: widths,
    },
    Metric {
        name: "synth",
        columns: &[
            "cells",
            "transistors",
            "ge_comb",
            "ge_seq",
            "ge_total",
            "luts",
            "carries",
            "ffs",
        ],
        applies: |_| true,
        measure: synth,
    },
    Metric {
        name: "energy",
        columns: &["energy_random", "energy_held"],
        applies: |p| !p.energy.is_empty() && p.target == "generic",
        measure: energy,
    },
    Metric {
        name: "fmax",
        columns: &["fmax_mhz"],
        applies: |p| p.pnr,
        measure: fmax,
    },
    Metric {
        name: "cycles",
        columns: &["gemm_cycles", "utilization"],
        applies: |p| p.array.is_some() && p.gemm.is_some(),
        measure: cycles,
    },
    Metric {
        name: "qat",
        columns: &["qat_acc", "qat_overflow_steps"],
        applies: |p| p.qat.is_some(),
        measure: qat,
    },
];

/// Every column of every metric, in order.
pub fn columns() -> Vec<&'static str> {
    METRICS
        .iter()
        .flat_map(|m| m.columns.iter().copied())
        .collect()
}

fn opt(v: Option<u64>) -> Value {
    v.map_or(Value::Null, Value::from)
}

fn widths(_: &Point, d: &Design, _: &Ctx) -> Result<Values, SweepError> {
    Ok(vec![
        ("product_bits", d.widths.product.into()),
        ("acc_bits", d.widths.acc.into()),
    ])
}

fn target(p: &Point) -> yosys::Target {
    match p.target.as_str() {
        "ice40" => yosys::Target::Ice40,
        "xc7" => yosys::Target::Xc7,
        _ => yosys::Target::Generic,
    }
}

fn synth(p: &Point, _: &Design, c: &Ctx) -> Result<Values, SweepError> {
    let s = yosys::synth(c.dir, target(p), c.timeout).map_err(|e| SweepError::tool("synth", e))?;
    let ge = |f: fn(&crate::tools::liberty::GeArea) -> f64| {
        s.ge.as_ref().map_or(Value::Null, |g| round1(f(g)))
    };
    Ok(vec![
        ("cells", s.cells.into()),
        ("transistors", opt(s.transistors)),
        ("ge_comb", ge(|g| g.comb)),
        ("ge_seq", ge(|g| g.seq)),
        ("ge_total", ge(|g| g.total)),
        ("luts", opt(s.luts)),
        ("carries", opt(s.carries)),
        ("ffs", s.ffs.into()),
    ])
}

/// A value rounded to one decimal (GE, switched capacitance).
fn round1(v: f64) -> Value {
    ((v * 10.0).round() / 10.0).into()
}

/// Cycles (MAC operations) of each energy measurement: `benches/power.sh`'s figure.
pub const ENERGY_CYCLES: usize = 2000;

/// `potmac power`'s energy proxy, switched capacitance per MAC operation (unit gate delay,
/// seed 1), for each stimulus the point asks for (`random`, `held`); the gate-level
/// accumulator is checked against the golden model in every run.
fn energy(p: &Point, d: &Design, c: &Ctx) -> Result<Values, SweepError> {
    use crate::power::{stimulus::Stimulus, PowerOptions};
    let mut v = Vec::new();
    for (name, stim, col) in [
        ("random", Stimulus::Random, "energy_random"),
        ("held", Stimulus::Held, "energy_held"),
    ] {
        if !p.energy.iter().any(|e| e == name) {
            continue;
        }
        let o = PowerOptions {
            stimulus: stim,
            cycles: ENERGY_CYCLES,
            delay: crate::emit::power::Delay::Unit,
            seed: 1,
            timeout: c.timeout,
        };
        let r =
            crate::power::measure(d, c.dir, &o).map_err(|source| SweepError::Power { source })?;
        v.push((col, round1(r.per_mac.total)));
    }
    Ok(v)
}

/// Fmax rounded to 0.1 MHz, as nextpnr prints it.
fn fmax(_: &Point, _: &Design, c: &Ctx) -> Result<Values, SweepError> {
    let f = nextpnr::fmax(c.dir, c.timeout).map_err(|e| SweepError::tool("fmax", e))?;
    Ok(vec![("fmax_mhz", ((f * 10.0).round() / 10.0).into())])
}

fn cycles(p: &Point, d: &Design, _: &Ctx) -> Result<Values, SweepError> {
    let (Some(a), Some([m, k, n])) = (d.array, p.gemm) else {
        return Ok(Vec::new());
    };
    let r = crate::hw::array::cycles(&a, crate::hw::array::GemmShape { m, k, n });
    Ok(vec![
        ("gemm_cycles", r.total.into()),
        ("utilization", ((r.utilization * 1e4).round() / 1e4).into()),
    ])
}

/// Test accuracy of the integer model after QAT with the point's weight format and
/// activation width, on the point's accumulator (exact, or saturating/wrapping); cached in
/// `OUT/cache/qat_<hash>.json` so the targets and arrays of one format train once.
fn qat(p: &Point, _: &Design, c: &Ctx) -> Result<Values, SweepError> {
    let q = p.qat.as_ref().expect("applies only with qat");
    let key = QatKey {
        format: &p.format,
        zero: p.zero.as_deref(),
        weight_bits: p.weight_bits,
        activation_bits: p.activation_bits,
        accumulator: p
            .accumulator
            .as_ref()
            .map(|a| (a.bits, a.overflow.as_str())),
        qat: q,
    };
    let file = c
        .cache
        .join(format!("qat_{}.json", super::short_hash(&key)));
    if let Some(v) = std::fs::read_to_string(&file)
        .ok()
        .and_then(|t| serde_json::from_str::<Vec<(String, Value)>>(&t).ok())
    {
        let get = |k: &str| v.iter().find(|(n, _)| n == k).map(|(_, x)| x.clone());
        return Ok(vec![
            ("qat_acc", get("qat_acc").unwrap_or(Value::Null)),
            (
                "qat_overflow_steps",
                get("qat_overflow_steps").unwrap_or(Value::Null),
            ),
        ]);
    }
    let (acc, steps) = train(p, q).map_err(|source| SweepError::Qat { source })?;
    let v: Values = vec![
        ("qat_acc", ((acc * 1e4).round() / 1e4).into()),
        ("qat_overflow_steps", opt(steps)),
    ];
    super::write_atomic(
        &file,
        &(serde_json::to_string(&v).expect("values serialize") + "\n"),
    )?;
    Ok(v)
}

#[derive(serde::Serialize)]
struct QatKey<'a> {
    format: &'a str,
    zero: Option<&'a str>,
    weight_bits: u32,
    activation_bits: u32,
    accumulator: Option<(u32, &'a str)>,
    qat: &'a QatSpec,
}

/// The `potmac qat` defaults (Adam, FP lr 1e-3, QAT lr 1e-4 ×0.1 every 5 epochs, batch 64).
fn train(p: &Point, q: &QatSpec) -> Result<(f64, Option<u64>), crate::train::QatError> {
    use crate::model::{narrow, IntModel};
    use crate::quant::spec::FormatSpec;
    use crate::train::{data, optim::OptimizerKind, pipeline, train};
    let mut d = data::by_name(&q.dataset, None)?;
    let per = d.per_sample();
    if q.train_limit > 0 {
        d.train.truncate(q.train_limit, per);
    }
    if q.test_limit > 0 {
        d.test.truncate(q.test_limit, per);
    }
    let arch = pipeline::build_arch(&d, pipeline::ModelKind::Mlp, &q.hidden, &[]);
    let fp_cfg = train::TrainConfig {
        epochs: q.fp_epochs,
        batch: 64,
        lr: 1e-3,
        lr_step: 0,
        lr_decay: 0.1,
        optimizer: OptimizerKind::adam(),
        seed: q.seed,
        patience: 0,
        plateau_drops: 0,
    };
    let (fp, _) = pipeline::pretrain(&d, arch, &fp_cfg, &mut |_| {})?;
    let spec = format!(
        "{}:{}{}",
        p.format,
        p.weight_bits,
        if p.zero.as_deref() == Some("none") {
            ":none"
        } else {
            ""
        }
    );
    let qcfg = train::QatConfig {
        weights: FormatSpec::parse(&spec)?,
        first_layer: None,
        last_layer: None,
        act_bits: p.activation_bits,
        prune: 0.0,
        clip: None,
        act_percentile: 99.99,
        act_momentum: 0.9,
    };
    let qat_cfg = train::TrainConfig {
        epochs: q.epochs,
        lr: 1e-4,
        lr_step: 5,
        seed: q.seed.wrapping_add(1),
        ..fp_cfg
    };
    let (net, qs, _) = pipeline::finetune(&fp, &d, &qcfg, &qat_cfg, &mut |_| {})?;
    let im = IntModel::from_network(&net, &qs)?;
    match &p.accumulator {
        None => Ok((pipeline::verify(&net, &im, &d.test).int_acc, None)),
        Some(a) => {
            let n = narrow::Narrow::parse(&format!("{}:{}", a.bits, a.overflow))
                .map_err(crate::train::QatError::Config)?;
            let r = narrow::evaluate(&im, &d.test.x, &d.test.y, n);
            Ok((
                r.narrow_acc,
                Some(r.layers.iter().map(|l| l.overflows).sum()),
            ))
        }
    }
}
