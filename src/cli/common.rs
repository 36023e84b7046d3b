//! Helpers shared by subcommands: loading every config before doing any work, and writing
//! design folders.

use crate::config::Design;
use crate::emit;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// Default output folder.
pub const DEFAULT_OUT: &str = "hdl_out";

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
