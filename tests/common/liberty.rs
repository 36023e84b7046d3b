//! Where the standard-cell libraries of the `--liberty` tests are.

use super::root;
use std::path::PathBuf;

/// Where Debian's `qflow-tech-osu018` puts the OSU 0.18 µm library.
pub const OSU018: &str = "/usr/share/qflow/tech/osu018/osu018_stdcells.lib";

/// SKY130 HD, typical corner, beside the repository (never copied into it).
pub fn sky130() -> PathBuf {
    root().join("../shared/pdk/sky130_fd_sc_hd/sky130_fd_sc_hd__tt_025C_1v80.lib.gz")
}

pub const PAPER: [&str; 4] = ["uniform_w8a8", "uniform_w4a8", "apot_w4a8", "pot_w4a8"];

/// The osu018 library, or `None` (skip) when the package is missing outside CI.
pub fn osu018() -> Option<PathBuf> {
    let p = PathBuf::from(OSU018);
    if p.is_file() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{OSU018} missing: apt-get install -y qflow-tech-osu018"
    );
    eprintln!("skipping: {OSU018} missing (apt-get install -y qflow-tech-osu018); CI would fail");
    None
}
