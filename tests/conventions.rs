//! The command-line conventions every subcommand follows: a closed stdout ends the run quietly,
//! `--format table|csv|json` (same fields, exit codes unchanged), `-q` / `-v`, bad flag values
//! name their flag, and completions and the man page come from the clap definition.

mod common;

use common::{have, potmac, root, scratch};
use potmac::tools::icarus;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;

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
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_quiet_end(o.status, &text(&o.stderr));
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
