//! Floor 3: every workflow as a library call. Each submodule takes typed options and returns
//! a typed report (or yields typed results one at a time, so a caller can show them as they
//! come); none of them prints. The `potmac` command line ([`crate::cli`]) is a thin porch
//! over these functions, and [`crate::sweep`] calls the same ones, so a sweep point resolves
//! its settings exactly as the command does.
//!
//! What is shared by every flow that writes design folders lives here: loading and checking
//! every config before anything is written ([`load_designs`]), the per-design folder locks
//! ([`lock_folders`]), and generating or reusing the folders ([`prepare`], the one meaning of
//! `--no-generate`).

pub mod cycles;
pub mod generate;
pub mod import;
pub mod infer;
pub mod power;
pub mod prove;
pub mod qat;
pub mod sim;
pub mod synth;

use crate::config::{ConfigError, Design};
use crate::emit::{self, Bundle, DesignLock, EmitError};
use crate::tools::ToolError;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default output folder of every command that writes design folders.
pub const DEFAULT_OUT: &str = "hdl_out";

/// The default timeout of one tool run (a simulator build or run, a Yosys or nextpnr run), in
/// seconds. Every command uses it; the long runs (training, a whole sweep point) bound their
/// own tool runs with it too.
pub const DEFAULT_TIMEOUT_SECS: u64 = 900;

/// How long `generate` waits for another run that holds a design folder's lock (the other
/// commands wait for their `--timeout`).
pub const LOCK_WAIT: Duration = Duration::from_secs(600);

