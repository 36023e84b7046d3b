//! Helpers shared by the integration tests.
#![allow(dead_code)]

use potmac::config::Design;
use potmac::tools::{self, Tool};
use std::path::{Path, PathBuf};

/// A fresh, empty scratch folder under `target/test-scratch/<name>`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
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
