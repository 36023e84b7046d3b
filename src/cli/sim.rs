//! `potmac sim CONFIG... [--sim icarus|verilator|both]`: generate, simulate, one line per
//! design and simulator. Exit 0 when all pass, 1 on any mismatch, 2 on a tool error.

use super::common::{generate_all, load_designs, DEFAULT_OUT};
use super::Verdict;
use crate::emit;
use crate::tools::{self, icarus, verilator, SimOutcome};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Which simulators to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Simulators {
    /// Icarus Verilog only.
    Icarus,
    /// Verilator only.
    Verilator,
    /// Both.
    Both,
}

/// Arguments of `potmac sim`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Design config files (YAML).
    #[arg(required = true)]
    configs: Vec<PathBuf>,
    /// Simulator(s).
    #[arg(long = "sim", value_enum, default_value_t = Simulators::Both)]
    sim: Simulators,
    /// Seeded random vectors after the directed ones.
    #[arg(long, default_value_t = emit::Options::default().vectors)]
    vectors: usize,
    /// Seed of the random vectors.
    #[arg(long, default_value_t = emit::Options::default().seed)]
    seed: u64,
    /// Output folder.
    #[arg(long, default_value = DEFAULT_OUT)]
    out: PathBuf,
    /// Timeout per tool invocation, in seconds.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
    /// Simulate the folders already in OUT as they are (e.g. after editing their RTL or
    /// vectors) instead of regenerating them.
    #[arg(long)]
    no_generate: bool,
}

/// Run `potmac sim`.
pub fn run(a: &Args) -> Result<Verdict> {
    let designs = load_designs(&a.configs)?;
    let sims: Vec<&str> = match a.sim {
        Simulators::Icarus => vec!["icarus"],
        Simulators::Verilator => vec!["verilator"],
        Simulators::Both => vec!["icarus", "verilator"],
    };
    // Fail fast, before writing anything, when a simulator is missing.
    for s in &sims {
        match *s {
            "icarus" => {
                tools::find(&icarus::IVERILOG)?;
                tools::find(&icarus::VVP)?;
            }
            _ => {
                tools::find(&verilator::VERILATOR)?;
            }
        }
    }
    let opts = emit::Options {
        vectors: a.vectors,
        seed: a.seed,
    };
    let timeout = Duration::from_secs(a.timeout);
    let mut verdict = Verdict::Pass;
    let folders = if a.no_generate {
        existing_folders(&designs, &opts, &a.out)?
    } else {
        generate_all(&designs, &opts, &a.out)?
    };
    for (b, dir) in folders {
        for s in &sims {
            let t0 = Instant::now();
            let (outcome, log) = match *s {
                "icarus" => icarus::simulate(&dir, &b.tb_top, &b.tb_file, timeout),
                _ => verilator::simulate(&dir, &b.tb_top, &b.tb_file, timeout),
            }
            .with_context(|| format!("simulating `{}` on {s}", b.name))?;
            let secs = t0.elapsed().as_secs_f64();
            match outcome {
                SimOutcome::Pass(n) => {
                    println!(
                        "{:<24} {:<9} PASS {n} {} ({secs:.1} s)",
                        b.name, s, b.checks
                    )
                }
                SimOutcome::Fail(n) => {
                    verdict = Verdict::Fail;
                    println!(
                        "{:<24} {:<9} FAIL {n} mismatches ({secs:.1} s), log: {}",
                        b.name,
                        s,
                        log.display()
                    );
                }
            }
        }
    }
    Ok(verdict)
}

/// The folders of already generated designs (their names come from rendering in memory).
fn existing_folders(
    designs: &[crate::config::Design],
    opts: &emit::Options,
    out: &std::path::Path,
) -> Result<Vec<(emit::Bundle, PathBuf)>> {
    designs
        .iter()
        .map(|d| {
            let b = emit::bundle(d, opts)?;
            let dir = out.join(&b.name);
            if !dir.join(&b.tb_file).is_file() {
                bail!(
                    "--no-generate: {} has no generated testbench; run `potmac generate` first",
                    dir.display()
                );
            }
            Ok((b, dir))
        })
        .collect()
}
