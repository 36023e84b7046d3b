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
    compile_args_to(tb_top, tb_file, IMAGE)
}

/// [`compile_args`] writing the simulation image `image` (relative to the design folder).
pub fn compile_args_to(tb_top: &str, tb_file: &str, image: &str) -> Vec<String> {
    [
        "-g2012",
        "-Wall",
        "-o",
        image,
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

/// Compile a testbench once into `image` (relative to `dir`); [`run_image`] runs it as often
/// as needed with different plusargs.
pub fn compile(
    dir: &Path,
    tb_top: &str,
    tb_file: &str,
    image: &str,
    timeout: Duration,
) -> Result<(), ToolError> {
    let img = dir.join(image);
    let parent = img.parent().unwrap_or(dir).to_path_buf();
    std::fs::create_dir_all(&parent).map_err(|source| ToolError::Io {
        bin: IVERILOG.bin,
        source,
    })?;
    let name = crate::progress::short_name(dir);
    let _step = crate::progress::step(&format!("icarus: compiling {name}"), None);
    run(
        &IVERILOG,
        &compile_args_to(tb_top, tb_file, image),
        dir,
        timeout,
        &parent.join("compile.log"),
    )?
    .check(&IVERILOG)?;
    Ok(())
}

/// Run a simulation image compiled by [`compile`] with `plusargs`, its output saved to `log`.
pub fn run_image(
    dir: &Path,
    image: &str,
    plusargs: &[String],
    timeout: Duration,
    log: &Path,
) -> Result<super::Run, ToolError> {
    let mut args = vec!["-n".to_string(), image.to_string()];
    args.extend(plusargs.iter().cloned());
    run(&VVP, &args, dir, timeout, log)
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
