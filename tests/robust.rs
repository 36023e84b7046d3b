//! Hostile use of the command line: interrupted and concurrent runs, incomplete folders, bad
//! flag values of every subcommand, and error chains that print each cause once.

mod common;

use common::{have, potmac, root, scratch};
use potmac::tools::{icarus, verilator};
use std::path::{Path, PathBuf};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn pot() -> PathBuf {
    root().join("verification/configs/paper/pot_w4a8.yaml")
}

/// A process id that is not running (a reaped child).
fn dead_pid() -> u32 {
    let mut c = std::process::Command::new("true").spawn().unwrap();
    let pid = c.id();
    c.wait().unwrap();
    pid
}

/// Two `potmac sim` runs of one config into one `--out` used to clash (`iverilog: No such
/// file or directory`, a folder left holding only `build/`). The folder lock serializes them:
/// both pass.
#[test]
fn concurrent_sims_of_one_design_both_pass() {
    if !have(&[icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let out = scratch("concurrent");
    for round in 0..3 {
        let runs: Vec<_> = (0..2)
            .map(|_| {
                potmac()
                    .args(["sim", "--sim", "icarus", "--vectors", "300", "--out"])
                    .arg(&out)
                    .arg(pot())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for r in runs {
            let o = r.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&o.stdout).to_string()
                + &String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(0), "round {round}: {text}");
            assert!(text.contains("PASS"), "round {round}: {text}");
        }
    }
    // Nothing hidden is left but the lock file.
    let names: Vec<String> = std::fs::read_dir(&*out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, [".pot_w4a8.lock", "pot_w4a8"]);
}

/// A folder with a file missing (as a killed regeneration used to leave) was simulated and
/// reported `FAIL 1876` (exit 1), blaming the RTL. `--no-generate` now names the missing file
/// and exits 2.
#[test]
fn no_generate_rejects_an_incomplete_folder() {
    if !have(&[icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let out = scratch("incomplete");
    let o = potmac()
        .args(["generate", "--vectors", "50", "--out"])
        .arg(&out)
        .arg(pot())
        .output()
        .unwrap();
    assert!(o.status.success());
    std::fs::remove_file(out.join("pot_w4a8/vectors/stim.hex")).unwrap();
    let o = potmac()
        .args([
            "sim",
            "--sim",
            "icarus",
            "--no-generate",
            "--vectors",
            "50",
            "--out",
        ])
        .arg(&out)
        .arg(pot())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("`vectors/stim.hex` is missing"), "{err}");
}

/// A killed run's hidden folders stayed forever (46 MB for a 64×64 array). The next write of
/// the design removes those of dead processes; a previous folder left aside between the two
/// renames of a replacement comes back instead of being lost.
#[test]
fn killed_runs_leave_nothing_behind() {
    let out = scratch("stale");
    let dead = dead_pid();
    let tmp = out.join(format!(".pot_w4a8.tmp{dead}"));
    std::fs::create_dir_all(tmp.join("rtl")).unwrap();
    std::fs::write(tmp.join("rtl/half.v"), "// half written\n").unwrap();
    let gen = || {
        let o = potmac()
            .args(["generate", "--vectors", "20", "--out"])
            .arg(&out)
            .arg(pot())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    gen();
    assert!(!tmp.exists(), "stale {} kept", tmp.display());
    // Killed between "old folder aside" and "new folder in": the old one is complete.
    let aside = out.join(format!(".pot_w4a8.old{dead}"));
    std::fs::rename(out.join("pot_w4a8"), &aside).unwrap();
    let before = files_under(&aside).len();
    if have(&[icarus::IVERILOG, icarus::VVP]) {
        // `--no-generate` restores it and simulates it.
        let o = potmac()
            .args([
                "sim",
                "--sim",
                "icarus",
                "--no-generate",
                "--vectors",
                "20",
                "--out",
            ])
            .arg(&out)
            .arg(pot())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{text}");
        assert!(!aside.exists());
        // Every file that was aside is back (the simulation added its build files).
        assert!(files_under(&out.join("pot_w4a8")).len() > before);
        std::fs::rename(out.join("pot_w4a8"), &aside).unwrap();
    }
    gen();
    assert!(!aside.exists());
    assert!(out.join("pot_w4a8/vectors/stim.hex").is_file());
}

/// Processes (other than `except`) whose working directory is under `dir`.
fn processes_in(dir: &Path, except: u32) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if pid == except {
            continue;
        }
        if let Ok(cwd) = std::fs::read_link(e.path().join("cwd")) {
            if cwd.starts_with(dir) {
                let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
                found.push(format!("{pid} {}", comm.trim()));
            }
        }
    }
    found
}

/// Ctrl-C during a Verilator build: the tools run in their own process group (so a hang can be
/// killed whole), which the terminal's SIGINT does not reach; potmac must stop them itself,
/// say so, and exit 130, leaving no tool running and no half-written result.
#[test]
fn ctrl_c_stops_the_running_tools_and_exits_130() {
    if !have(&[verilator::VERILATOR]) {
        return;
    }
    let out = scratch("sigint");
    let child = potmac()
        .args(["sim", "--sim", "verilator", "--vectors", "20", "--out"])
        .arg(&out)
        .arg(pot())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until a tool (Verilator, make or g++) is at work in the build folder.
    let start = std::time::Instant::now();
    while processes_in(&out, child.id()).is_empty() {
        assert!(start.elapsed().as_secs() < 60, "no tool started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: kill(2) on the pid of our own child process.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(String::from_utf8_lossy(&o.stdout).is_empty());
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(
        processes_in(&out, 0),
        Vec::<String>::new(),
        "tools still running"
    );
}

/// One bad flag value per case, for every subcommand: exit 2 before any work, a message that
/// names the flag, and nothing written to the output folder.
#[test]
fn bad_flag_values_of_every_subcommand_exit_2_naming_the_flag() {
    let arr = root().join("verification/configs/arrays/pot_w4a8_ws8x8.yaml");
    let (c, a) = (pot(), arr);
    let c = c.to_str().unwrap();
    let a = a.to_str().unwrap();
    let dir = root().join("verification");
    let dir = dir.to_str().unwrap();
    #[rustfmt::skip]
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["generate", "--vectors", "10000001", c], "--vectors"),
        (vec!["generate", "--vectors", "many", c], "--vectors"),
        (vec!["generate", "--seed", "x", c], "--seed"),
        (vec!["generate", "--seed", "1.5", c], "--seed"),
        (vec!["generate", c, "--out"], "--out"),
        (vec!["generate", "--frobnicate", c], "--frobnicate"),
        (vec!["sim", "--timeout", "0", c], "--timeout"),
        (vec!["sim", "--timeout", "-5", c], "-5"),
        (vec!["sim", "--timeout", "1e3", c], "--timeout"),
        (vec!["sim", "--sim", "modelsim", c], "--sim"),
        (vec!["sim", "--format", "xml", c], "--format"),
        (vec!["sim", "--vectors", "99999999999", c], "--vectors"),
        (vec!["sim", "--seed", "", c], "--seed"),
        (vec!["sim", "--waves=yes", c], "--waves"),
        (vec!["synth", "--timeout", "0", c], "--timeout"),
        (vec!["synth", "--target", "asic", c], "--target"),
        (vec!["synth", "--format", "yaml", c], "--format"),
        (vec!["synth", "--json", "/no/such/folder/r.json", c], "--json"),
        (vec!["synth", "--json", dir, c], "--json"),
        (vec!["cycles", "--gemm", "0,1,1", a], "--gemm"),
        (vec!["cycles", "--gemm", "1,1", a], "--gemm"),
        (vec!["cycles", "--gemm", "1,1,2000000", a], "--gemm"),
        (vec!["cycles", "--gemm", "a,b,c", a], "--gemm"),
        (vec!["cycles", a], "--gemm"),
        (vec!["cycles", "--gemm", "2,2,2", "--format", "xml", a], "--format"),
        (vec!["qat", "--hidden", "0"], "--hidden"),
        (vec!["qat", "--accumulator", "16"], "--accumulator"),
        (vec!["sweep", "--jobs", "0", c], "--jobs"),
        (vec!["sweep", "--collect", "/no/such/sweep"], "--collect"),
        (vec!["sweep", "--point", "/no/such/job.json"], "job.json"),
        (vec!["qat", "--accumulator", "16:clip"], "--accumulator"),
        (vec!["qat", "--accumulator", "16:wrap", "--sweep"], "--accumulator"),
        (vec!["qat", "--hidden", "16,0"], "--hidden"),
        (vec!["qat", "--hidden", ""], "--hidden"),
        (vec!["qat", "--hidden", "100000000"], "--hidden"),
        (vec!["qat", "--model", "cnn", "--channels", "8,5000"], "--channels"),
        (vec!["qat", "--batch", "0"], "--batch"),
        (vec!["qat", "--mixed", "4L/32F"], "--mixed"),
        (vec!["qat", "--mixed", "4L/8U", "--weights", "pot:4"], "--mixed"),
        (vec!["qat", "--seeds", "0"], "--seeds"),
        (vec!["qat", "--threads", "0"], "--threads"),
        (vec!["qat", "--val-fraction", "1.5"], "--val-fraction"),
        (vec!["qat", "--recipe", "slow"], "--recipe"),
        (vec!["qat", "--act-bits", "0"], "--act-bits"),
        (vec!["qat", "--act-bits", "17"], "--act-bits"),
        (vec!["qat", "--model", "cnn", "--channels", "0"], "--channels"),
        (vec!["qat", "--model", "cnn", "--channels", "1,1,1,1"], "--channels"),
        (vec!["qat", "--model", "cnn", "--kernel", "4"], "--kernel"),
        (vec!["qat", "--model", "cnn", "--stride", "3"], "--stride"),
        (vec!["qat", "--model", "cnn", "--padding", "valid"], "--padding"),
        (vec!["qat", "--model", "cnn", "--kernel", "5", "--stride", "2"], "--stride"),
        (
            vec!["qat", "--model", "cnn", "--kernel", "5", "--padding", "none"],
            "--padding",
        ),
        (vec!["qat", "--kernel", "5"], "--kernel"),
        (vec!["qat", "--no-pool"], "--no-pool"),
        (vec!["qat", "--sweep", "--sweep-bits", "0"], "--sweep-bits"),
        (vec!["qat", "--sweep", "--sweep-bits", "2"], "--sweep-bits"),
        (vec!["qat", "--train-limit", "0"], "--train-limit"),
        (vec!["qat", "--test-limit", "0"], "--test-limit"),
        (vec!["qat", "--golden-samples", "0"], "--golden-samples"),
        (vec!["qat", "--lr", "0"], "--lr"),
        (vec!["qat", "--fp-lr=-1"], "--fp-lr"),
        (vec!["qat", "--fp-lr", "inf"], "--fp-lr"),
        (vec!["qat", "--prune", "nan"], "--prune"),
        (vec!["qat", "--prune=-0.5"], "--prune"),
        (vec!["qat", "--act-percentile", "0"], "--act-percentile"),
        (vec!["qat", "--act-percentile", "101"], "--act-percentile"),
        (vec!["qat", "--weights", "pot:9"], "--weights"),
        (vec!["qat", "--weights", "fp:8"], "--weights"),
        (vec!["qat", "--first-layer", "uniform:1"], "--first-layer"),
        (vec!["qat", "--last-layer", "apot:2"], "--last-layer"),
        (vec!["qat", "--dataset", "cifar"], "--dataset"),
        (vec!["qat", "--model", "resnet"], "--model"),
        (vec!["qat", "--optimizer", "lbfgs"], "--optimizer"),
        (vec!["qat", "--weight-clip", "median"], "--weight-clip"),
        (vec!["qat", "--epochs=-1"], "--epochs"),
        (vec!["qat", "--fp-epochs", "x"], "--fp-epochs"),
        (vec!["qat", "--lr-step", "x"], "--lr-step"),
        (vec!["qat", "--seed", "x"], "--seed"),
        (vec!["infer", "--array", "0x4:ws", "no_export"], "--array"),
        (vec!["infer", "--array", "65x1:os", "no_export"], "--array"),
        (vec!["infer", "--array", "4x4:xs", "no_export"], "--array"),
        (vec!["infer", "--array", "4x4", "no_export"], "--array"),
        (vec!["infer", "--timeout", "0", "no_export"], "--timeout"),
        (vec!["infer", "--samples", "0", "no_export"], "--samples"),
        (vec!["infer", "--samples", "some", "no_export"], "--samples"),
        (vec!["infer", "--batch", "0", "no_export"], "--batch"),
        (vec!["infer", "--batch", "4097", "no_export"], "--batch"),
        (vec!["infer", "--sim", "vcs", "no_export"], "--sim"),
        (vec!["power", "--cycles", "0", c], "--cycles"),
        (vec!["power", "--delay", "slow", c], "--delay"),
        (vec!["power", "--stimulus", "noise", c], "--stimulus"),
        (vec!["power", "--stimulus", "real", c], "--export"),
        (vec!["power", "--export", dir, c], "--export"),
        (vec!["power", "--format", "xml", c], "--format"),
        (vec!["completions", "tcsh"], "<SHELL>"),
        (vec!["man", "--page"], "--page"),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (args, flag) in &cases {
        seen.insert(args[0]);
        let out = scratch("bad_flags");
        let mut cmd = potmac();
        cmd.args(args);
        if !matches!(args[0], "cycles" | "completions" | "man") && !args.ends_with(&["--out"]) {
            cmd.arg("--out").arg(&out);
        }
        let o = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(flag),
            "{args:?}: does not name `{flag}`: {err}"
        );
        assert!(
            o.stdout.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stdout)
        );
        assert!(
            files_under(&out).is_empty(),
            "{args:?}: wrote {:?}",
            files_under(&out)
        );
    }
    assert_eq!(seen.len(), 10, "every subcommand: {seen:?}");
}

/// OS errors from every layer that touches files print their reason exactly once.
#[test]
fn os_errors_print_their_cause_once() {
    let out = scratch("os_errors");
    let file = out.join("a_file");
    std::fs::write(&file, "x").unwrap();
    let enoent = std::fs::read("/no/such/x").unwrap_err().to_string();
    let eexist = std::io::Error::from_raw_os_error(17).to_string();
    // A folder given as a config is refused before it is opened (issue 23, defect 8).
    let eisdir = "not a regular file (a folder)".to_string();
    let exp = out.join("no_export");
    let cases: Vec<(Vec<std::ffi::OsString>, String)> = vec![
        (
            vec!["generate".into(), "/no/such/c.yaml".into()],
            enoent.clone(),
        ),
        (vec!["generate".into(), out.as_os_str().into()], eisdir),
        (
            vec![
                "generate".into(),
                "--out".into(),
                file.clone().into(),
                pot().into(),
            ],
            eexist,
        ),
        (vec!["infer".into(), exp.clone().into()], enoent.clone()),
        (
            vec!["infer".into(), "--per-layer".into(), exp.into()],
            enoent.clone(),
        ),
        (
            vec![
                "qat".into(),
                "--dataset".into(),
                "fashion-mnist".into(),
                "--data-dir".into(),
                "/no/such/dir".into(),
            ],
            "not found".into(),
        ),
    ];
    for (args, cause) in cases {
        let o = potmac().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.matches(&cause).count(), 1, "{args:?}: `{cause}`: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
    }
}

/// A layer that cannot become an array design said `layer 0` twice (`mapping layer 0 onto an
/// array design: layer 0: field ...`). With verified exports a bad activation width no longer
/// reaches the design: even with the manifest resealed, both modes of `infer` refuse the model
/// with one line naming `model.json`, exit 2, and write nothing.
#[test]
fn a_resealed_bad_model_is_refused_by_both_infer_modes() {
    let base = scratch("deploy_once");
    let exp = base.join("export");
    let o = potmac()
        .args([
            "-q",
            "qat",
            "--hidden",
            "4",
            "--fp-epochs",
            "0",
            "--epochs",
            "0",
            "--golden-samples",
            "1",
            "--out",
        ])
        .arg(&exp)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let model = exp.join("model.json");
    let text = std::fs::read_to_string(&model).unwrap();
    assert!(text.contains("\"act_bits\": 8"), "{text}");
    std::fs::write(&model, text.replace("\"act_bits\": 8", "\"act_bits\": 1")).unwrap();
    // Reseal the manifest, so the export's checksums pass and the bad width reaches the design.
    let bytes = std::fs::read(&model).unwrap();
    let mp = exp.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&mp).unwrap()).unwrap();
    for f in m["files"].as_array_mut().unwrap() {
        if f["name"] == "model.json" {
            f["sha256"] = potmac::model::write::sha256_hex(&bytes).into();
            f["bytes"] = bytes.len().into();
        }
    }
    std::fs::write(&mp, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    for mode in [&["infer"][..], &["infer", "--per-layer"]] {
        let o = potmac()
            .args(mode)
            .arg("--out")
            .arg(base.join("hdl"))
            .arg(&exp)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{mode:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{mode:?}: {err}");
        assert_eq!(err.matches("model.json").count(), 1, "{mode:?}: {err}");
        assert!(err.contains("acc_width"), "{mode:?}: {err}");
        assert!(files_under(&base.join("hdl")).is_empty());
    }
}

/// Issue 23, defect 3: a regular file at `OUT/NAME` was renamed aside as `.NAME.old<PID>`
/// (hidden from its owner) and every later run of the design exited 2 on it. It is now an
/// error naming the path before anything moves; the file stays as it was, and once the user
/// removes it a run succeeds. A user's file left as `.NAME.old<PID>` by the old code does not
/// wedge recovery either.
#[test]
fn a_file_at_the_design_folder_path_is_refused_and_never_moved() {
    let out = scratch("file_at_dest");
    let dest = out.join("pot_w4a8");
    std::fs::write(&dest, "precious\n").unwrap();
    let gen = || {
        potmac()
            .args(["generate", "--vectors", "20", "--out"])
            .arg(&out)
            .arg(pot())
            .output()
            .unwrap()
    };
    for _ in 0..2 {
        let o = gen();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(&format!("{} is not a folder", dest.display())),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "precious\n");
        let hidden: Vec<String> = std::fs::read_dir(&*out)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".old") || n.contains(".tmp"))
            .collect();
        assert_eq!(hidden, Vec::<String>::new());
    }
    std::fs::remove_file(&dest).unwrap();
    // A file the old code hid aside (its process is gone) is the user's: left alone, and no
    // run wedges on it.
    let aside = out.join(format!(".pot_w4a8.old{}", dead_pid()));
    std::fs::write(&aside, "precious\n").unwrap();
    for _ in 0..2 {
        let o = gen();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(out.join("pot_w4a8/vectors/stim.hex").is_file());
        assert_eq!(std::fs::read_to_string(&aside).unwrap(), "precious\n");
    }
}

