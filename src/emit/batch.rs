//! A batch folder: many designs under one testbench, so a simulator compiles once for all of
//! them (a Verilator build costs seconds per testbench; its run over many designs costs little
//! more than over one).
//!
//! Each design keeps its own RTL (module names already start with the design name) and its own
//! vector files, moved to `vectors/<design>/`; a checker module per design replays them as the
//! design's own testbench does, and the batch top prints one `PASS <design> <checks>` or
//! `FAIL <design> <errors>` line per design and then one final `PASS <designs>` or
//! `FAIL <failed designs>` line, which [`crate::tools::parse_result`] reads.

use super::array::{test_view, ArrayView};
use super::mac_view::MacCommon;
use super::{hex, render, Bundle, EmitError, Options};
use crate::config::{Dataflow, Design};
use crate::tools::SimOutcome;
use askama::Template;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One design of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Design name (as printed on its result line).
    pub name: String,
    /// Checks its checker makes (MAC vectors, or array output rows).
    pub checks: usize,
    /// What one check is (as [`Bundle::checks`]).
    pub what: &'static str,
}

/// A rendered batch folder, in memory.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The folder: `name` is the batch name, `tb_top`/`tb_file` the batch testbench, `top` the
    /// testbench too (a batch has no RTL top), `pnr_file` empty, `vectors` the number of
    /// designs (the final `PASS n`).
    pub bundle: Bundle,
    /// The designs, in the order of their result lines.
    pub members: Vec<Member>,
}

/// A member's view in the batch top.
struct MemberView {
    name: String,
    check: String,
    checks: usize,
}

#[derive(Template)]
#[template(path = "tb/batch.v", escape = "none")]
struct BatchTb<'a> {
    header: &'a [String],
    waves: super::Waves,
    tb: &'a str,
    watchdog: usize,
    members: &'a [MemberView],
    checkers: &'a [String],
}

#[derive(Template)]
#[template(path = "tb/batch_mac.v", escape = "none")]
struct MacCheck<'a> {
    name: &'a str,
    check: &'a str,
    dir: &'a str,
    c: &'a MacCommon,
    n: usize,
    sentinel: String,
}

#[derive(Template)]
#[template(path = "tb/batch_array.v", escape = "none")]
struct ArrayCheck<'a> {
    name: &'a str,
    check: &'a str,
    dir: &'a str,
    v: &'a ArrayView,
    ws: bool,
}

#[derive(Template)]
#[template(path = "project/filelist.f", escape = "none")]
struct FileList<'a> {
    rtl_files: &'a [String],
}

/// Errors of [`batch`] beyond rendering: a batch needs at least one design and distinct names.
fn check_names(name: &str, designs: &[Design]) -> Result<(), EmitError> {
    let bad = |msg: String| EmitError::Render {
        what: format!("batch {name}"),
        source: askama::Error::Custom(msg.into()),
    };
    if designs.is_empty() {
        return Err(bad("a batch needs at least one design".into()));
    }
    let mut seen = BTreeSet::new();
    for d in designs {
        if !seen.insert(d.name.as_str()) {
            return Err(bad(format!("design name `{}` appears twice", d.name)));
        }
    }
    Ok(())
}

