//! Helpers shared by subcommands: loading every config before doing any work, and writing
//! design folders.

use super::ui::Ui;
use crate::config::Design;
use crate::emit;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default output folder.
pub const DEFAULT_OUT: &str = "hdl_out";

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

/// Validate every config first, so a bad file stops the run before anything is written.
pub fn load_designs(paths: &[PathBuf]) -> Result<Vec<Design>> {
    if paths.is_empty() {
        bail!("no config files given");
    }
    let mut designs: Vec<Design> = Vec::new();
    for p in paths {
        let d = Design::from_file(p)?;
        if let Some(prev) = designs.iter().position(|x| x.name == d.name) {
            bail!(
                "{}: field `name`: `{}` is already used by {}",
                p.display(),
                d.name,
                paths[prev].display()
            );
        }
        designs.push(d);
    }
    Ok(designs)
}

/// How long a run waits for another run that uses the same design folder.
pub const LOCK_WAIT: Duration = Duration::from_secs(600);

/// Lock the folder `OUT/<name>` of every design for as long as the returned guards live, in
/// name order (so two runs with overlapping designs cannot deadlock), saying on stderr when
/// another run holds one.
pub fn lock_folders<'a>(
    names: impl IntoIterator<Item = &'a str>,
    out: &Path,
    ui: &Ui,
    wait: Duration,
) -> Result<Vec<emit::DesignLock>> {
    let mut names: Vec<&str> = names.into_iter().collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|n| {
            emit::DesignLock::acquire(out, n, wait, &mut |lock| {
                ui.note(&format!(
                    "waiting for another potmac run that uses {} (lock {}, up to {} s)",
                    out.join(n).display(),
                    lock.display(),
                    wait.as_secs()
                ))
            })
            .with_context(|| format!("locking `{n}`"))
        })
        .collect()
}

/// Render every design, then write them all; returns the bundles and their folders.
pub fn generate_all(
    designs: &[Design],
    opts: &emit::Options,
    out: &Path,
) -> Result<Vec<(emit::Bundle, PathBuf)>> {
    let bundles = designs
        .iter()
        .map(|d| emit::bundle(d, opts).with_context(|| format!("generating `{}`", d.name)))
        .collect::<Result<Vec<_>>>()?;
    bundles
        .into_iter()
        .map(|b| {
            let dir = emit::write(&b, out).with_context(|| format!("writing `{}`", b.name))?;
            Ok((b, dir))
        })
        .collect()
}
