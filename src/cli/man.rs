//! `potmac man`: the man page (roff), generated from the clap definition, on stdout.

use super::ui::Ui;
use super::{Cli, Verdict};
use anyhow::{Context, Result};
use clap::CommandFactory;

/// Arguments of `potmac man`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Read it with `potmac man | man -l -`, or install it with \
    `potmac man > ~/.local/share/man/man1/potmac.1`."
)]
pub struct Args {}

/// Run `potmac man`.
pub fn run(_a: &Args, ui: &Ui) -> Result<Verdict> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .context("rendering the man page")?;
    ui.write_bytes(&page)?;
    Ok(Verdict::Pass)
}
