//! `potmac sweep SPEC [--jobs N] [--out DIR]`: measure every point of a design-space sweep in
//! parallel, resumably, and write CSV, JSON lines, Markdown and SVG plots;
//! `--emit-jobs DIR` writes one job per point for a cluster (Slurm job array, GNU parallel);
//! `--collect DIR` merges their results; `--point JOB --out DIR` measures one job.

use super::common::{at_least_one, or_cores, TimeoutArg};
use super::ui::Ui;
use super::Verdict;
use crate::sweep::{self, output, slurm, spec::Spec, Manifest};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Arguments of `potmac sweep`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Sweep spec (YAML); not with --collect or --point.
    #[arg(required_unless_present_any = ["collect", "point"], conflicts_with_all = ["collect", "point"])]
    spec: Option<PathBuf>,
    /// Points measured at once [default: the available cores].
    #[arg(long, value_parser = at_least_one::<usize>, conflicts_with_all = ["emit_jobs", "collect", "point"])]
    jobs: Option<usize>,
    /// Sweep folder [default: hdl_out/sweep/<spec name>]; with --point, the folder of the jobs.
    #[arg(long, conflicts_with_all = ["emit_jobs", "collect"])]
    out: Option<PathBuf>,
    /// Write one job per point into DIR (jobs.txt, slurm.sbatch, submit.sh) instead of running.
    #[arg(long, value_name = "DIR")]
    emit_jobs: Option<PathBuf>,
    /// The command that runs potmac in the emitted jobs.
    #[arg(long, default_value = "potmac", requires = "emit_jobs")]
    potmac: String,
    /// Merge the results in DIR (a sweep or --emit-jobs folder); list missing and failed points
    /// (exit 1 if any).
    #[arg(long, value_name = "DIR", conflicts_with = "point")]
    collect: Option<PathBuf>,
    /// Measure the one point of a job file (`jobs/<hash>.json`) into --out.
    #[arg(long, value_name = "JOB", requires = "out")]
    point: Option<PathBuf>,
    #[command(flatten)]
    timeout: TimeoutArg,
}

/// Run `potmac sweep`.
pub fn run(a: &Args, ui: &Ui) -> Result<Verdict> {
    let timeout = Duration::from_secs(a.timeout.timeout);
    if let Some(job) = &a.point {
        let out = a.out.as_deref().expect("clap requires --out");
        let j = slurm::Job::read(job)?;
        let r = sweep::run_point(out, &j.point, timeout)
            .with_context(|| format!("point `{}` ({})", j.name, j.hash))?;
        writeln!(ui, "{} ({}): done", r.name, r.hash)?;
        return Ok(Verdict::Pass);
    }
    if let Some(dir) = &a.collect {
        let m = Manifest::read(dir).context("--collect")?;
        return report(dir, &m, ui, "collected");
    }
    let spec_path = a.spec.as_deref().expect("clap requires SPEC");
    let spec = Spec::from_file(spec_path)?;
    for s in &spec.skipped {
        ui.note(&format!("skipped {s}"));
    }
    let m = Manifest::new(&spec);
    if let Some(dir) = &a.emit_jobs {
        slurm::emit_jobs(&m, dir, &a.potmac)?;
        writeln!(
            ui,
            "{n} jobs in {d}: jobs.txt (e.g. `cd {d} && parallel < jobs.txt`), slurm.sbatch and \
             submit.sh (`cd {d} && ./submit.sh`); then `potmac sweep --collect {d}`",
            n = m.points.len(),
            d = dir.display()
        )?;
        return Ok(Verdict::Pass);
    }
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| Path::new("hdl_out/sweep").join(&spec.name));
    let jobs = or_cores(a.jobs);
    let bar = crate::progress::step("sweep points", Some(m.points.len() as u64));
    let cached = m
        .points
        .iter()
        .filter(|p| sweep::load_result(&out, p).is_some())
        .count();
    bar.inc(cached as u64);
    let s = sweep::run(&m, &out, jobs, timeout, &mut |_, _| bar.inc(1))?;
    drop(bar);
    ui.note(&format!(
        "{} points: {} measured, {} already done, {} failed",
        m.points.len(),
        s.measured,
        s.cached,
        s.failed.len()
    ));
    let verdict = report(&out, &m, ui, "wrote")?;
    if !s.failed.is_empty() {
        bail!(
            "{} of {} points failed (rerun to retry them; the finished ones are kept): {}",
            s.failed.len(),
            m.points.len(),
            s.failed.join("; ")
        );
    }
    Ok(verdict)
}

/// Write the result files of a folder, print the missing points; Fail when any is missing.
fn report(dir: &Path, m: &Manifest, ui: &Ui, verb: &str) -> Result<Verdict> {
    let missing = output::write_all(m, dir)?;
    for line in &missing {
        writeln!(ui, "missing {line}")?;
    }
    writeln!(
        ui,
        "{verb} {} of {} points: {}",
        m.points.len() - missing.len(),
        m.points.len(),
        ["results.csv", "results.jsonl", "results.md", "plots/"]
            .map(|f| dir.join(f).display().to_string())
            .join(", ")
    )?;
    Ok(if missing.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail
    })
}
