//! Verilator driver: `--binary --timing` builds the same plain-Verilog testbench Icarus runs;
//! `--lint-only -Wall` lints the RTL.

use super::sim::{make_dir, Bench, Image, Simulator, Source};
use super::{find, run, Run, Tool, ToolError};
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

/// Build arguments of a design folder's testbench (what its Makefile runs). Testbench style
/// warnings are not fatal; the RTL is linted separately.
pub fn build_args(tb_top: &str, tb_file: &str) -> Vec<String> {
    build_args_for(tb_top, &Source::testbench(tb_file), MDIR)
}

/// Build arguments: `top` from `sources` into the build folder `mdir` (all relative to the
/// working folder).
fn build_args_for(top: &str, sources: &[Source], mdir: &str) -> Vec<String> {
    let mut args: Vec<String> = [
        "--binary",
        "--timing",
        "-Wno-fatal",
        "-Wno-lint",
        "-Wno-style",
        "-j",
        "2",
        // The model's C++ at -O3 and Verilator's runtime at -O2 instead of its -Os: the 8×8
        // accelerator's testbench simulates 1.37× as fast (1.27 s against 1.74 s for 784
        // Fashion-MNIST images), and builds in about the same time.
        "-MAKEFLAGS",
        "OPT_FAST=-O3",
        "-MAKEFLAGS",
        "OPT_GLOBAL=-O2",
        "--top-module",
        top,
        "-Mdir",
        mdir,
        "-o",
        "Vsim",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(Source::args(sources));
    args
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

/// Verilator as a [`Simulator`]: `--binary --timing` builds `<build>/Vsim` (log
/// `<build>/build.log`, `--trace-fst` added for waves), which runs from the working folder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Verilator;

/// The built simulation executable (run through `sh` from the working folder).
const VSIM: Tool = Tool {
    bin: "Vsim",
    package: "verilator",
};

impl Simulator for Verilator {
    fn name(&self) -> &'static str {
        "verilator"
    }

    fn require(&self) -> Result<(), ToolError> {
        find(&VERILATOR).map(|_| ())
    }

    fn default_build_dir(&self) -> &'static str {
        MDIR
    }

    fn waves_file(&self) -> &'static str {
        WAVES
    }

    fn runtime(&self) -> Tool {
        VSIM
    }

    fn build(&self, bench: &Bench, timeout: Duration) -> Result<Image, ToolError> {
        let [top] = &bench.tops[..] else {
            return Err(ToolError::Usage {
                bin: VERILATOR.bin,
                message: format!(
                    "Verilator builds one top module, {} given ({})",
                    bench.tops.len(),
                    bench.tops.join(", ")
                ),
            });
        };
        let mut args = build_args_for(top, &bench.sources, &bench.build_dir);
        if bench.waves {
            args.extend(WAVES_ARGS.iter().map(|a| a.to_string()));
        }
        let build = bench.dir.join(&bench.build_dir);
        make_dir(&build, VERILATOR.bin)?;
        let _step = crate::progress::step(&format!("verilator: building {}", bench.label), None);
        run(
            &VERILATOR,
            &args,
            &bench.dir,
            timeout,
            &build.join("build.log"),
        )?
        .check(&VERILATOR)?;
        Ok(bench.image())
    }

    fn run(
        &self,
        image: &Image,
        plusargs: &[String],
        log: &Path,
        timeout: Duration,
    ) -> Result<Run, ToolError> {
        let _step = crate::progress::step(&format!("verilator: simulating {}", image.label), None);
        // The executable is not on PATH: run it through `sh` from the working folder.
        let sh = Tool {
            bin: "sh",
            package: "dash",
        };
        let mut line = format!("exec ./{}", image.path("Vsim"));
        for p in plusargs {
            line.push(' ');
            line.push_str(p);
        }
        run(&sh, &["-c".to_string(), line], &image.dir, timeout, log).map_err(|e| match e {
            ToolError::Timeout { secs, log, .. } => ToolError::Timeout {
                bin: VSIM.bin,
                secs,
                log,
            },
            other => other,
        })
    }
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
