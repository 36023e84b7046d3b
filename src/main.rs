//! The `potmac` command line: a thin shell over the library.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "potmac",
    version,
    about = "PoT / APoT / uniform MAC hardware generator"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Quantization-aware training, integer export and format sweeps.
    Qat(potmac::cli::qat::QatArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Qat(a) => potmac::cli::qat::run(&a),
    }
}
