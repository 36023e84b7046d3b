//! `potmac prove CONFIG... [--no-generate] [--depth N]`: formal equivalence of each generated
//! MAC with its reference model (written from the code table), by Yosys temporal induction.
//! Exit 0 when every design is proven, 1 on a counterexample, 2 when a proof is inconclusive
//! or on a usage, config or tool error.

use super::common::{at_least_one, load_designs, ReuseArg, RunArgs};
use super::ui::Ui;
use super::Verdict;
use crate::emit;
use crate::flow;
use crate::tools::yosys::ProveOutcome;
use anyhow::{bail, Result};
use std::path::PathBuf;

/// The long help of `potmac prove` (`--help`).
pub const LONG_ABOUT: &str = "Prove each generated MAC (rtl/<name>_mac.v) equal to an independent \
    reference (formal/<name>_ref.v: a case over every weight code giving its integer value, \
    then acc + act * value at the accumulator width) for every input sequence: Yosys builds a \
    miter of the two and runs `sat -tempinduct` (formal/prove.ys) from zeroed accumulators.\n\n\
    Results: `proven` (exit 0); `counterexample` (exit 1): the inputs per cycle are printed \
    and a VCD is written to build/prove_cex.vcd; `inconclusive` (exit 2): the induction did \
    not close within --depth or the run hit --timeout. Array configs are not supported yet. \
    The same proof is in each folder as a SymbiYosys job (formal/<name>.sby, `make prove-sby`).";

/// Arguments of `potmac prove`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Design config files (YAML) of single MACs.
    #[arg(required = true)]
    configs: Vec<PathBuf>,
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    reuse: ReuseArg,
    /// Longest induction to try (Yosys `sat -maxsteps`).
    #[arg(long, default_value_t = emit::formal::DEPTH, value_parser = at_least_one::<u32>)]
    depth: u32,
}

/// Run `potmac prove`.
pub fn run(a: &Args, ui: &Ui) -> Result<Verdict> {
    let designs = load_designs(&a.configs)?;
    flow::prove::check(&designs, &a.configs)?;
    let (mut cex, mut inconclusive) = (0, 0);
    for p in flow::prove::run(&designs, a.depth, &a.run.opts_with(&a.reuse))? {
        let (name, secs, log) = (&p.design, p.secs, p.log.display());
        match p.outcome {
            ProveOutcome::Proven => writeln!(ui, "{name:<24} proven ({secs:.1} s)")?,
            ProveOutcome::Counterexample { cycles, vcd } => {
                cex += 1;
                writeln!(
                    ui,
                    "{name:<24} counterexample ({secs:.1} s), vcd: {}, log: {log}",
                    p.dir.join(vcd).display(),
                )?;
                writeln!(
                    ui,
                    "  inputs per cycle from zeroed accumulators; mac_acc_o / ref_acc_o: the MAC's and \
                     the reference's accumulator before that cycle's edge"
                )?;
                for (i, ports) in cycles.iter().enumerate() {
                    let fields: Vec<String> =
                        ports.iter().map(|(n, v)| format!("{n}={v}")).collect();
                    writeln!(ui, "  cycle {}: {}", i + 1, fields.join(" "))?;
                }
            }
            ProveOutcome::Inconclusive(why) => {
                inconclusive += 1;
                writeln!(
                    ui,
                    "{name:<24} inconclusive ({secs:.1} s): {why}, log: {log}"
                )?;
            }
        }
    }
    if cex > 0 {
        return Ok(Verdict::Fail);
    }
    if inconclusive > 0 {
        bail!("{inconclusive} proof(s) inconclusive");
    }
    Ok(Verdict::Pass)
}
