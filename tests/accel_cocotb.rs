//! The accelerator through its bus with cocotb and cocotbext-axi: the digits MLP runs once
//! through `potmac infer` (which leaves the program, weight, bias and image files in the
//! folder), the expected results come from the integer model and the cycle model through the
//! library, and the folder's `cocotb/test_accel.py` (AxiLiteMaster on the registers,
//! AxiStreamSource and AxiStreamSink with at least 30 % random pauses on both streams) must
//! pass on Icarus, on the ws and the os accelerator; then (ws) it must fail on a wrong expected
//! logit and on a post-op unit with a wrong rounding constant. The ws folder passes again with
//! the top's `Spram` = 1 (the weight memory single-port).

mod common;

use common::{have, have_python, have_python_package, potmac, run_ok, scratch};
use potmac::config::ArrayShape;
use potmac::hw::accel::{pass_cycles, AccelWidths};
use potmac::infer::{accel_design, compile, Expected};
use potmac::model::read::load_export;
use potmac::tools::icarus;
use potmac::train::data;
use std::path::{Path, PathBuf};
use std::process::Command;

const IMAGES: usize = 20;
const BATCH: u32 = 8;

/// The expected file of `cocotb/test_accel.py` for the first `IMAGES` test images of the
/// export `model` on `shape` with `BATCH` images per pass.
fn expected_json(model_dir: &Path, shape: ArrayShape, name: &str) -> serde_json::Value {
    let export = load_export(model_dir).unwrap();
    let model = &export.model;
    let mut test = data::load(export.dataset().unwrap(), None).unwrap().test;
    let per = model.input.0 * model.input.1 * model.input.2;
    test.truncate(IMAGES, per);
    let design = accel_design(model, shape, BATCH, name).unwrap();
    let program = compile(model, &design).unwrap();
    let w = AccelWidths::new(&design);
    let wdec = model.decoded();
    let last = model.layers.len() - 1;
    let expected: Vec<Expected> = (0..IMAGES)
        .map(|i| {
            Expected::new(
                model,
                &wdec,
                &model.quantize_input(&test.x[i * per..][..per]),
            )
        })
        .collect();
    let passes: Vec<u64> = (0..IMAGES)
        .step_by(BATCH as usize)
        .map(|p| {
            let b = (IMAGES - p).min(BATCH as usize) as u32;
            pass_cycles(w.side, w.dataflow, &program.descriptors, b)
        })
        .collect();
    serde_json::json!({
        "images": IMAGES,
        "batch": BATCH,
        "image_words": program.in_words,
        "outputs": model.classes,
        "layers": model.layers.len(),
        "classes": expected.iter().map(|e| e.class).collect::<Vec<_>>(),
        "logits": expected.iter().map(|e| e.layer_out(last).to_vec()).collect::<Vec<_>>(),
        "pass_cycles": passes,
    })
}

/// `potmac infer` on `shape` (its folder with the infer/*.hex files) and the expected file
/// written into it: (folder, expected).
fn infer_folder(model: &Path, out: &Path, shape: &str) -> (PathBuf, serde_json::Value) {
    let text = run_ok(
        potmac()
            .args(["-q", "infer", "--array", shape, "--sim", "icarus"])
            .args(["--samples", &IMAGES.to_string()])
            .args(["--batch", &BATCH.to_string()])
            .arg("--out")
            .arg(out)
            .arg(model),
    );
    assert!(text.contains("PASS, every prediction and logit"), "{text}");
    let shape: ArrayShape = shape.parse().unwrap();
    let name = format!(
        "infer_pot4_{}{}x{}",
        shape.dataflow.name(),
        shape.rows,
        shape.cols
    );
    let dir = out.join(&name);
    let exp = expected_json(model, shape, &name);
    std::fs::write(
        dir.join("infer/expected.json"),
        serde_json::to_string_pretty(&exp).unwrap(),
    )
    .unwrap();
    let words = std::fs::read_to_string(dir.join("infer/images.hex")).unwrap();
    let per = exp["image_words"].as_u64().unwrap() as usize;
    assert_eq!(words.lines().count(), IMAGES * per, "{name}: images.hex");
    (dir, exp)
}

/// `python3 cocotb/run.py --sim icarus` in `dir`: (exit code, stdout and stderr).
fn cocotb(dir: &Path) -> (Option<i32>, String) {
    cocotb_with(dir, &[])
}

