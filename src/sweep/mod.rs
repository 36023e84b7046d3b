//! Design-space sweeps: a spec ([`spec`]) expands into resolved points, each measured by the
//! [`metrics`] and stored as `OUT/points/<hash>.json` (written atomically, so an interrupted
//! sweep leaves only whole results, and a rerun skips the points already done); the results
//! are then written as CSV, JSON lines, a Markdown table ([`output`]) and SVG plots
//! ([`plot`]). [`slurm`] writes one job per point for a cluster and merges their results.
//!
//! Layout of `OUT/`: `sweep.json` (the manifest: spec name, points and hashes in order),
//! `points/<hash>.json` (one finished point), `failed/<hash>.json` (the last error of a point
//! that failed; retried by the next run), `work/<hash>/<design>/` (the generated design and
//! its tool logs), `cache/` (QAT runs shared by points), `results.{csv,jsonl,md}`, `plots/`.

pub mod metrics;
pub mod output;
pub mod plot;
pub mod point;
pub mod slurm;
pub mod spec;

use point::Point;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Bumped when a metric changes what it measures: every point's hash changes with it.
pub const MEASURE_VERSION: &str = "potmac-sweep-3";

/// Sweep errors (messages never repeat their `source`: see the crate docs, "Errors").
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("{path}: cannot read or write")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: field `{field}`: {message}")]
    Spec {
        path: String,
        field: String,
        message: String,
    },
    #[error("{what}")]
    Tool {
        what: &'static str,
        source: crate::tools::ToolError,
    },
    #[error("generating the design")]
    Emit { source: crate::emit::EmitError },
    #[error("config")]
    Config { source: crate::config::ConfigError },
    #[error("qat")]
    Qat { source: crate::flow::FlowError },
    #[error("energy")]
    Power { source: crate::power::PowerError },
    #[error("liberty")]
    Liberty { source: crate::flow::FlowError },
}

impl SweepError {
    fn tool(what: &'static str, source: crate::tools::ToolError) -> Self {
        SweepError::Tool { what, source }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SweepError + '_ {
    move |source| SweepError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// First 16 hex digits of the SHA-256 of a value's JSON.
pub fn short_hash<T: Serialize>(v: &T) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(serde_json::to_string(v).expect("serializes"));
    d.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Write a file so that it is either absent, the old, or the complete new contents: a hidden
/// sibling (named by process and thread), then a rename.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), SweepError> {
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    static N: AtomicUsize = AtomicUsize::new(0);
    let tmp = parent.join(format!(
        ".{}.tmp{}-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("f"),
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&tmp, text).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(path)(e)
    })
}

/// A finished point (`points/<hash>.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointResult {
    pub hash: String,
    pub name: String,
    pub point: Point,
    /// Metric values by column name.
    pub values: Map<String, Value>,
}

/// A point that failed (`failed/<hash>.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PointFailure {
    pub hash: String,
    pub name: String,
    pub error: String,
}

/// The manifest (`sweep.json`): what a sweep folder should hold.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub name: String,
    pub points: Vec<Point>,
    pub hashes: Vec<String>,
    pub skipped: Vec<String>,
}

impl Manifest {
    pub fn new(s: &spec::Spec) -> Self {
        Manifest {
            name: s.name.clone(),
            hashes: s.points.iter().map(Point::hash).collect(),
            points: s.points.clone(),
            skipped: s.skipped.clone(),
        }
    }

    pub fn write(&self, out: &Path) -> Result<(), SweepError> {
        let text = serde_json::to_string_pretty(self).expect("serializes") + "\n";
        write_atomic(&out.join("sweep.json"), &text)
    }

    pub fn read(out: &Path) -> Result<Self, SweepError> {
        let p = out.join("sweep.json");
        let text = std::fs::read_to_string(&p).map_err(io(&p))?;
        serde_json::from_str(&text).map_err(|e| SweepError::Parse {
            path: p.display().to_string(),
            message: e.to_string(),
        })
    }
}

fn point_file(out: &Path, hash: &str) -> PathBuf {
    out.join("points").join(format!("{hash}.json"))
}

fn failed_file(out: &Path, hash: &str) -> PathBuf {
    out.join("failed").join(format!("{hash}.json"))
}

