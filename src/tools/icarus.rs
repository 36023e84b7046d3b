//! Icarus Verilog driver: `iverilog -g2012` compiles the testbench and `vvp` runs it.

use super::{run, sim_result, SimOutcome, Tool, ToolError};
use std::path::Path;
use std::time::Duration;

/// The compiler.
pub const IVERILOG: Tool = Tool {
    bin: "iverilog",
    package: "iverilog",
};
/// The runtime.
pub const VVP: Tool = Tool {
    bin: "vvp",
    package: "iverilog",
};

/// Compiled simulation image, relative to the design folder.
pub const IMAGE: &str = "build/icarus/sim.vvp";
/// Simulation log, relative to the design folder.
pub const LOG: &str = "build/icarus/sim.log";

/// `iverilog` arguments, relative to the design folder.
pub fn compile_args(tb_top: &str, tb_file: &str) -> Vec<String> {
    [
        "-g2012",
        "-Wall",
        "-o",
        IMAGE,
        "-s",
        tb_top,
        "-f",
        "filelist.f",
        tb_file,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Waveform file the testbench writes when run with `+waves`, relative to the design folder.
pub const WAVES: &str = "build/icarus/waves.vcd";

/// `vvp` arguments.
pub fn run_args() -> Vec<String> {
    vec!["-n".into(), IMAGE.into()]
}

/// Compile and run a design folder's testbench.
pub fn simulate(
    dir: &Path,
    tb_top: &str,
    tb_file: &str,
    timeout: Duration,
) -> Result<(SimOutcome, std::path::PathBuf), ToolError> {
    simulate_with(dir, tb_top, tb_file, timeout, false)
}

/// Compile and run a design folder's testbench; with `waves`, the run dumps [`WAVES`] (VCD).
pub fn simulate_with(
    dir: &Path,
    tb_top: &str,
    tb_file: &str,
    timeout: Duration,
    waves: bool,
) -> Result<(SimOutcome, std::path::PathBuf), ToolError> {
    std::fs::create_dir_all(dir.join("build/icarus")).map_err(|source| ToolError::Io {
        bin: IVERILOG.bin,
        source,
    })?;
    let name = crate::progress::short_name(dir);
    let step = crate::progress::step(&format!("icarus: compiling {name}"), None);
    run(
        &IVERILOG,
        &compile_args(tb_top, tb_file),
        dir,
        timeout,
        &dir.join("build/icarus/compile.log"),
    )?
    .check(&IVERILOG)?;
    drop(step);
    let _step = crate::progress::step(&format!("icarus: simulating {name}"), None);
    let mut args = run_args();
    if waves {
        args.push(super::WAVES_PLUSARG.into());
    }
    let r = run(&VVP, &args, dir, timeout, &dir.join(LOG))?;
    sim_result(r, &VVP)
}
