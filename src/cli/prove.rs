//! `potmac prove CONFIG... [--no-generate] [--depth N]`: formal equivalence of each generated
//! MAC with its reference model (written from the code table), by Yosys temporal induction.
//! Exit 0 when every design is proven, 1 on a counterexample, 2 when a proof is inconclusive
//! or on a usage, config or tool error.

use super::common::{at_least_one, generate_all, load_designs, DEFAULT_OUT};
use super::ui::Ui;
use super::Verdict;
use crate::emit;
use crate::tools::yosys::{self, ProveOutcome};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::time::{Duration, Instant};

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
    /// Output folder.
    #[arg(long, default_value = DEFAULT_OUT)]
    out: PathBuf,
    /// Prove the folders already in OUT as they are (e.g. after editing their RTL) instead of
    /// regenerating them.
    #[arg(long)]
    no_generate: bool,
    /// Longest induction to try (Yosys `sat -maxsteps`).
    #[arg(long, default_value_t = emit::formal::DEPTH, value_parser = at_least_one::<u32>)]
    depth: u32,
    /// Timeout per proof, in seconds (a proof that runs out is inconclusive).
    #[arg(long, default_value_t = 900, value_parser = at_least_one::<u64>)]
    timeout: u64,
}

/// Run `potmac prove`.
pub fn run(a: &Args, ui: &Ui) -> Result<Verdict> {
    let designs = load_designs(&a.configs)?;
    for (d, p) in designs.iter().zip(&a.configs) {
        if d.array.is_some() {
            bail!(
                "{}: `prove` does not support array configs yet; prove the MAC of the array \
                 with a config without the `array` section",
                p.display()
            );
        }
    }
    crate::tools::find(&yosys::YOSYS)?;
    let opts = emit::Options::default();
    let folders = if a.no_generate {
        designs
            .iter()
            .map(|d| {
                let dir = a.out.join(&d.name);
                if !dir.join(yosys::SCRIPT).is_file() {
                    bail!(
                        "--no-generate: {} has no {}; run `potmac generate` first",
                        dir.display(),
                        yosys::SCRIPT
                    );
                }
                Ok((d.name.clone(), dir))
            })
            .collect::<Result<Vec<_>>>()?
    } else {
        generate_all(&designs, &opts, &a.out)?
            .into_iter()
            .map(|(b, dir)| (b.name, dir))
            .collect()
    };
    let timeout = Duration::from_secs(a.timeout);
    let (mut cex, mut inconclusive) = (0, 0);
    let all = crate::progress::step("proving", Some(folders.len() as u64));
    for (name, dir) in folders {
        let t0 = Instant::now();
        let outcome =
            yosys::prove(&dir, a.depth, timeout).with_context(|| format!("proving `{name}`"))?;
        let secs = t0.elapsed().as_secs_f64();
        let log = dir.join(yosys::LOG);
        match outcome {
            ProveOutcome::Proven => writeln!(ui, "{name:<24} proven ({secs:.1} s)")?,
            ProveOutcome::Counterexample { cycles, vcd } => {
                cex += 1;
                writeln!(
                    ui,
                    "{name:<24} counterexample ({secs:.1} s), vcd: {}, log: {}",
                    dir.join(vcd).display(),
                    log.display()
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
                    "{name:<24} inconclusive ({secs:.1} s): {why}, log: {}",
                    log.display()
                )?;
            }
        }
        all.inc(1);
    }
    if cex > 0 {
        return Ok(Verdict::Fail);
    }
    if inconclusive > 0 {
        bail!("{inconclusive} proof(s) inconclusive");
    }
    Ok(Verdict::Pass)
}
