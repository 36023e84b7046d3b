//! What the subcommands share: the argument groups flattened into them (`#[command(flatten)]`,
//! so each common flag has one definition and one default) and the value parsers.

use crate::emit;
pub use crate::flow::DEFAULT_OUT;
use crate::flow::{self, Regenerate, RunOpts, DEFAULT_TIMEOUT_SECS};
use std::path::PathBuf;
use std::time::Duration;

/// A thread or process count: the flag's value, or else the available cores (1 when unknown).
pub fn or_cores(n: Option<usize>) -> usize {
    n.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}

/// A flag value that must be a whole number of at least 1 (a count, a size, seconds).
pub fn at_least_one<T: std::str::FromStr + TryFrom<u64>>(s: &str) -> Result<T, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n >= 1 => T::try_from(n).map_err(|_| format!("`{s}` is too large")),
        _ => Err(format!("expected a whole number of at least 1, got `{s}`")),
    }
}

/// Most random vectors a design folder may hold (`--vectors`): each is a few dozen bytes in
/// memory and on disk, and simulation time grows with them.
pub const MAX_VECTORS: usize = 10_000_000;

/// `--vectors`: a whole number up to [`MAX_VECTORS`].
pub fn vector_count(s: &str) -> Result<usize, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n <= MAX_VECTORS as u64 => Ok(n as usize),
        _ => Err(format!(
            "expected a whole number from 0 to {MAX_VECTORS}, got `{s}`"
        )),
    }
}

/// `--out`: where design folders go.
#[derive(Debug, Clone, clap::Args)]
pub struct OutArg {
    /// Output folder; each design goes to OUT/<name>/.
    #[arg(long, default_value = DEFAULT_OUT)]
    pub out: PathBuf,
}

/// `--timeout`: how long one tool run may take.
#[derive(Debug, Clone, clap::Args)]
pub struct TimeoutArg {
    /// Timeout per tool run (a simulator build or run, Yosys, nextpnr), in seconds; also how
    /// long to wait for another potmac run that uses the same design folder.
    #[arg(long, default_value_t = DEFAULT_TIMEOUT_SECS, value_parser = at_least_one::<u64>)]
    pub timeout: u64,
}

/// `--out` and `--timeout`: the options of every command that writes design folders and runs
/// tools on them.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub out: OutArg,
    #[command(flatten)]
    pub timeout: TimeoutArg,
}

impl RunArgs {
    /// The flow options, writing folders afresh.
    pub fn opts(&self) -> RunOpts {
        run_opts(&self.out.out, self.timeout.timeout, None)
    }

    /// The flow options, reusing the folders in OUT when `--no-generate` is given.
    pub fn opts_with(&self, reuse: &ReuseArg) -> RunOpts {
        run_opts(&self.out.out, self.timeout.timeout, Some(reuse))
    }
}

/// The flow options of `--out`, `--timeout` (seconds) and `--no-generate`.
pub fn run_opts(out: &std::path::Path, timeout: u64, reuse: Option<&ReuseArg>) -> RunOpts {
    RunOpts {
        out: out.to_path_buf(),
        timeout: Duration::from_secs(timeout),
        regenerate: match reuse {
            Some(r) if r.no_generate => Regenerate::Reuse,
            _ => Regenerate::Always,
        },
    }
}

/// `--no-generate`: the same meaning in every command that has it.
#[derive(Debug, Clone, clap::Args)]
pub struct ReuseArg {
    /// Use the design folders already in OUT as they are (e.g. after editing their RTL or
    /// vectors) instead of regenerating them; a folder a killed run left aside is recovered
    /// first, and a folder with a generated file missing is an error naming it.
    #[arg(long)]
    pub no_generate: bool,
}

/// `--vectors` and `--seed` of the generated testbenches.
#[derive(Debug, Clone, clap::Args)]
pub struct GenArgs {
    /// Seeded random vectors after the directed ones.
    #[arg(long, default_value_t = emit::Options::default().vectors, value_parser = vector_count)]
    pub vectors: usize,
    /// Seed of the random vectors.
    #[arg(long, default_value_t = emit::Options::default().seed)]
    pub seed: u64,
}

impl GenArgs {
    /// The generation options.
    pub fn opts(&self) -> emit::Options {
        emit::Options {
            vectors: self.vectors,
            seed: self.seed,
        }
    }
}

/// `--dont-use` of the commands that take `--liberty` (`synth`, `power`): one definition,
/// one default, one meaning.
#[derive(Debug, Clone, clap::Args)]
pub struct DontUseArg {
    /// With --liberty: the cells synthesis must not use, as comma-separated patterns (`*`
    /// any characters, `?` one) replacing the default (SKY130's power-management, probe,
    /// clock-tree and delay cells: *lpflow_*, *probe*, *clkbuf*, *clkinv*, *clkdlybuf*,
    /// *dlygate*, *dlymetal*); `--dont-use ''` for none.
    #[arg(
        long,
        value_name = "PATTERNS",
        requires = "liberty",
        value_delimiter = ','
    )]
    pub dont_use: Option<Vec<String>>,
}

impl DontUseArg {
    /// The library options of `--liberty PATH` with these patterns (empty ones dropped, so
    /// `''` means none); `None` without `--liberty`.
    pub fn liberty(
        &self,
        path: Option<&PathBuf>,
        timing: bool,
    ) -> Option<flow::synth::liberty::LibertyOptions> {
        path.map(|path| flow::synth::liberty::LibertyOptions {
            path: path.clone(),
            dont_use: self
                .dont_use
                .as_ref()
                .map(|p| p.iter().filter(|x| !x.is_empty()).cloned().collect()),
            timing,
        })
    }
}

/// `--format`.
#[derive(Debug, Clone, clap::Args)]
pub struct FormatArg {
    /// Output format: human-readable text or Markdown tables, CSV, or JSON Lines (one object
    /// per result).
    #[arg(long, value_enum, default_value_t = super::format::Format::Table)]
    pub format: super::format::Format,
}

/// Load and check every config before anything is written.
pub fn load_designs(paths: &[PathBuf]) -> anyhow::Result<Vec<crate::config::Design>> {
    Ok(flow::load_designs(paths)?)
}
