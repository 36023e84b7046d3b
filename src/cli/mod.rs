//! Command-line interface: one file per subcommand, `anyhow` with context at this edge only.

mod common;
mod cycles;
mod deploy;
mod generate;
pub mod qat;
mod sim;
mod synth;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Uniform, power-of-two and additive power-of-two MAC units: generate Verilog, verify it on
/// Icarus and Verilator against a bit-exact Rust model, and measure it with Yosys.
#[derive(Debug, Parser)]
#[command(name = "potmac", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 pass, 1 verification failure, 2 usage, config or tool error."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write RTL, testbench, golden vectors, Makefile and Yosys scripts for each config.
    Generate(generate::Args),
    /// Generate, then simulate on Icarus and/or Verilator; one result line per design and simulator.
    Sim(sim::Args),
    /// Generate, then synthesize with Yosys and print one resource table.
    Synth(synth::Args),
    /// Print the analytic cycle count and utilization of GEMMs on array designs.
    Cycles(cycles::Args),
    /// Quantization-aware training (uniform, PoT, APoT weights) and integer export.
    Qat(Box<qat::QatArgs>),
    /// Run the layers of a `potmac qat` export on a generated array, bit for bit.
    Deploy(deploy::Args),
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
    let result = match &cli.command {
        Command::Generate(a) => generate::run(a),
        Command::Sim(a) => sim::run(a),
        Command::Synth(a) => synth::run(a),
        Command::Cycles(a) => cycles::run(a),
        Command::Qat(a) => qat::run(a),
        Command::Deploy(a) => deploy::run(a),
    };
    match result {
        Ok(Verdict::Pass) => ExitCode::SUCCESS,
        Ok(Verdict::Fail) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
