//! The measurements of a sweep point. A [`Metric`] is a function from a resolved point (and
//! its validated design) to named values; [`METRICS`] lists them in column order. To add one
//! (GE area, an energy proxy), write its function and append an entry: the sweep, its files,
//! `--emit-jobs` and `--collect` need nothing else. Values must be deterministic (no wall
//! times), so reruns and cluster runs give identical results.

use super::point::{Point, QatSpec};
use super::SweepError;
use crate::config::Design;
use crate::flow::qat::{DataOpts, ModelOpts, QatOpts};
use crate::flow::FlowError;
use crate::model::dataset::DataSet;
use crate::model::narrow;
use crate::tools::{pnr, yosys};
use crate::train::pipeline::ModelKind;
use crate::train::recipe::Recipe;
use crate::train::settings::{Request, Settings};
use serde_json::Value;
use std::path::Path;
use std::time::Duration;

/// What a metric may use: the point's folder (`OUT/work/<hash>/`, the design is generated into
/// it first), a cache folder shared by all points, and the tool timeout.
pub struct Ctx<'a> {
    /// The design folder of the point (already generated).
    pub dir: &'a Path,
    /// The design's top module.
    pub top: &'a str,
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
        applies: |p| !p.energy.is_empty() && p.target == yosys::Target::Generic,
        measure: energy,
    },
    Metric {
        name: "liberty",
        columns: &[
            "lib_area",
            "lib_area_ffs",
            "lib_nand2_eq",
            "lib_min_period_ns",
            "lib_fmax_mhz",
        ],
        applies: |p| p.liberty.is_some() && p.target == yosys::Target::Generic,
        measure: liberty,
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

fn synth(p: &Point, _: &Design, c: &Ctx) -> Result<Values, SweepError> {
    let s = yosys::synth(c.dir, p.target, c.timeout).map_err(|e| SweepError::tool("synth", e))?;
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

/// The generic netlist (saved by the `synth` metric's run) mapped to the point's library
/// with the default dont-use list and timed by OpenSTA, as `potmac synth --liberty` does:
/// area in the library's unit (µm²), flip-flops' share, NAND2 equivalents, the minimum
/// period and Fmax (ideal clock, no wires).
fn liberty(p: &Point, _: &Design, c: &Ctx) -> Result<Values, SweepError> {
    use crate::flow::synth::liberty::{self as lib, LibertyOptions};
    let path = p.liberty.as_ref().expect("applies only with a library");
    let o = LibertyOptions {
        path: path.into(),
        dont_use: None,
        timing: true,
    };
    let err = |source| SweepError::Liberty { source };
    lib::check(&o, p.target).map_err(err)?;
    let library = lib::load(&o).map_err(err)?;
    let r = lib::measure(c.dir, c.top, "", false, &library, true, c.timeout).map_err(err)?;
    let t = r.timing.as_ref();
    let round3 = |v: f64| Value::from((v * 1e3).round() / 1e3);
    Ok(vec![
        ("lib_area", round1(r.area.total)),
        ("lib_area_ffs", round1(r.area.seq)),
        ("lib_nand2_eq", r.nand2_eq.map_or(Value::Null, round1)),
        (
            "lib_min_period_ns",
            t.map_or(Value::Null, |t| round3(t.min_period_ns)),
        ),
        (
            "lib_fmax_mhz",
            t.map_or(Value::Null, |t| round1(t.fmax_mhz)),
        ),
    ])
}

/// Fmax rounded to 0.1 MHz, as nextpnr prints it.
fn fmax(_: &Point, _: &Design, c: &Ctx) -> Result<Values, SweepError> {
    let f = pnr::fmax(c.dir, c.timeout).map_err(|e| SweepError::tool("fmax", e))?;
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
/// `OUT/cache/qat_<hash>.json` (keyed by the resolved settings, model and data) so the targets
/// and arrays of one format train once.
fn qat(p: &Point, _: &Design, c: &Ctx) -> Result<Values, SweepError> {
    let q = p.qat.as_ref().expect("applies only with qat");
    let opts = qat_opts(p, q).map_err(|source| SweepError::Qat { source })?;
    let settings = Settings::resolve(&opts.request);
    let key = QatKey {
        settings: &settings,
        model: &opts.model.hidden,
        dataset: opts.data.dataset.name(),
        train_limit: opts.data.train_limit,
        test_limit: opts.data.test_limit,
        accumulator: p.accumulator,
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
    let (acc, steps) = train(&opts, &settings).map_err(|source| SweepError::Qat { source })?;
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
    settings: &'a Settings,
    model: &'a [usize],
    dataset: &'static str,
    train_limit: Option<usize>,
    test_limit: Option<usize>,
    accumulator: Option<super::point::AccSpec>,
}

/// The options of a QAT point: the request `potmac qat --recipe fast --dataset D --weights F
/// --act-bits A --fp-epochs N --epochs M --seed S --hidden H [--train-limit L]
/// [--test-limit T] [--accumulator BITS:OVERFLOW]` makes, so the point trains with the
/// settings that command resolves ([`Settings::resolve`]).
pub fn qat_opts(p: &Point, q: &QatSpec) -> Result<QatOpts, FlowError> {
    let dataset: DataSet = q.dataset.parse().map_err(FlowError::Usage)?;
    let mut request = Request::new(Recipe::Fast, dataset);
    request.weights = Some(p.weight_spec());
    request.act_bits = Some(p.activation_bits);
    request.fp_epochs = Some(q.fp_epochs);
    request.epochs = Some(q.epochs);
    request.seed = Some(q.seed);
    Ok(QatOpts {
        request,
        data: DataOpts {
            dataset,
            dir: None,
            train_limit: (q.train_limit > 0).then_some(q.train_limit),
            test_limit: (q.test_limit > 0).then_some(q.test_limit),
        },
        model: ModelOpts {
            kind: ModelKind::Mlp,
            hidden: q.hidden.clone(),
            channels: Vec::new(),
            stage: Default::default(),
        },
        seeds: 1,
        threads: None,
        golden_samples: 1,
        out: None,
        accumulator: p.narrow(),
    })
}

/// Train a QAT point through [`crate::flow::qat::train_seed`]: the integer path's test
/// accuracy, on the point's narrow accumulator with its overflowed steps when it has one.
fn train(opts: &QatOpts, settings: &Settings) -> Result<(f64, Option<u64>), FlowError> {
    let d = opts.data.load()?;
    let t = crate::flow::qat::train_seed(&d, &opts.model, settings, false)?;
    match opts.accumulator {
        None => Ok((t.verification.int_acc, None)),
        Some(n) => {
            let r = narrow::evaluate(&t.int_model, &d.test.x, &d.test.y, n);
            Ok((
                r.narrow_acc,
                Some(r.layers.iter().map(|l| l.overflows).sum()),
            ))
        }
    }
}