/// Issue 23, defect 11: `sim` believed the testbench's `PASS n` whatever `n` was; a fake `vvp`
/// that prints only `PASS 40` passed a design given 2,020 vectors. The count must be the
/// number of checks the testbench was given: otherwise exit 1, saying expected and printed.
#[test]
fn sim_refuses_a_pass_count_that_is_not_the_vectors_given() {
    if !have(&[icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let out = scratch("lying_vvp");
    let bin = out.join("fakebin");
    std::fs::create_dir_all(&bin).unwrap();
    let vvp = bin.join("vvp");
    std::fs::write(&vvp, "#!/bin/sh\necho PASS 40\nexit 0\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&vvp, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let o = potmac()
        .env("PATH", path)
        .args(["sim", "--sim", "icarus", "--vectors", "300", "--out"])
        .arg(out.join("o"))
        .arg(pot())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("FAIL"), "{stdout}");
    assert!(stdout.contains("printed PASS 40, expected "), "{stdout}");

    // The per-layer check of `infer` reads the same count: the fake's `PASS 40` is not the
    // output rows a layer's testbench was given.
    let export = out.join("export");
    common::tiny_export(&export, "pot:4", "mlp");
    let o = potmac()
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .args([
            "-q",
            "infer",
            "--per-layer",
            "--sim",
            "icarus",
            "--array",
            "4x4:ws",
            "--out",
        ])
        .arg(out.join("layers"))
        .arg(&export)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("layer 0 ") && text.contains("FAIL"), "{text}");
}

/// `(pid, ppid, pgid, comm)` of every process.
fn process_table() -> Vec<(u32, u32, u32, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[open + 1..close].to_string();
        let f: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        if f.len() < 3 || f[0] == "Z" {
            continue;
        }
        let (Ok(ppid), Ok(pgid)) = (f[1].parse(), f[2].parse()) else {
            continue;
        };
        out.push((pid, ppid, pgid, comm));
    }
    out
}

