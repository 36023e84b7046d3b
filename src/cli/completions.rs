//! `potmac completions SHELL`: a completion script for bash, zsh, fish, elvish or PowerShell,
//! generated from the clap definition, on stdout.

use super::ui::Ui;
use super::{Cli, Verdict};
use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;

/// Arguments of `potmac completions`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Install, e.g.:\n  \
    bash: potmac completions bash > ~/.local/share/bash-completion/completions/potmac\n  \
    zsh:  potmac completions zsh > ~/.zfunc/_potmac   (with ~/.zfunc on $fpath)\n  \
    fish: potmac completions fish > ~/.config/fish/completions/potmac.fish")]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Run `potmac completions`.
pub fn run(a: &Args, ui: &Ui) -> Result<Verdict> {
    // Render into memory first: the generator panics on a write error, `ui` does not.
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut Cli::command(), "potmac", &mut script);
    ui.write_bytes(&script)?;
    Ok(Verdict::Pass)
}
