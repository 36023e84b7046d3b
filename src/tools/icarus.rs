//! Icarus Verilog driver: `iverilog -g2012` compiles the testbench and `vvp` runs it.

use super::sim::{in_build, make_dir, Bench, Image, Simulator, Source};
use super::{find, run, Run, Tool, ToolError};
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

/// Build folder of a design folder's testbench, relative to the design folder.
pub const BUILD: &str = "build/icarus";
/// Compiled simulation image, relative to the design folder (what the Makefile builds).
pub const IMAGE: &str = "build/icarus/sim.vvp";
/// Simulation log, relative to the design folder.
pub const LOG: &str = "build/icarus/sim.log";

/// `iverilog` arguments of a design folder's testbench (what its Makefile runs).
pub fn compile_args(tb_top: &str, tb_file: &str) -> Vec<String> {
    compile_args_for(&[tb_top.to_string()], &Source::testbench(tb_file), IMAGE)
}

/// `iverilog` arguments: `tops` from `sources`, into the image `image` (all relative to the
/// working folder).
fn compile_args_for(tops: &[String], sources: &[Source], image: &str) -> Vec<String> {
    let mut args: Vec<String> = ["-g2012", "-Wall", "-o", image]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for t in tops {
        args.extend(["-s".to_string(), t.clone()]);
    }
    args.extend(Source::args(sources));
    args
}

/// Waveform file the testbench writes when run with `+waves`, relative to the design folder.
pub const WAVES: &str = "build/icarus/waves.vcd";

/// `vvp` arguments.
pub fn run_args() -> Vec<String> {
    vec!["-n".into(), IMAGE.into()]
}

/// Icarus Verilog as a [`Simulator`]: `iverilog -g2012 -Wall` compiles into
/// `<build>/sim.vvp` (log `<build>/compile.log`), `vvp -n` runs it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Icarus;

impl Simulator for Icarus {
    fn name(&self) -> &'static str {
        "icarus"
    }

    fn require(&self) -> Result<(), ToolError> {
        find(&IVERILOG)?;
        find(&VVP)?;
        Ok(())
    }

    fn default_build_dir(&self) -> &'static str {
        BUILD
    }

    fn waves_file(&self) -> &'static str {
        WAVES
    }

    fn runtime(&self) -> Tool {
        VVP
    }

    fn build(&self, bench: &Bench, timeout: Duration) -> Result<Image, ToolError> {
        let build = bench.dir.join(&bench.build_dir);
        make_dir(&build, IVERILOG.bin)?;
        let image = in_build(&bench.build_dir, "sim.vvp");
        let args = compile_args_for(&bench.tops, &bench.sources, &image);
        let _step = crate::progress::step(&format!("icarus: compiling {}", bench.label), None);
        run(
            &IVERILOG,
            &args,
            &bench.dir,
            timeout,
            &build.join("compile.log"),
        )?
        .check(&IVERILOG)?;
        Ok(bench.image())
    }

    fn run(
        &self,
        image: &Image,
        plusargs: &[String],
        log: &Path,
        timeout: Duration,
    ) -> Result<Run, ToolError> {
        let _step = crate::progress::step(&format!("icarus: simulating {}", image.label), None);
        let mut args = vec!["-n".to_string(), image.path("sim.vvp")];
        args.extend(plusargs.iter().cloned());
        run(&VVP, &args, &image.dir, timeout, log)
    }
}