/// Render a batch folder `name` (a valid design name) that simulates every design against its
/// golden vectors (generated with `opts`, as [`super::bundle`] generates them) under one
/// testbench `tb_<name>`.
pub fn batch(name: &str, designs: &[Design], opts: &Options) -> Result<Batch, EmitError> {
    check_names(name, designs)?;
    let tb = format!("tb_{name}");
    let tb_file = format!("tb/{tb}.v");
    let mut files = BTreeMap::new();
    let mut rtl_files = Vec::new();
    let mut members = Vec::new();
    let mut views = Vec::new();
    let mut checkers = Vec::new();
    let mut longest = 0;
    for d in designs {
        let b = super::bundle(d, opts)?;
        // The design's RTL, in its own filelist's order.
        for f in b.files["filelist.f"]
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            rtl_files.push(f.to_string());
            files.insert(f.to_string(), b.files[f].clone());
        }
        let dir = format!("vectors/{}", d.name);
        for (rel, text) in &b.files {
            if let Some(file) = rel.strip_prefix("vectors/") {
                files.insert(format!("{dir}/{file}"), text.clone());
            }
        }
        let check = format!("{}_check", d.name);
        let what = format!("{tb_file} ({check})");
        let (text, cycles) = match d.array {
            None => {
                let c = MacCommon::new(d);
                let t = MacCheck {
                    name: &d.name,
                    check: &check,
                    dir: &dir,
                    c: &c,
                    n: b.vectors,
                    sentinel: hex::sentinel(c.acc),
                };
                (render(&t, &what)?, b.vectors)
            }
            Some(a) => {
                let v = test_view(d, opts);
                let t = ArrayCheck {
                    name: &d.name,
                    check: &check,
                    dir: &dir,
                    v: &v,
                    ws: a.dataflow == Dataflow::Ws,
                };
                (render(&t, &what)?, v.nstim + 8)
            }
        };
        longest = longest.max(cycles);
        checkers.push(text.trim_end().to_string());
        views.push(MemberView {
            name: d.name.clone(),
            check,
            checks: b.vectors,
        });
        members.push(Member {
            name: d.name.clone(),
            checks: b.vectors,
            what: b.checks,
        });
    }
    let header = vec![
        format!(
            " {tb}: generated by potmac {}, do not edit.",
            env!("CARGO_PKG_VERSION")
        ),
        format!(
            " Batch testbench over {} designs: {}.",
            designs.len(),
            designs
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ];
    files.insert(
        tb_file.clone(),
        render(
            &BatchTb {
                header: &header,
                waves: super::WAVES,
                tb: &tb,
                watchdog: longest + 64,
                members: &views,
                checkers: &checkers,
            },
            &tb_file,
        )?,
    );
    files.insert(
        "filelist.f".into(),
        render(
            &FileList {
                rtl_files: &rtl_files,
            },
            "filelist.f",
        )?,
    );
    Ok(Batch {
        bundle: Bundle {
            name: name.to_string(),
            top: tb.clone(),
            tb_top: tb,
            tb_file,
            pnr_file: String::new(),
            vectors: designs.len(),
            checks: "designs",
            files,
        },
        members,
    })
}

/// Write a batch to `out/<name>/` (as [`super::write`] writes a design folder).
pub fn write_batch(batch: &Batch, out: &Path) -> Result<PathBuf, EmitError> {
    super::write(&batch.bundle, out)
}

/// The per-design result lines of a batch run's log, in order: `(design, outcome)`.
pub fn batch_results(log: &str) -> Vec<(String, SimOutcome)> {
    log.lines()
        .filter_map(|line| {
            let mut it = line.split_whitespace();
            let word = it.next()?;
            let name = it.next()?;
            let n = it.next()?.parse::<u64>().ok()?;
            if it.next().is_some() || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
                return None;
            }
            match word {
                "PASS" => Some((name.to_string(), SimOutcome::Pass(n))),
                "FAIL" => Some((name.to_string(), SimOutcome::Fail(n))),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines() {
        let log = "MISMATCH a vector 3: expected 1 got 2\nPASS m0 60\nFAIL m1 2\nFAIL 1\n";
        assert_eq!(
            batch_results(log),
            vec![
                ("m0".to_string(), SimOutcome::Pass(60)),
                ("m1".to_string(), SimOutcome::Fail(2)),
            ]
        );
    }

    #[test]
    fn names_must_differ() {
        let d = Design::from_yaml(
            "name: a\nweights: {format: pot, bits: 3}\nactivations: {bits: 4, signed: true}\nmax_dot_length: 2\n",
            "t",
        )
        .unwrap();
        let opts = Options {
            vectors: 10,
            seed: 1,
        };
        assert!(batch("b", &[d.clone(), d.clone()], &opts).is_err());
        assert!(batch("b", &[], &opts).is_err());
        let b = batch("b", &[d], &opts).unwrap();
        assert_eq!(b.members.len(), 1);
        let f = &b.bundle.files;
        assert!(f.contains_key("vectors/a/stim.hex") && f.contains_key("rtl/a_mac.v"));
        assert!(f["tb/tb_b.v"].contains("module a_check"));
    }
}
