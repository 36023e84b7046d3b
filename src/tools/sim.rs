//! One simulator interface: [`Simulator`] builds a testbench once into an [`Image`] and runs
//! it as often as needed with plusargs, with or without waveforms. Icarus
//! ([`super::icarus::Icarus`]) and Verilator ([`super::verilator::Verilator`]) implement it;
//! [`super::Sim`] names one of them (the `--sim` value) and derefs to it. `potmac sim`, `infer`,
//! `power` and the tests all simulate through this trait.

use super::{sim_result, Run, SimOutcome, ToolError};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One source argument of a build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file list (`-f FILE`): the RTL of a design folder, in compile order.
    List(String),
    /// One Verilog file.
    File(String),
}

impl Source {
    /// The command-line arguments of `sources` (`-f LIST`, `FILE`), for both simulators.
    pub fn args(sources: &[Source]) -> Vec<String> {
        sources
            .iter()
            .flat_map(|s| match s {
                Source::List(f) => vec!["-f".to_string(), f.clone()],
                Source::File(f) => vec![f.clone()],
            })
            .collect()
    }

    /// A design folder's testbench sources: its RTL file list, then the testbench.
    pub fn testbench(tb_file: &str) -> Vec<Source> {
        vec![
            Source::List("filelist.f".into()),
            Source::File(tb_file.into()),
        ]
    }
}

/// What to build: the top modules, the sources (relative to the working folder) and the
/// build folder (relative too), and whether the image can dump waveforms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bench {
    /// The working folder every path is relative to (a design folder).
    pub dir: PathBuf,
    /// Top modules (Verilator takes exactly one).
    pub tops: Vec<String>,
    /// Sources in compile order.
    pub sources: Vec<Source>,
    /// Build folder, relative to `dir` (empty: `dir` itself); the image and the build log go
    /// here.
    pub build_dir: String,
    /// Build so that a run with `+waves` can dump every signal.
    pub waves: bool,
    /// What progress reports call the build (by default the folder's name).
    pub label: String,
}

impl Bench {
    /// A design folder's testbench: `filelist.f` then the testbench file, built into the
    /// simulator's default build folder (`build/icarus`, `build/verilator`).
    pub fn testbench(build_dir: &str, dir: &Path, tb_top: &str, tb_file: &str) -> Bench {
        Bench {
            dir: dir.to_path_buf(),
            tops: vec![tb_top.to_string()],
            sources: Source::testbench(tb_file),
            build_dir: build_dir.to_string(),
            waves: false,
            label: crate::progress::short_name(dir),
        }
    }
}

impl Bench {
    /// The image a successful build of this bench leaves.
    pub(super) fn image(&self) -> Image {
        Image {
            dir: self.dir.clone(),
            build_dir: self.build_dir.clone(),
            label: self.label.clone(),
        }
    }
}

/// A built testbench.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// The working folder runs start in.
    pub dir: PathBuf,
    /// The build folder, relative to `dir`.
    pub build_dir: String,
    /// The label of the build.
    pub label: String,
}

impl Image {
    /// A file in the build folder, relative to the working folder.
    pub fn path(&self, name: &str) -> String {
        in_build(&self.build_dir, name)
    }

    /// A log file in the build folder.
    pub fn log(&self, name: &str) -> PathBuf {
        self.dir.join(self.path(name))
    }
}

/// `name` in the build folder `build_dir` (both relative; an empty build folder is the
/// working folder itself).
pub(super) fn in_build(build_dir: &str, name: &str) -> String {
    if build_dir.is_empty() {
        name.to_string()
    } else {
        format!("{build_dir}/{name}")
    }
}

/// A simulator that builds and runs the generated plain-Verilog testbenches.
pub trait Simulator {
    /// The name in reports and on the command line (`icarus`, `verilator`).
    fn name(&self) -> &'static str;
    /// Fail (naming the Debian package) when the simulator's programs are not on PATH.
    fn require(&self) -> Result<(), ToolError>;
    /// The build folder of a design folder's testbench, relative to it.
    fn default_build_dir(&self) -> &'static str;
    /// The waveform file a run with `+waves` writes, relative to the design folder.
    fn waves_file(&self) -> &'static str;
    /// Build (Verilator) or compile (Icarus) a testbench; the log goes to the build folder.
    fn build(&self, bench: &Bench, timeout: Duration) -> Result<Image, ToolError>;
    /// Run a built testbench from its working folder with `plusargs` (each with its `+`),
    /// its output saved to `log`.
    fn run(
        &self,
        image: &Image,
        plusargs: &[String],
        log: &Path,
        timeout: Duration,
    ) -> Result<Run, ToolError>;

    /// Build and run a design folder's testbench once; returns its result and the log
    /// (`<build folder>/sim.log`). With `waves`, the run dumps every signal to
    /// [`Simulator::waves_file`].
    fn simulate(
        &self,
        dir: &Path,
        tb_top: &str,
        tb_file: &str,
        timeout: Duration,
        waves: bool,
    ) -> Result<(SimOutcome, PathBuf), ToolError> {
        let mut bench = Bench::testbench(self.default_build_dir(), dir, tb_top, tb_file);
        bench.waves = waves;
        let image = self.build(&bench, timeout)?;
        let plusargs: Vec<String> = if waves {
            vec![super::WAVES_PLUSARG.into()]
        } else {
            Vec::new()
        };
        let r = self.run(&image, &plusargs, &image.log("sim.log"), timeout)?;
        sim_result(r, &self.runtime())
    }

    /// The program a run executes (for error messages): `vvp`, or the built `Vsim`.
    fn runtime(&self) -> super::Tool;
}

/// Create a build folder, for the error of the tool that needs it.
pub(super) fn make_dir(path: &Path, bin: &'static str) -> Result<(), ToolError> {
    std::fs::create_dir_all(path).map_err(|source| ToolError::Io { bin, source })
}
