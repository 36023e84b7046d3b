//! The command-line conventions every subcommand follows: a closed stdout ends the run quietly,
//! `--format table|csv|json` (same fields, exit codes unchanged), `-q` / `-v`, bad flag values
//! name their flag, and completions and the man page come from the clap definition.

mod common;

use common::{have, potmac, root, scratch};
use potmac::tools::{icarus, yosys};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Output, Stdio};

fn array_config() -> PathBuf {
    root().join("verification/configs/arrays/pot_w4a8_ws8x8.yaml")
}

fn mac_config() -> PathBuf {
    root().join("verification/configs/paper/pot_w4a8.yaml")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `cycles` with `n` GEMM shapes: far more output than a pipe buffer holds when `n` is large.
fn cycles_args(n: usize) -> Vec<String> {
    let mut a = vec!["cycles".to_string(), array_config().display().to_string()];
    for i in 1..=n {
        a.push("--gemm".into());
        a.push(format!("{i},16,16"));
    }
    a
}

fn assert_quiet_end(status: std::process::ExitStatus, stderr: &str) {
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert_ne!(status.code(), Some(101), "{stderr}");
    assert_eq!(status.code(), Some(0), "{stderr}");
}

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    // The reader takes one line and goes away (`| head -1`); the rest no longer fits the pipe.
    let mut child = potmac()
        .args(cycles_args(3000))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("| design |"), "{first}");
    let o = child.wait_with_output().unwrap();
    assert_quiet_end(o.status, &text(&o.stderr));

    // The reader is gone before anything is written.
    let mut child = potmac()
        .args(cycles_args(2))
        .args(["--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_quiet_end(o.status, &text(&o.stderr));

    // Generated text too (completions are rendered in memory, then written).
    let mut child = potmac()
        .args(["completions", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_quiet_end(o.status, &text(&o.stderr));
}

fn cycles(format: Option<&str>) -> Output {
    let mut cmd = potmac();
    cmd.arg("cycles")
        .arg(array_config())
        .args(["--gemm", "64,64,64", "--gemm", "8,8,8"]);
    if let Some(f) = format {
        cmd.args(["--format", f]);
    }
    let o = cmd.output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    o
}

const CYCLES_FIELDS: [&str; 12] = [
    "design",
    "array",
    "dataflow",
    "m",
    "k",
    "n",
    "tiles",
    "period",
    "latency",
    "cycles",
    "macs",
    "utilization",
];

#[test]
fn cycles_in_every_format() {
    let table = text(&cycles(None).stdout);
    assert_eq!(table, text(&cycles(Some("table")).stdout));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert!(lines[0].starts_with("| design | array | dataflow | M,K,N |"));

    let csv = text(&cycles(Some("csv")).stdout);
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0], CYCLES_FIELDS, "{csv}");
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(rows[1..].iter().all(|r| r.len() == CYCLES_FIELDS.len()));
    assert_eq!(
        &rows[1][..6],
        ["pot_w4a8_ws8x8", "8x8", "ws", "64", "64", "64"]
    );

    let json = text(&cycles(Some("json")).stdout);
    let objs: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(objs.len(), 2);
    for (o, row) in objs.iter().zip(&rows[1..]) {
        let keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = CYCLES_FIELDS.to_vec();
        want.sort_unstable();
        let mut got = keys.clone();
        got.sort_unstable();
        assert_eq!(got, want);
        // The same values as the CSV row and the table row.
        assert_eq!(o["cycles"].to_string(), row[9]);
        assert!(table.contains(&format!("| {} |", o["cycles"])), "{table}");
    }
    assert_eq!(objs[1]["m"], 8);
}

#[test]
fn quiet_drops_notes_but_not_results() {
    let run = |quiet: bool| {
        let out = scratch(if quiet { "conv_qat_q" } else { "conv_qat" });
        let mut cmd = potmac();
        if quiet {
            cmd.arg("-q");
        }
        let o = cmd
            .args(["qat", "--fp-epochs", "1", "--epochs", "1", "--hidden", "16"])
            .args(["--train-limit", "100", "--test-limit", "30", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        (text(&o.stdout), text(&o.stderr))
    };
    let (out, err) = run(false);
    assert!(
        err.contains("[fp] epoch   1") && err.contains("[qat] epoch   1"),
        "{err}"
    );
    let (out_q, err_q) = run(true);
    assert_eq!(err_q, "");
    assert!(out.starts_with("digits mlp pot:4: FP "), "{out}");
    assert!(out_q.starts_with("digits mlp pot:4: FP "), "{out_q}");
    // Errors still print with -q.
    let o = potmac()
        .args(["-q", "generate", "no/such/config.yaml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).starts_with("error: "));
}

#[test]
fn verbose_prints_every_tool_command_line() {
    if !have(&[icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let out = scratch("conv_verbose");
    let o = potmac()
        .args(["sim", "-v", "--sim", "icarus", "--vectors", "50", "--out"])
        .arg(&out)
        .arg(mac_config())
        .output()
        .unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("+ cd ") && err.contains(" && iverilog -g2012"),
        "{err}"
    );
    assert!(err.contains(" && vvp -n "), "{err}");
    assert!(
        text(&o.stdout).starts_with("pot_w4a8 "),
        "{}",
        text(&o.stdout)
    );
    assert!(!text(&o.stdout).contains("iverilog"));
}

#[test]
fn bad_flag_values_exit_2_naming_the_flag() {
    let cases: [&[&str]; 7] = [
        &["cycles", "x.yaml", "--gemm", "1,1,1", "--format", "xml"],
        &["synth", "x.yaml", "--target", "asic"],
        &["synth", "x.yaml", "--pnr", "--seed", "1,x"],
        &["sim", "x.yaml", "--timeout", "0"],
        &["qat", "--batch", "0"],
        &["qat", "--weights", "pot:9"],
        &["completions", "tcsh"],
    ];
    for args in cases {
        let o = potmac().args(args).output().unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        let flag = args[args.len() - 2];
        let named = if flag.starts_with("--") {
            flag.to_string()
        } else {
            "<SHELL>".to_string()
        };
        assert!(err.contains(&named), "{args:?}: {err}");
    }
    let o = potmac()
        .args(["-q", "-v", "cycles", "x.yaml", "--gemm", "1,1,1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--quiet"), "{}", text(&o.stderr));
    // A seed given twice would place and route the same thing twice: refused before any work.
    let out = scratch("seed_twice");
    let o = potmac()
        .args(["synth", "--pnr", "--seed", "2,3,2", "--out"])
        .arg(&out)
        .arg(mac_config())
        .output()
        .unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--seed") && err.contains("seed 2 is given twice"),
        "{err}"
    );
    assert!(std::fs::read_dir(&out).unwrap().next().is_none(), "{err}");
}

#[test]
fn completions_and_man_page_come_from_the_clap_definition() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = potmac().args(["completions", shell]).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", text(&o.stderr));
        let script = text(&o.stdout);
        assert!(script.contains("potmac"), "{shell}");
        // Subcommands and flags are in there, not just the program name.
        assert!(
            script.contains("cycles") && script.contains("format"),
            "{shell}"
        );
    }
    let o = potmac().arg("man").output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let page = text(&o.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH potmac"),
        "{page}"
    );
    assert!(page.contains(".TH potmac 1"), "{page}");
    assert!(page.contains("completions") && page.contains("quiet"));
}

/// Generate a MAC design, then flip one expected value, so `sim --no-generate` fails.
fn broken_folder(name: &str) -> common::Scratch {
    let out = scratch(name);
    let o = potmac()
        .args(["-q", "generate", "--vectors", "50", "--out"])
        .arg(&out)
        .arg(mac_config())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let exp = out.join("pot_w4a8/vectors/expect.hex");
    let text = std::fs::read_to_string(&exp).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let k = lines.len() / 2;
    let flipped = u64::from_str_radix(&lines[k], 16).unwrap() ^ 1;
    lines[k] = format!("{flipped:0w$x}", w = lines[k].len());
    std::fs::write(&exp, lines.join("\n") + "\n").unwrap();
    out
}

fn sim(out: &std::path::Path, extra: &[&str]) -> Output {
    potmac()
        .args(["sim", "--sim", "icarus", "--vectors", "50", "--out"])
        .arg(out)
        .args(extra)
        .arg(mac_config())
        .output()
        .unwrap()
}

#[test]
fn sim_formats_keep_the_exit_codes() {
    if !have(&[icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let out = scratch("conv_sim");
    // -v prints each tool command line on stderr; results stay on stdout.
    let o = sim(&out, &["-v", "--format", "json"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("+ cd ") && err.contains(" && iverilog -g2012"),
        "{err}"
    );
    assert!(err.contains(" && vvp -n "), "{err}");
    let rec: serde_json::Value = serde_json::from_str(text(&o.stdout).trim()).unwrap();
    assert_eq!(rec["design"], "pot_w4a8");
    assert_eq!(rec["simulator"], "icarus");
    assert_eq!(rec["result"], "PASS");
    assert_eq!(rec["mismatches"], 0);
    assert!(rec["checked"].as_u64().unwrap() > 50);

    // -q still prints results; nothing else on stderr.
    let o = sim(&out, &["-q", "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text(&o.stderr), "");
    let csv = text(&o.stdout);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "design,simulator,result,checked,unit,mismatches,seconds,log,waves"
    );
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].starts_with("pot_w4a8,icarus,PASS,"), "{csv}");

    // A failing simulation exits 1 in every format, and says FAIL in each.
    let bad = broken_folder("conv_sim_broken");
    for format in ["table", "csv", "json"] {
        let o = sim(&bad, &["--no-generate", "--format", format]);
        let stdout = text(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{format}: {stdout}{}",
            text(&o.stderr)
        );
        assert!(stdout.contains("FAIL"), "{format}: {stdout}");
        if format == "json" {
            let rec: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
            assert_eq!(rec["result"], "FAIL");
            assert_eq!(rec["mismatches"], 1);
        }
    }
}

#[test]
fn synth_formats_carry_the_same_fields() {
    if !have(&[yosys::YOSYS]) {
        return;
    }
    let out = scratch("conv_synth");
    let run = |format: &str| {
        let o = potmac()
            .args(["-q", "synth", "--format", format, "--out"])
            .arg(&out)
            .arg(mac_config())
            .arg(root().join("verification/configs/paper/uniform_w4a8.yaml"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    let table = run("table");
    assert!(table.starts_with("| design | weights | acc bits | cells | transistors | FFs |"));
    let csv = run("csv");
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(
        &header[..6],
        ["design", "weights", "act_bits", "acc_bits", "target", "cells"]
    );
    assert!(header.contains(&"transistors") && header.contains(&"overhead_ffs"));
    assert_eq!(csv.lines().count(), 3, "{csv}");
    let json = run("json");
    let objs: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs.len(), 2);
    for o in &objs {
        let keys: Vec<&str> = o.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = header.clone();
        want.sort_unstable();
        let mut got = keys;
        got.sort_unstable();
        assert_eq!(got, want);
        // The table shows the same figures.
        assert!(table.contains(&format!("| {} |", o["design"].as_str().unwrap())));
        assert!(table.contains(&format!("| {} (", o["cells"])), "{table}");
    }
    assert_eq!(objs[0]["cells_ratio"], 1.0);
    assert_eq!(objs[0]["target"], "generic");
    assert!(objs[0]["luts"].is_null());
}