/// The stored result of a point, when it is finished (a file that does not parse, or belongs
/// to another point, counts as not finished).
pub fn load_result(out: &Path, p: &Point) -> Option<PointResult> {
    let hash = p.hash();
    let text = std::fs::read_to_string(point_file(out, &hash)).ok()?;
    serde_json::from_str::<PointResult>(&text)
        .ok()
        .filter(|r| r.hash == hash && &r.point == p)
}

/// The stored failure of a point.
pub fn load_failure(out: &Path, p: &Point) -> Option<PointFailure> {
    let text = std::fs::read_to_string(failed_file(out, &p.hash())).ok()?;
    serde_json::from_str(&text).ok()
}

/// Measure one point: generate its design under `OUT/work/<hash>/`, run every metric that
/// applies, store the result (or the failure) atomically.
pub fn run_point(out: &Path, p: &Point, timeout: Duration) -> Result<PointResult, SweepError> {
    let hash = p.hash();
    let measured = measure(out, p, &hash, timeout);
    match &measured {
        Ok(r) => {
            let text = serde_json::to_string_pretty(r).expect("serializes") + "\n";
            write_atomic(&point_file(out, &hash), &text)?;
            let _ = std::fs::remove_file(failed_file(out, &hash));
        }
        Err(e) => {
            let f = PointFailure {
                hash: hash.clone(),
                name: p.name(),
                error: chain(e),
            };
            let text = serde_json::to_string_pretty(&f).expect("serializes") + "\n";
            write_atomic(&failed_file(out, &hash), &text)?;
        }
    }
    measured
}

/// An error and its causes on one line.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s += &format!(": {c}");
        cur = c.source();
    }
    s.replace('\n', " ")
}

fn measure(
    out: &Path,
    p: &Point,
    hash: &str,
    timeout: Duration,
) -> Result<PointResult, SweepError> {
    let design = p.design().map_err(|source| SweepError::Config { source })?;
    let work = out.join("work").join(hash);
    let opts = crate::emit::Options {
        vectors: 0,
        seed: 1,
    };
    let bundle =
        crate::emit::bundle(&design, &opts).map_err(|source| SweepError::Emit { source })?;
    let dir = crate::emit::write(&bundle, &work).map_err(|source| SweepError::Emit { source })?;
    let cache = out.join("cache");
    let ctx = metrics::Ctx {
        dir: &dir,
        top: &bundle.top,
        cache: &cache,
        timeout,
    };
    let mut values = Map::new();
    for m in metrics::METRICS {
        if (m.applies)(p) {
            for (k, v) in (m.measure)(p, &design, &ctx)? {
                values.insert(k.to_string(), v);
            }
        }
    }
    Ok(PointResult {
        hash: hash.to_string(),
        name: p.name(),
        point: p.clone(),
        values,
    })
}

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Points measured in this run.
    pub measured: usize,
    /// Points found finished and skipped.
    pub cached: usize,
    /// Points that failed (`name: error`).
    pub failed: Vec<String>,
}

/// Run every unfinished point of a manifest on `jobs` threads; `done` is called on the calling
/// thread after each point (for a progress bar).
pub fn run(
    m: &Manifest,
    out: &Path,
    jobs: usize,
    timeout: Duration,
    done: &mut dyn FnMut(&Point, bool),
) -> Result<Summary, SweepError> {
    m.write(out)?;
    let mut s = Summary::default();
    let todo: Vec<&Point> = m
        .points
        .iter()
        .filter(|p| {
            let fin = load_result(out, p).is_some();
            s.cached += usize::from(fin);
            !fin
        })
        .collect();
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1).min(todo.len().max(1)) {
            let tx = tx.clone();
            let (todo, next) = (&todo, &next);
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(p) = todo.get(i) else { break };
                let r = run_point(out, p, timeout).map_err(|e| chain(&e));
                if tx.send((i, r)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (i, r) in rx {
            match r {
                Ok(_) => s.measured += 1,
                Err(e) => s.failed.push(format!("{}: {e}", todo[i].name())),
            }
            done(todo[i], true);
        }
    });
    s.failed.sort();
    Ok(s)
}