/// Issue 23, defect 4: `kill -9` of potmac (a CI timeout, the OOM killer) left Verilator's
/// `make` and `g++` running: the tools run in their own process group, which potmac kills on
/// Ctrl-C but cannot once it is SIGKILLed. Now every process of a tool's group dies with
/// potmac, however potmac dies.
#[test]
fn sigkill_of_potmac_leaves_no_tool_running() {
    if !have(&[verilator::VERILATOR]) {
        return;
    }
    let out = scratch("sigkill");
    let mut child = potmac()
        .args(["sim", "--sim", "verilator", "--vectors", "20", "--out"])
        .arg(&out)
        .arg(pot())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let me = child.id();
    // Wait until the build has grandchildren of potmac at work (make, g++, cc1plus), then
    // note the process groups of every descendant.
    let start = std::time::Instant::now();
    let groups = loop {
        assert!(start.elapsed().as_secs() < 120, "no compiler started");
        let table = process_table();
        let parent: std::collections::HashMap<u32, u32> =
            table.iter().map(|(p, pp, _, _)| (*p, *pp)).collect();
        let depth = |mut p: u32| {
            let mut d = 0;
            while let Some(&pp) = parent.get(&p) {
                d += 1;
                if pp == me {
                    return Some(d);
                }
                if pp <= 1 || d > 64 {
                    break;
                }
                p = pp;
            }
            None
        };
        let desc: Vec<_> = table
            .iter()
            .filter_map(|(p, _, g, c)| depth(*p).map(|d| (d, *g, c.clone())))
            .collect();
        let compiling = desc
            .iter()
            .any(|(d, _, c)| *d >= 2 && ["make", "g++", "cc1plus", "c++"].contains(&c.as_str()));
        if compiling {
            let mut g: Vec<u32> = desc.iter().map(|(_, g, _)| *g).collect();
            g.sort_unstable();
            g.dedup();
            break g;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(
        !groups.contains(&std::process::id()),
        "tools in the test's group"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let t0 = std::time::Instant::now();
    loop {
        let left: Vec<_> = process_table()
            .into_iter()
            .filter(|(_, _, g, _)| groups.contains(g))
            .collect();
        if left.is_empty() {
            break;
        }
        assert!(
            t0.elapsed().as_secs() < 3,
            "still running 3 s after potmac was killed: {left:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Run `cmd`; kill it after `secs` seconds. `None` when it had to be killed.
fn output_within(cmd: &mut std::process::Command, secs: u64) -> Option<std::process::Output> {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t0.elapsed().as_secs() >= secs {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Some(child.wait_with_output().unwrap())
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

/// Issue 23, defect 8: an export's `model.json` linked to /dev/zero was read whole by `infer`
/// (gigabytes before failing), a FIFO blocked it for ever, and so did a config that is a
/// FIFO. Each is refused at once, exit 2, naming the file.
#[test]
fn special_files_in_an_export_or_as_a_config_are_refused_at_once() {
    let dir = scratch("special_files");
    let check = |cmd: &mut std::process::Command, file: &Path| {
        let o = output_within(cmd, 10)
            .unwrap_or_else(|| panic!("{}: still running after 10 s", file.display()));
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", file.display());
        assert!(err.contains(&file.display().to_string()), "{err}");
        assert!(err.contains("not a regular file"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    };
    let yaml = dir.join("fifo.yaml");
    mkfifo(&yaml);
    check(
        potmac()
            .args(["generate", "--out"])
            .arg(dir.join("gen"))
            .arg(&yaml),
        &yaml,
    );
    assert!(!dir.join("gen").exists());
    if !have(&[icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let export = dir.join("export");
    common::tiny_export(&export, "pot:4", "mlp");
    let model = export.join("model.json");
    let saved = std::fs::read(&model).unwrap();
    for special in ["zero", "fifo"] {
        std::fs::remove_file(&model).unwrap();
        if special == "zero" {
            std::os::unix::fs::symlink("/dev/zero", &model).unwrap();
        } else {
            mkfifo(&model);
        }
        let infer = |extra: &[&str]| {
            let mut c = potmac();
            c.arg("infer")
                .arg(&export)
                .args(["--sim", "icarus", "--array", "4x4:ws", "--out"])
                .arg(dir.join("o"))
                .args(extra);
            c
        };
        check(&mut infer(&["--samples", "4"]), &model);
        check(&mut infer(&["--per-layer"]), &model);
    }
    std::fs::remove_file(&model).unwrap();
    std::fs::write(&model, saved).unwrap();
}