/// An error of a workflow (messages never repeat their `source`: see the crate docs, "Errors").
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Emit(#[from] EmitError),
    #[error(transparent)]
    Tool(#[from] ToolError),
    #[error(transparent)]
    Power(#[from] crate::power::PowerError),
    #[error(transparent)]
    Liberty(#[from] crate::tools::liberty::foreign::LibertyError),
    #[error(transparent)]
    Export(#[from] crate::model::read::ExportError),
    #[error(transparent)]
    Lower(#[from] crate::model::lower::LowerError),
    #[error(transparent)]
    Infer(#[from] crate::infer::InferError),
    #[error(transparent)]
    Qat(#[from] crate::train::QatError),
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The request cannot be carried out as asked (a flag combination, a design the flow does
    /// not support, a missing folder for `--no-generate`).
    #[error("{0}")]
    Usage(String),
    /// What the flow was doing when its cause failed.
    #[error("{what}")]
    Context {
        what: String,
        source: Box<FlowError>,
    },
}

/// A flow's result.
pub type Result<T, E = FlowError> = std::result::Result<T, E>;

/// `.context(..)` for the errors a flow meets, like `anyhow`'s, but typed.
pub trait Context<T> {
    /// Wrap the error with what was being done.
    fn context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: Into<FlowError>> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| FlowError::Context {
            what: what(),
            source: Box::new(e.into()),
        })
    }
}

/// A usage error.
pub fn usage<T>(message: impl Into<String>) -> Result<T> {
    Err(FlowError::Usage(message.into()))
}

/// Whether a flow writes its design folders afresh or simulates, proves or measures the ones
/// already in OUT (`--no-generate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Regenerate {
    /// Render and write every folder (the default).
    #[default]
    Always,
    /// Use the folders in OUT as they are (e.g. after editing their RTL): a folder left aside
    /// by a killed regeneration is recovered first, and a folder with a generated file missing
    /// is an error naming the file.
    Reuse,
}

/// Where design folders go and how long each tool run may take: the options every flow that
/// writes design folders shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOpts {
    /// Output folder; each design goes to `OUT/<name>/`.
    pub out: PathBuf,
    /// Timeout of each tool run, and how long to wait for another run's folder lock.
    pub timeout: Duration,
    /// Write the folders or reuse them.
    pub regenerate: Regenerate,
}

impl Default for RunOpts {
    fn default() -> Self {
        RunOpts {
            out: PathBuf::from(DEFAULT_OUT),
            timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECS),
            regenerate: Regenerate::Always,
        }
    }
}

/// Validate every config first, so a bad file stops the run before anything is written.
pub fn load_designs(paths: &[PathBuf]) -> Result<Vec<Design>> {
    if paths.is_empty() {
        return usage("no config files given");
    }
    let mut designs: Vec<Design> = Vec::new();
    for p in paths {
        let d = Design::from_file(p)?;
        if let Some(prev) = designs.iter().position(|x| x.name == d.name) {
            return usage(format!(
                "{}: field `name`: `{}` is already used by {}",
                p.display(),
                d.name,
                paths[prev].display()
            ));
        }
        designs.push(d);
    }
    Ok(designs)
}

/// Lock the folder `OUT/<name>` of every design for as long as the returned guards live, in
/// name order (so two runs with overlapping designs cannot deadlock), noting on the progress
/// observer when another run holds one.
pub fn lock_folders<'a>(
    names: impl IntoIterator<Item = &'a str>,
    out: &Path,
    wait: Duration,
) -> Result<Vec<DesignLock>> {
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|n| {
            DesignLock::acquire(out, n, wait, &mut |lock| {
                crate::progress::note(&format!(
                    "waiting for another potmac run that uses {} (lock {}, up to {} s)",
                    out.join(n).display(),
                    lock.display(),
                    wait.as_secs()
                ))
            })
            .context(|| format!("locking `{n}`"))
        })
        .collect()
}

/// Write the folder `dir` whole (an export): `stage` writes every file into a hidden sibling,
/// which then replaces `dir` by rename ([`emit::replace`]), under the lock of `dir` (waiting
/// up to `wait` for another run that writes it). A kill at any moment leaves the old or the new
/// complete folder, never a new model beside an old report; two runs into one folder leave one
/// run's folder whole.
pub fn write_whole(
    dir: &Path,
    wait: Duration,
    stage: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
        return usage(format!(
            "{}: the output must name a folder (e.g. hdl_out/qat/run1)",
            dir.display()
        ));
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let _lock = lock_folders([name], parent, wait)?;
    emit::replace(parent, name, stage)?;
    Ok(())
}

/// Render every design, then write them all; returns the bundles and their folders.
pub fn generate_all(
    designs: &[Design],
    opts: &emit::Options,
    out: &Path,
) -> Result<Vec<(Bundle, PathBuf)>> {
    let bundles = designs
        .iter()
        .map(|d| emit::bundle(d, opts).context(|| format!("generating `{}`", d.name)))
        .collect::<Result<Vec<_>>>()?;
    // A non-folder where any design folder goes stops the run before any folder is written.
    for b in &bundles {
        emit::check_dest(out, &b.name)?;
    }
    bundles
        .into_iter()
        .map(|b| {
            let dir = emit::write(&b, out).context(|| format!("writing `{}`", b.name))?;
            Ok((b, dir))
        })
        .collect()
}

/// The folders of the designs: written afresh ([`Regenerate::Always`]) or the ones already in
/// `out` ([`Regenerate::Reuse`]: recovered if a killed run left one aside, and checked to hold
/// every file generation would write; their bundles are rendered in memory only).
pub fn prepare(
    designs: &[Design],
    opts: &emit::Options,
    out: &Path,
    regenerate: Regenerate,
) -> Result<Vec<(Bundle, PathBuf)>> {
    match regenerate {
        Regenerate::Always => generate_all(designs, opts, out),
        Regenerate::Reuse => designs
            .iter()
            .map(|d| {
                let b = emit::bundle(d, opts).context(|| format!("generating `{}`", d.name))?;
                reuse(b, out)
            })
            .collect(),
    }
}

/// A bundle's folder in `out` as it is, for [`Regenerate::Reuse`].
pub fn reuse(b: Bundle, out: &Path) -> Result<(Bundle, PathBuf)> {
    let dir = out.join(&b.name);
    emit::check_dest(out, &b.name)?;
    // A folder left aside by a killed regeneration comes back first.
    emit::recover(out, &b.name)?;
    if !dir.join(&b.tb_file).is_file() {
        return usage(format!(
            "--no-generate: {} has no generated testbench; generate it first (run without \
             --no-generate)",
            dir.display()
        ));
    }
    if let Some(rel) = emit::missing_files(&b, &dir).first() {
        return usage(format!(
            "--no-generate: {} is incomplete: `{rel}` is missing; regenerate it (run without \
             --no-generate) or restore the file",
            dir.display()
        ));
    }
    Ok((b, dir))
}
