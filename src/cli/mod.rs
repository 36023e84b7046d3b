//! Command-line interface: one file per subcommand, `anyhow` with context at this edge only.
//!
//! Conventions shared by every subcommand: exit code 0 pass, 1 verification failure, 2 usage,
//! config or tool error; results on stdout through [`ui::Ui`] (a closed stdout ends the run
//! quietly with 0); progress and notes on stderr, `-q` to silence them, `-v` to add every
//! tool command line; `--format table|csv|json` where a command prints results
//! ([`format`]). clap is used here and nowhere else in the crate.

mod common;
mod completions;
mod cycles;
mod format;
mod generate;
mod import;
mod infer;
mod man;
mod power;
mod prove;
pub mod qat;
mod qat_flags;
mod sim;
mod sweep;
mod synth;
mod synth_lib;
mod synth_tables;
mod ui;

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use std::rc::Rc;
use ui::{StdoutClosed, Ui, Verbosity};

/// Uniform, power-of-two and additive power-of-two MAC units: generate Verilog, verify it on
/// Icarus and Verilator against a bit-exact Rust model, and measure it with Yosys.
#[derive(Debug, Parser)]
#[command(name = "potmac", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 pass (also when stdout is closed early, e.g. by `head`), \
    1 verification failure, 2 usage, config or tool error, 130 interrupted (Ctrl-C; the \
    running tools are stopped first)."
)]
pub struct Cli {
    /// No progress bars and no informational messages on stderr (results and errors still
    /// print).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also print the command line of every tool run (Verilator, Icarus, Yosys, nextpnr).
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    fn verbosity(&self) -> Verbosity {
        if self.quiet {
            Verbosity::Quiet
        } else if self.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write RTL, testbench, golden vectors, Makefile and Yosys scripts for each config.
    Generate(generate::Args),
    /// Generate, then simulate on Icarus and/or Verilator; one result line per design and simulator.
    Sim(sim::Args),
    /// Generate, then synthesize with Yosys and print one resource table.
    Synth(synth::Args),
    /// Generate, then prove each MAC equal to its code-table reference (Yosys, formal).
    #[command(long_about = prove::LONG_ABOUT)]
    Prove(prove::Args),
    /// Generate, synthesize to gates and simulate them: switched capacitance per MAC operation.
    Power(power::Args),
    /// Measure a design-space sweep (in parallel, resumable) or emit it as cluster jobs.
    Sweep(sweep::Args),
    /// Print the analytic cycle count and utilization of GEMMs on array designs.
    Cycles(cycles::Args),
    /// Quantization-aware training (uniform, PoT, APoT weights) and integer export.
    Qat(Box<qat::QatArgs>),
    /// Run a `potmac qat` export end to end on the generated accelerator, on its test set.
    Infer(infer::Args),
    /// Import an ONNX graph or float weights (safetensors or .npy), quantize them (PTQ,
    /// optional QAT) and write the integer export `potmac qat` writes.
    Import(Box<import::Args>),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on stdout.
    Completions(completions::Args),
    /// Print the man page (roff) on stdout.
    Man(man::Args),
}

/// What a successful command concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Everything passed.
    Pass,
    /// A verification check failed (exit code 1).
    Fail,
}

/// Parse arguments, run, map the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    crate::tools::interrupt::install();
    let ui = Rc::new(Ui::new(cli.verbosity()));
    let result = crate::progress::scoped(ui.clone(), || match &cli.command {
        Command::Generate(a) => generate::run(a, &ui),
        Command::Sim(a) => sim::run(a, &ui),
        Command::Synth(a) => synth::run(a, &ui),
        Command::Prove(a) => prove::run(a, &ui),
        Command::Power(a) => power::run(a, &ui),
        Command::Cycles(a) => cycles::run(a, &ui),
        Command::Sweep(a) => sweep::run(a, &ui),
        Command::Qat(a) => qat::run(a, &ui),
        Command::Infer(a) => infer::run(a, &ui),
        Command::Import(a) => import::run(a, &ui),
        Command::Completions(a) => completions::run(a, &ui),
        Command::Man(a) => man::run(a, &ui),
    });
    ui.clear();
    match result {
        Ok(Verdict::Pass) => ExitCode::SUCCESS,
        Ok(Verdict::Fail) => ExitCode::from(1),
        // The reader of stdout is gone (`potmac … | head -1`): it has what it wanted.
        Err(e) if e.chain().any(|c| c.is::<StdoutClosed>()) => ExitCode::SUCCESS,
        // Ctrl-C or SIGTERM: the running tools were stopped; the shell convention 128 + 2.
        Err(e) if crate::tools::interrupt::interrupted() => {
            eprintln!("error: {e:#}");
            ExitCode::from(crate::tools::interrupt::EXIT_INTERRUPTED)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
