//! Narrow (paper-condition) accumulators, `accumulator: {bits, overflow: saturate|wrap}`: the
//! committed 16-bit paper designs pass their golden vectors on both simulators, are lint-clean,
//! prove against their references (which the golden vectors check too), and a saturating
//! folder given the wrapping RTL fails both its vectors and its proof: the hardware saturates
//! or wraps exactly as declared.

mod common;

use common::{have, lint_clean, potmac, root, scratch};
use potmac::tools::{icarus, verilator, yosys};
use std::path::{Path, PathBuf};

const NARROW: [&str; 4] = [
    "uniform_w4a8_acc16",
    "pot_w4a8_acc16",
    "pot_w4a8_acc16w",
    "apot_w4a8_acc16",
];

fn config(name: &str) -> PathBuf {
    root().join(format!("verification/configs/paper16/{name}.yaml"))
}

fn run(args: &[&str], out: &Path, configs: &[PathBuf]) -> (i32, String) {
    let o = potmac()
        .args(args)
        .arg("--out")
        .arg(out)
        .args(configs)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    (o.status.code().unwrap_or(-1), text)
}

#[test]
fn paper16_designs_pass_on_both_simulators_and_lint_clean() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let out = scratch("narrow-sim");
    let configs: Vec<_> = NARROW.iter().map(|n| config(n)).collect();
    let (code, text) = run(&["-q", "sim", "--sim", "both"], &out, &configs);
    assert_eq!(code, 0, "{text}");
    for n in NARROW {
        for sim in ["icarus", "verilator"] {
            assert!(
                text.lines()
                    .any(|l| l.starts_with(n) && l.contains(sim) && l.contains("PASS")),
                "{n} {sim}: {text}"
            );
        }
        let dir = out.join(n);
        lint_clean(
            &dir,
            &format!("{n}_mac"),
            &format!("tb/tb_{n}.v"),
            &format!("synth/{n}_mac_pnr_top.v"),
        );
        // The overflow run is in the vectors: a saturating design expects both 16-bit bounds.
        if !n.ends_with('w') {
            let expect = std::fs::read_to_string(dir.join("vectors/expect.hex")).unwrap();
            assert!(expect.lines().any(|l| l == "7fff"), "{n}");
            assert!(expect.lines().any(|l| l == "8000"), "{n}");
        }
    }
}

/// The references of narrow designs are checked on their own: renamed to the MAC, they pass
/// the golden vectors of the Rust model, and the proofs pass.
#[test]
fn paper16_designs_prove_and_their_references_pass_the_vectors() {
    if !have(&[yosys::YOSYS, icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let out = scratch("narrow-prove");
    let configs: Vec<_> = NARROW.iter().map(|n| config(n)).collect();
    let (code, text) = run(&["-q", "prove"], &out, &configs);
    assert_eq!(code, 0, "{text}");
    for n in NARROW {
        assert!(
            text.lines()
                .any(|l| l.starts_with(n) && l.contains(" proven (")),
            "{n}: {text}"
        );
        common::simulate_reference(&out.join(n), n);
    }
}

/// The saturating folder with the wrapping MAC's RTL (same ports, same widths) fails its
/// vectors (Icarus; both simulators pass the right RTL above) and its proof gives a
/// counterexample; and the other way round.
#[test]
fn saturate_and_wrap_are_told_apart() {
    if !have(&[
        yosys::YOSYS,
        icarus::IVERILOG,
        icarus::VVP,
        verilator::VERILATOR,
    ]) {
        return;
    }
    let out = scratch("narrow-swap");
    let (sat, wrap) = ("pot_w4a8_acc16", "pot_w4a8_acc16w");
    let both = [config(sat), config(wrap)];
    let (code, text) = run(&["-q", "generate"], &out, &both);
    assert_eq!(code, 0, "{text}");
    let rtl = |n: &str| out.join(n).join(format!("rtl/{n}_mac.v"));
    let text_of = |n: &str| std::fs::read_to_string(rtl(n)).unwrap();
    let (sat_rtl, wrap_rtl) = (text_of(sat), text_of(wrap));
    assert!(sat_rtl.contains("sum_ovf") && !wrap_rtl.contains("sum_ovf"));
    let swap = |from: &str, text: &str, to: &str| {
        let t = text.replace(
            &format!("module {from}_mac #("),
            &format!("module {to}_mac #("),
        );
        assert_ne!(t, text);
        std::fs::write(rtl(to), t).unwrap();
    };
    swap(wrap, &wrap_rtl, sat);
    swap(sat, &sat_rtl, wrap);
    for n in [sat, wrap] {
        let (code, text) = run(&["-q", "prove", "--no-generate"], &out, &[config(n)]);
        assert_eq!(code, 1, "{n}: {text}");
        assert!(text.contains("counterexample"), "{n}: {text}");
        let (code, text) = run(
            &["-q", "sim", "--no-generate", "--sim", "icarus"],
            &out,
            &[config(n)],
        );
        assert_eq!(code, 1, "{n}: {text}");
        assert!(text.contains("FAIL"), "{n}: {text}");
    }
}

/// `qat --accumulator`: the report counts overflow steps per layer; at 64 bits nothing
/// overflows and the accuracy is the exact one, at 8 bits (wrap) accumulators overflow.
#[test]
fn qat_reports_how_often_a_narrow_accumulator_overflows() {
    let out = scratch("narrow-qat");
    let report = |acc: &str| {
        let dir = out.join(acc.replace(':', "_"));
        let o = potmac()
            .args([
                "-q",
                "qat",
                "--fp-epochs",
                "2",
                "--epochs",
                "1",
                "--hidden",
                "16",
            ])
            .args([
                "--train-limit",
                "200",
                "--test-limit",
                "40",
                "--accumulator",
                acc,
            ])
            .arg("--out")
            .arg(&dir)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{stdout}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            stdout.contains(&format!(
                "accumulator ({})",
                &acc[acc.find(':').unwrap() + 1..]
            )),
            "{stdout}"
        );
        let text = std::fs::read_to_string(dir.join("report.json")).unwrap();
        let j: serde_json::Value = serde_json::from_str(&text).unwrap();
        j["narrow_accumulator"].clone()
    };
    let wide = report("64:saturate");
    assert_eq!(wide["samples"], 40);
    assert_eq!(wide["exact_acc"], wide["narrow_acc"]);
    assert_eq!(wide["class_changes"], 0);
    let layers = wide["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    // 64 inputs × 16 hidden + 16 × 10, per sample.
    assert_eq!(layers[0]["steps"], 40 * 64 * 16);
    assert_eq!(layers[1]["steps"], 40 * 16 * 10);
    assert!(layers.iter().all(|l| l["overflows"] == 0));
    let narrow = report("8:wrap");
    let overflows: u64 = narrow["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["overflows"].as_u64().unwrap())
        .sum();
    assert!(overflows > 0, "{narrow}");
    assert_eq!(narrow["overflow"], "wrap");
}
