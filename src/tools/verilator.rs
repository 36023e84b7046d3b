//! Verilator driver: `--binary --timing` builds the same plain-Verilog testbench Icarus runs;
//! `--lint-only -Wall` lints the RTL.

use super::{run, sim_result, SimOutcome, Tool, ToolError};
use std::path::Path;
use std::time::Duration;

/// Verilator.
pub const VERILATOR: Tool = Tool {
    bin: "verilator",
    package: "verilator",
};

/// Build folder, relative to the design folder.
pub const MDIR: &str = "build/verilator";
/// The simulation executable, relative to the design folder.
pub const EXE: &str = "build/verilator/Vsim";
/// Simulation log, relative to the design folder.
pub const LOG: &str = "build/verilator/sim.log";

/// Extra build arguments for waveforms: the testbench dumps FST when run with `+waves`.
pub const WAVES_ARGS: [&str; 1] = ["--trace-fst"];
/// Waveform file the testbench writes when run with `+waves`, relative to the design folder.
pub const WAVES: &str = "build/verilator/waves.fst";

/// Build arguments. Testbench style warnings are not fatal; the RTL is linted separately.
pub fn build_args(tb_top: &str, tb_file: &str) -> Vec<String> {
    build_args_in(tb_top, tb_file, MDIR)
}

/// [`build_args`] into the build folder `mdir` (relative to the design folder).
pub fn build_args_in(tb_top: &str, tb_file: &str, mdir: &str) -> Vec<String> {
    [
        "--binary",
        "--timing",
        "-Wno-fatal",
        "-Wno-lint",
        "-Wno-style",
        "-j",
        "2",
        "--top-module",
        tb_top,
        "-Mdir",
        mdir,
        "-o",
        "Vsim",
        "-f",
        "filelist.f",
        tb_file,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Lint arguments: every warning enabled.
pub fn lint_args(top: &str) -> Vec<String> {
    [
        "--lint-only",
        "-Wall",
        "--top-module",
        top,
        "-f",
        "filelist.f",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Build and run a design folder's testbench.
pub fn simulate(
    dir: &Path,
    tb_top: &str,
    tb_file: &str,
    timeout: Duration,
) -> Result<(SimOutcome, std::path::PathBuf), ToolError> {
    simulate_with(dir, tb_top, tb_file, timeout, false)
}

/// Build and run a design folder's testbench; with `waves`, the model is built with
/// [`WAVES_ARGS`] and the run dumps [`WAVES`] (FST).
pub fn simulate_with(
    dir: &Path,
    tb_top: &str,
    tb_file: &str,
    timeout: Duration,
    waves: bool,
) -> Result<(SimOutcome, std::path::PathBuf), ToolError> {
    let name = crate::progress::short_name(dir);
    let step = crate::progress::step(&format!("verilator: building {name}"), None);
    let mut args = build_args(tb_top, tb_file);
    if waves {
        args.extend(WAVES_ARGS.iter().map(|a| a.to_string()));
    }
    run(
        &VERILATOR,
        &args,
        dir,
        timeout,
        &dir.join("build/verilator/build.log"),
    )?
    .check(&VERILATOR)?;
    drop(step);
    let _step = crate::progress::step(&format!("verilator: simulating {name}"), None);
    let exe = Tool {
        bin: "Vsim",
        package: "verilator",
    };
    let r = run_exe(&exe, dir, timeout, waves)?;
    sim_result(r, &exe)
}

fn run_exe(
    exe: &Tool,
    dir: &Path,
    timeout: Duration,
    waves: bool,
) -> Result<super::Run, ToolError> {
    // The executable is not on PATH: run it through `sh` from the design folder.
    let sh = Tool {
        bin: "sh",
        package: "dash",
    };
    let plusarg = if waves { super::WAVES_PLUSARG } else { "" };
    let args = vec!["-c".to_string(), format!("exec ./{EXE} {plusarg}")];
    run(&sh, &args, dir, timeout, &dir.join(LOG)).map_err(|e| match e {
        ToolError::Timeout { secs, log, .. } => ToolError::Timeout {
            bin: exe.bin,
            secs,
            log,
        },
        other => other,
    })
}

/// Build a testbench once into `mdir` (relative to `dir`); [`run_built`] runs it as often as
/// needed with different plusargs.
pub fn build(
    dir: &Path,
    tb_top: &str,
    tb_file: &str,
    mdir: &str,
    timeout: Duration,
) -> Result<(), ToolError> {
    let name = crate::progress::short_name(dir);
    let _step = crate::progress::step(&format!("verilator: building {name}"), None);
    run(
        &VERILATOR,
        &build_args_in(tb_top, tb_file, mdir),
        dir,
        timeout,
        &dir.join(mdir).join("build.log"),
    )?
    .check(&VERILATOR)?;
    Ok(())
}

/// Run a testbench built by [`build`] from `dir` with `plusargs`, its output saved to `log`.
pub fn run_built(
    dir: &Path,
    mdir: &str,
    plusargs: &[String],
    timeout: Duration,
    log: &Path,
) -> Result<super::Run, ToolError> {
    let sh = Tool {
        bin: "sh",
        package: "dash",
    };
    let args = vec![
        "-c".to_string(),
        format!("exec ./{mdir}/Vsim {}", plusargs.join(" ")),
    ];
    run(&sh, &args, dir, timeout, log).map_err(|e| match e {
        ToolError::Timeout { secs, log, .. } => ToolError::Timeout {
            bin: "Vsim",
            secs,
            log,
        },
        other => other,
    })
}

/// Lint the RTL of a design folder; returns the warnings (empty when clean).
pub fn lint(dir: &Path, top: &str, timeout: Duration) -> Result<Vec<String>, ToolError> {
    let name = crate::progress::short_name(dir);
    let _step = crate::progress::step(&format!("verilator: linting {name}"), None);
    let r = run(
        &VERILATOR,
        &lint_args(top),
        dir,
        timeout,
        &dir.join("build/lint.log"),
    )?;
    let warnings: Vec<String> = r
        .output
        .lines()
        .filter(|l| l.starts_with("%Warning") || l.starts_with("%Error"))
        .map(str::to_string)
        .collect();
    if r.status != 0 && warnings.is_empty() {
        r.check(&VERILATOR)?;
    }
    Ok(warnings)
}
