//! `power`: generate each design folder, synthesize it to gates and simulate the gates; the
//! switched-capacitance energy proxy per MAC operation ([`crate::power`]). Results come one
//! design at a time ([`Measurement`] is an iterator).

use super::synth::liberty::{self as lib_flow, LibertyOptions};
use super::{generate_all, lock_folders, usage, Context, Result, RunOpts};
use crate::config::Design;
use crate::emit::liberty::LibertyFiles;
use crate::emit::{self, DesignLock};
use crate::power::{self, PowerError, PowerOptions, PowerReport};
use crate::tools::liberty::foreign::ForeignLibrary;
use crate::tools::liberty::tables::Tables;
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
    runs: std::vec::IntoIter<(Design, PathBuf, String)>,
    opts: PowerOptions,
    /// `--liberty`: the library, its tables and the options.
    liberty: Option<(ForeignLibrary, Tables, LibertyOptions)>,
    step: crate::progress::Step,
}

/// Check the tools, lock and generate every folder; the iterator measures them in order
/// (with `liberty`, also on that library, in joules).
pub fn start(
    designs: &[Design],
    opts: PowerOptions,
    liberty: Option<LibertyOptions>,
    run: &RunOpts,
) -> Result<Measurement> {
    tools::find(&yosys::YOSYS)?;
    let liberty = match liberty {
        None => None,
        Some(l) => {
            lib_flow::check(&l, yosys::Target::Generic)?;
            let lib = lib_flow::load(&l)?;
            let tables = match Tables::parse(&lib.text) {
                Ok(t) => t,
                Err(m) => return usage(format!("--liberty {}: {m}", l.path.display())),
            };
            Some((lib, tables, l))
        }
    };
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
    let runs: Vec<(Design, PathBuf, String)> = folders
        .into_iter()
        .zip(designs)
        .map(|((b, dir), d)| (d.clone(), dir, b.top))
        .collect();
    let step = crate::progress::step("measuring", Some(runs.len() as u64));
    Ok(Measurement {
        _locks: locks,
        runs: runs.into_iter(),
        opts,
        liberty,
        step,
    })
}

impl Measurement {
    /// With `--liberty`: map the design to the library and measure it there.
    #[allow(clippy::type_complexity)]
    fn on_library(
        &self,
        d: &Design,
        dir: &std::path::Path,
        top: &str,
    ) -> Result<Option<std::result::Result<power::liberty::LibertyEnergy, PowerError>>> {
        let Some((lib, tables, l)) = &self.liberty else {
            return Ok(None);
        };
        lib_flow::measure(dir, top, "", false, lib, false, self.opts.timeout)
            .context(|| format!("`{}` on the library {}", d.name, l.path.display()))?;
        let gates = LibertyFiles::new(&lib.stem, "").gates;
        Ok(Some(power::liberty::measure(
            d, dir, &self.opts, lib, tables, &gates,
        )))
    }
}

impl Iterator for Measurement {
    type Item = Result<Measured>;
    fn next(&mut self) -> Option<Result<Measured>> {
        let (d, dir, top) = self.runs.next()?;
        let r = match power::measure(&d, &dir, &self.opts) {
            Ok(mut r) => match self.on_library(&d, &dir, &top) {
                Ok(None) => Ok(Measured::Report(Box::new(r))),
                Ok(Some(Ok(e))) => {
                    r.liberty = Some(e);
                    Ok(Measured::Report(Box::new(r)))
                }
                Ok(Some(Err(e @ PowerError::Mismatch { .. }))) => Ok(Measured::Mismatch(e)),
                Ok(Some(Err(e))) => Err(e).context(|| format!("measuring `{}`", d.name)),
                Err(e) => Err(e),
            },
            Err(e @ PowerError::Mismatch { .. }) => Ok(Measured::Mismatch(e)),
            Err(e) => Err(e).context(|| format!("measuring `{}`", d.name)),
        };
        self.step.inc(1);
        Some(r)
    }
}
