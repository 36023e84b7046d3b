//! `potmac infer --liberty`: the energy of a whole inference. A small digits MLP on a 2×2
//! accelerator mapped to OSU 0.18 µm runs as a gate netlist with every logit equal to the
//! integer model's, and its energy per image is reported by part, the parts and the memories
//! adding up to the total; the same netlist built from RTL with a wrong rounding constant in
//! the post-op unit makes it exit 1; bad flag combinations exit 2 naming the flag.

mod common;

use common::liberty::osu018;
use common::{have, potmac, scratch, tiny_export};
use potmac::tools::{icarus, yosys};
use serde_json::Value;
use std::path::Path;

fn infer(export: &Path, out: &Path, args: &[&str]) -> (Option<i32>, String) {
    let o = potmac()
        .args(["-q", "infer", "--array", "2x2:ws", "--out"])
        .arg(out)
        .args(args)
        .arg(export)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    (o.status.code(), text)
}

#[test]
fn a_whole_inference_on_a_gate_netlist_by_part() {
    let Some(lib) = osu018() else { return };
    if !have(&[yosys::YOSYS, icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let lib = lib.display().to_string();
    let base = scratch("infer_energy");
    let model = base.join("tiny_pot4");
    tiny_export(&model, "pot:4", "mlp");
    let out = base.join("hdl");
    let run = ["--samples", "2", "--batch", "2", "--liberty", &lib];
    let (code, text) = infer(&model, &out, &run);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("PASS, every prediction and logit"), "{text}");
    assert!(
        text.contains("| array |") && text.contains("| memories |"),
        "{text}"
    );
    let dir = out.join("infer_pot4_ws2x2");
    let j: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("infer/energy.json")).unwrap())
            .unwrap();
    assert_eq!(j["images"], 2);
    let parts = j["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 6);
    let mut sum = j["memory_pj"].as_f64().unwrap();
    for p in parts {
        let e = &p[1];
        let t = e["total_pj"].as_f64().unwrap();
        assert!(t > 0.0, "{p}");
        let s = ["switching_pj", "internal_pj", "leakage_pj"]
            .iter()
            .map(|k| e[k].as_f64().unwrap())
            .sum::<f64>();
        assert!((s - t).abs() <= 1e-9 * t, "{p}");
        sum += t;
    }
    let total = j["total_pj"].as_f64().unwrap();
    assert!((sum - total).abs() <= 1e-9 * total, "{sum} {total}");
    // Every memory read once a cycle of the measured run; the weights are only read.
    let cycles = j["cycles"].as_u64().unwrap();
    let mems = j["memories"].as_array().unwrap();
    assert!(mems.iter().all(|m| m["reads"] == cycles), "{j}");
    let wmem = mems
        .iter()
        .find(|m| m["instance"].as_str().unwrap().starts_with("u_core.u_wmem"))
        .unwrap();
    assert_eq!(wmem["writes"], 0);
    // The memories at 1 pJ a bit: the same bits, the figure scales.
    let bits: u64 = mems
        .iter()
        .map(|m| {
            (m["reads"].as_u64().unwrap() + m["writes"].as_u64().unwrap())
                * m["width"].as_u64().unwrap()
        })
        .sum();
    let per_bit = j["mem_pj_per_bit"].as_f64().unwrap();
    let mem = j["memory_pj"].as_f64().unwrap();
    assert!((mem - bits as f64 * per_bit / 2.0).abs() <= 1e-9 * mem);

    // A wrong rounding constant in the post-op unit: the gate netlist differs from the model.
    let postop = dir.join("rtl/infer_pot4_ws2x2_postop.v");
    let good = std::fs::read_to_string(&postop).unwrap();
    let (from, to) = ("{{ActWidth{1'b0}}, 1'b1}", "{{ActWidth{1'b0}}, 1'b0}");
    assert_eq!(good.matches(from).count(), 1);
    std::fs::write(&postop, good.replace(from, to)).unwrap();
    let mut again = run.to_vec();
    again.push("--no-generate");
    let (code, text) = infer(&model, &out, &again);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("FAIL"), "{text}");
    assert!(!text.contains("| array |"), "{text}");

    // Flags: exit 2 naming the flag.
    for (args, flag) in [
        (vec!["--mem-pj-per-bit", "0.1"], "--liberty"),
        (vec!["--liberty", lib.as_str()], "--samples"),
        (
            vec!["--liberty", lib.as_str(), "--per-layer"],
            "--per-layer",
        ),
        (
            vec!["--liberty", lib.as_str(), "--sim", "verilator"],
            "--sim",
        ),
        (
            vec!["--liberty", lib.as_str(), "--mem-pj-per-bit", "nan"],
            "--mem-pj-per-bit",
        ),
    ] {
        let (code, text) = infer(&model, &out, &args);
        assert_eq!(code, Some(2), "{args:?}: {text}");
        assert!(text.contains(flag), "{args:?}: {text}");
    }
}
