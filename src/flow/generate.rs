//! `generate`: write one self-contained folder per design.

use super::{generate_all, lock_folders, Result, LOCK_WAIT};
use crate::config::Design;
use crate::emit;
use std::path::{Path, PathBuf};

/// One written design folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Design name.
    pub name: String,
    /// Files in the folder.
    pub files: usize,
    /// Checks its testbench makes, and what one check is.
    pub checks: usize,
    pub unit: &'static str,
    /// The folder.
    pub dir: PathBuf,
}

/// Render and write every design into `out/<name>/` (each folder locked while it is written,
/// waiting up to [`LOCK_WAIT`] for another run).
pub fn run(designs: &[Design], opts: &emit::Options, out: &Path) -> Result<Vec<Written>> {
    let _locks = lock_folders(designs.iter().map(|d| d.name.as_str()), out, LOCK_WAIT)?;
    Ok(generate_all(designs, opts, out)?
        .into_iter()
        .map(|(b, dir)| Written {
            files: b.files.len(),
            checks: b.vectors,
            unit: b.checks,
            name: b.name,
            dir,
        })
        .collect())
}
