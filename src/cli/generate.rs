//! `potmac generate CONFIG... [--out DIR]`: write one self-contained folder per design.

use super::common::{load_designs, GenArgs};
use super::ui::Ui;
use super::Verdict;
use crate::flow::{self, DEFAULT_OUT};
use anyhow::Result;
use std::path::PathBuf;

/// Arguments of `potmac generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Design config files (YAML).
    #[arg(required = true)]
    configs: Vec<PathBuf>,
    /// Output folder; each design goes to OUT/<name>/. (`generate` has no `--timeout`: it runs
    /// no tool, and waits up to 600 s for another run that holds a folder.)
    #[arg(long, default_value = DEFAULT_OUT)]
    out: PathBuf,
    #[command(flatten)]
    gen: GenArgs,
}

/// Run `potmac generate`.
pub fn run(a: &Args, ui: &Ui) -> Result<Verdict> {
    let designs = load_designs(&a.configs)?;
    for w in flow::generate::run(&designs, &a.gen.opts(), &a.out)? {
        writeln!(
            ui,
            "{:<24} {} files, {} {} -> {}",
            w.name,
            w.files,
            w.checks,
            w.unit,
            w.dir.display()
        )?;
    }
    Ok(Verdict::Pass)
}
