//! Helpers shared by the integration tests.
#![allow(dead_code)]

use potmac::config::Design;
use potmac::tools::{self, Tool};
use std::ffi::OsStr;
use std::ops::Deref;
use std::path::{Path, PathBuf};

/// A test's scratch folder; derefs to its [`Path`] and is removed when dropped.
pub struct Scratch {
    path: PathBuf,
    /// `None` when the folder is kept.
    _dir: Option<tempfile::TempDir>,
}

impl Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<OsStr> for Scratch {
    fn as_ref(&self) -> &OsStr {
        self.path.as_os_str()
    }
}

/// A fresh, empty scratch folder `<name>-XXXXXX` (random suffix, made by `tempfile`) under
/// Cargo's `target/tmp`, so concurrent test runs never share one. It is deleted when the
/// returned guard drops, also when the test fails.
///
/// To inspect a failing test's files, run it with `POTMAC_KEEP_SCRATCH=1`: its folders are
/// then kept and their paths printed on stderr (shown for failing tests).
pub fn scratch(name: &str) -> Scratch {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(base).unwrap();
    let dir = tempfile::Builder::new()
        .prefix(&format!("{name}-"))
        .tempdir_in(base)
        .unwrap_or_else(|e| panic!("scratch folder for {name} in {}: {e}", base.display()));
    if std::env::var_os("POTMAC_KEEP_SCRATCH").is_some_and(|v| v == "1") {
        let path = dir.keep();
        eprintln!("scratch folder kept: {}", path.display());
        Scratch { path, _dir: None }
    } else {
        Scratch {
            path: dir.path().to_path_buf(),
            _dir: Some(dir),
        }
    }
}

/// A design from YAML text.
pub fn design(yaml: &str) -> Design {
    Design::from_yaml(yaml, "test").unwrap_or_else(|e| panic!("{e}\n{yaml}"))
}

/// Whether every tool is present: skips (false) locally, panics with the package name in CI.
pub fn have(tools_needed: &[Tool]) -> bool {
    for t in tools_needed {
        match tools::available_for_tests(t) {
            Ok(true) => {}
            Ok(false) => {
                eprintln!(
                    "skipping: `{}` missing (install the Debian package `{}`); CI would fail",
                    t.bin, t.package
                );
                return false;
            }
            Err(e) => panic!("{e}"),
        }
    }
    true
}

/// The `potmac` binary built for the tests.
pub fn potmac() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_potmac"))
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
