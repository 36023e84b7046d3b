//! Helpers shared by subcommands: loading every config before doing any work, and writing
//! design folders.

use crate::config::Design;
use crate::emit;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// Default output folder.
pub const DEFAULT_OUT: &str = "hdl_out";

/// A flag value that must be a whole number of at least 1 (a count, a size, seconds).
pub fn at_least_one<T: std::str::FromStr + TryFrom<u64>>(s: &str) -> Result<T, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n >= 1 => T::try_from(n).map_err(|_| format!("`{s}` is too large")),
        _ => Err(format!("expected a whole number of at least 1, got `{s}`")),
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
