//! `power`: generate each design folder, synthesize it to gates and simulate the gates; the
//! switched-capacitance energy proxy per MAC operation ([`crate::power`]). Results come one
//! design at a time ([`Measurement`] is an iterator).

use super::{generate_all, lock_folders, Context, Result, RunOpts};
use crate::config::Design;
use crate::emit::{self, DesignLock};
use crate::power::{self, PowerError, PowerOptions, PowerReport};
use crate::tools::{self, icarus, yosys};
use std::path::PathBuf;

/// One design's measurement: its report, or the gate netlist's mismatch against the golden
/// model (a verification failure, not a tool error).
#[derive(Debug)]
pub enum Measured {
    Report(Box<PowerReport>),
    Mismatch(PowerError),
}

/// A running power flow.
pub struct Measurement {
    _locks: Vec<DesignLock>,
    runs: std::vec::IntoIter<(Design, PathBuf)>,
    opts: PowerOptions,
    step: crate::progress::Step,
}

/// Check the tools, lock and generate every folder; the iterator measures them in order.
pub fn start(designs: &[Design], opts: PowerOptions, run: &RunOpts) -> Result<Measurement> {
    tools::find(&yosys::YOSYS)?;
    tools::find(&icarus::IVERILOG)?;
    tools::find(&icarus::VVP)?;
    let locks = lock_folders(
        designs.iter().map(|d| d.name.as_str()),
        &run.out,
        run.timeout,
    )?;
    let gen = emit::Options {
        vectors: 0,
        ..emit::Options::default()
    };
    let folders = generate_all(designs, &gen, &run.out)?;
    let runs: Vec<(Design, PathBuf)> = folders
        .into_iter()
        .zip(designs)
        .map(|((_, dir), d)| (d.clone(), dir))
        .collect();
    let step = crate::progress::step("measuring", Some(runs.len() as u64));
    Ok(Measurement {
        _locks: locks,
        runs: runs.into_iter(),
        opts,
        step,
    })
}

impl Iterator for Measurement {
    type Item = Result<Measured>;
    fn next(&mut self) -> Option<Result<Measured>> {
        let (d, dir) = self.runs.next()?;
        let r = match power::measure(&d, &dir, &self.opts) {
            Ok(r) => Ok(Measured::Report(Box::new(r))),
            Err(e @ PowerError::Mismatch { .. }) => Ok(Measured::Mismatch(e)),
            Err(e) => Err(e).context(|| format!("measuring `{}`", d.name)),
        };
        self.step.inc(1);
        Some(r)
    }
}
