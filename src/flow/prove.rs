//! `prove`: formal equivalence of each generated MAC with its code-table reference (Yosys
//! temporal induction). Array and accelerator designs are refused before anything is written.

use super::{prepare, usage, Context, Result, RunOpts};
use crate::config::Design;
use crate::emit;
use crate::tools::yosys::{self, ProveOutcome};
use std::path::PathBuf;
use std::time::Instant;

/// One design's proof.
#[derive(Debug, Clone, PartialEq)]
pub struct Proof {
    pub design: String,
    pub outcome: ProveOutcome,
    pub secs: f64,
    /// The design folder and the proof's log.
    pub dir: PathBuf,
    pub log: PathBuf,
}

/// Check that every design is a single MAC (`sources` names each design's config in errors)
/// and that Yosys is installed.
pub fn check(designs: &[Design], sources: &[PathBuf]) -> Result<()> {
    for (d, p) in designs.iter().zip(sources) {
        if d.array.is_some() {
            return usage(format!(
                "{}: `prove` does not support array configs yet; prove the MAC of the array \
                 with a config without the `array` section",
                p.display()
            ));
        }
    }
    crate::tools::find(&yosys::YOSYS)?;
    Ok(())
}

/// Generate (or reuse) each folder and prove its MAC, up to induction depth `depth`.
pub fn run(designs: &[Design], depth: u32, run: &RunOpts) -> Result<Vec<Proof>> {
    let folders = prepare(designs, &emit::Options::default(), &run.out, run.regenerate)?;
    let all = crate::progress::step("proving", Some(folders.len() as u64));
    let mut proofs = Vec::new();
    for (b, dir) in folders {
        let t0 = Instant::now();
        let outcome =
            yosys::prove(&dir, depth, run.timeout).context(|| format!("proving `{}`", b.name))?;
        proofs.push(Proof {
            design: b.name,
            outcome,
            secs: t0.elapsed().as_secs_f64(),
            log: dir.join(yosys::LOG),
            dir,
        });
        all.inc(1);
    }
    Ok(proofs)
}