/// The same with more arguments (`--param NAME=VALUE`).
fn cocotb_with(dir: &Path, more: &[&str]) -> (Option<i32>, String) {
    let o = Command::new("python3")
        .args(["cocotb/run.py", "--sim", "icarus"])
        .args(more)
        .current_dir(dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    (o.status.code(), text)
}

/// The stall percentages the test logs: (input, output).
fn stalls(text: &str) -> (f64, f64) {
    let line = text
        .lines()
        .find_map(|l| l.split_once("stalls: input ").map(|x| x.1))
        .unwrap_or_else(|| panic!("no stall line:\n{text}"));
    let nums: Vec<f64> = line
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|t| t.parse().ok())
        .collect();
    (nums[0], nums[1])
}

/// Replace `from` by `to` (exactly once) in a generated file; the original text.
fn plant(path: &Path, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        text.matches(from).count(),
        1,
        "{}: `{from}`",
        path.display()
    );
    std::fs::write(path, text.replace(from, to)).unwrap();
    text
}

#[test]
fn cocotb_runs_the_digits_mlp_through_the_bus_with_stalls_and_fails_planted_bugs() {
    if !have(&[icarus::IVERILOG, icarus::VVP])
        || !have_python("cocotb")
        || !have_python_package("cocotbext.axi", "cocotbext-axi")
    {
        return;
    }
    let base = scratch("accel_cocotb");
    let model = base.join("digits_pot4");
    run_ok(
        potmac()
            .args([
                "-q",
                "qat",
                "--dataset",
                "digits",
                "--weights",
                "pot:4",
                "--out",
            ])
            .arg(&model),
    );
    let out = base.join("hdl");
    // Both dataflows pass; the planted bugs go into the ws folder.
    let mut ws = None;
    for shape in ["8x8:ws", "8x8:os"] {
        let (dir, exp) = infer_folder(&model, &out, shape);
        let (code, text) = cocotb(&dir);
        assert_eq!(code, Some(0), "{shape}: {text}");
        assert!(text.contains("1 of 1 tests passed"), "{shape}: {text}");
        assert!(
            text.contains("PASS 20 images, 3 passes: every logit, class and pass cycle count"),
            "{shape}: {text}"
        );
        let (s_in, s_out) = stalls(&text);
        assert!(
            s_in >= 30.0 && s_out >= 30.0,
            "{shape}: stalls {s_in} %, {s_out} %"
        );
        ws.get_or_insert((dir, exp));
    }
    let (dir, exp) = ws.unwrap();
    // The weight memory single-port (the UP5K's SPRAM; `potmac synth --dsp` sets
    // Spram on iCE40): the bus writes it between runs, so the results are the same.
    let spram = ["--param", "Spram=1"];
    let (code, text) = cocotb_with(&dir, &spram);
    assert_eq!(code, Some(0), "Spram=1: {text}");
    assert!(
        !text.contains("parameter Spram not found"),
        "Spram=1: {text}"
    );
    assert!(
        text.contains("PASS 20 images, 3 passes: every logit, class and pass cycle count"),
        "Spram=1: {text}"
    );
    // and it is the single-port memory that runs: writing at the read address breaks it.
    let ram = dir.join(format!(
        "rtl/{}_ram.v",
        dir.file_name().unwrap().to_str().unwrap()
    ));
    let orig = plant(
        &ram,
        "wire [AddrWidth-1:0] addr = we_i ? waddr_i : raddr_i;",
        "wire [AddrWidth-1:0] addr = raddr_i;",
    );
    let (code, text) = cocotb_with(&dir, &spram);
    assert_eq!(code, Some(1), "Spram=1, planted: {text}");
    std::fs::write(&ram, orig).unwrap();
    let exp_path = dir.join("infer/expected.json");
    let name = dir.file_name().unwrap().to_str().unwrap().to_string();

    // One expected logit off by one.
    let mut bad = exp.clone();
    let l = bad["logits"][7][3].as_i64().unwrap();
    bad["logits"][7][3] = (l + 1).into();
    std::fs::write(&exp_path, serde_json::to_string(&bad).unwrap()).unwrap();
    let (code, text) = cocotb(&dir);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("0 of 1 tests passed"), "{text}");
    assert!(
        text.contains(&format!(
            "image 7 logit 3: hardware {l}, integer model {}",
            l + 1
        )),
        "{text}"
    );
    std::fs::write(&exp_path, serde_json::to_string(&exp).unwrap()).unwrap();

    // The post-op unit rounds with +0 instead of +1 after the S-1 shift: hidden activations,
    // and with them logits, differ.
    plant(
        &dir.join(format!("rtl/{name}_postop.v")),
        "{{ActWidth{1'b0}}, 1'b1}",
        "{{ActWidth{1'b0}}, 1'b0}",
    );
    let (code, text) = cocotb(&dir);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("0 of 1 tests passed"), "{text}");
    assert!(text.contains(": hardware "), "{text}");
}
