//! `potmac generate CONFIG... [--out DIR]`: write one self-contained folder per design.

use super::common::{generate_all, load_designs, lock_folders, DEFAULT_OUT, LOCK_WAIT};
use super::ui::Ui;
use super::Verdict;
use crate::emit;
use anyhow::Result;
use std::path::PathBuf;

/// Arguments of `potmac generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Design config files (YAML).
    #[arg(required = true)]
    configs: Vec<PathBuf>,
    /// Output folder; each design goes to OUT/<name>/.
    #[arg(long, default_value = DEFAULT_OUT)]
    out: PathBuf,
    /// Seeded random vectors after the directed ones.
    #[arg(long, default_value_t = emit::Options::default().vectors, value_parser = super::common::vector_count)]
    vectors: usize,
    /// Seed of the random vectors.
    #[arg(long, default_value_t = emit::Options::default().seed)]
    seed: u64,
}

/// Run `potmac generate`.
pub fn run(a: &Args, ui: &Ui) -> Result<Verdict> {
    let designs = load_designs(&a.configs)?;
    let opts = emit::Options {
        vectors: a.vectors,
        seed: a.seed,
    };
    let _locks = lock_folders(
        designs.iter().map(|d| d.name.as_str()),
        &a.out,
        ui,
        LOCK_WAIT,
    )?;
    for (b, dir) in generate_all(&designs, &opts, &a.out)? {
        writeln!(
            ui,
            "{:<24} {} files, {} {} -> {}",
            b.name,
            b.files.len(),
            b.vectors,
            b.checks,
            dir.display()
        )?;
    }
    Ok(Verdict::Pass)
}
