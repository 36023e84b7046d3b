//! `potmac infer`: a trained network runs end to end on the generated accelerator. The digits
//! MLP of `potmac qat --dataset digits --weights pot:4` (default run) runs all 360 test images
//! on Verilator and on Icarus with the hardware's prediction, logits and cycles equal to the
//! integer model's and the cycle model's; a wrong rounding constant in the post-op unit and an
//! off-by-one in the sequencer each make `infer` exit 1; the output-stationary accelerator runs
//! all 360 images on Verilator with the same result; six runs of 64 images, two side by side
//! (`--jobs 2`), give the same result and still fail on the planted rounding bug. The post-op
//! unit's own testbench
//! passes on both simulators and fails on the planted bug, and every accelerator module is
//! lint-clean. The post-op golden model is anchored on the integer model's requantization.
//!
//! The digits CNN (`potmac qat --dataset digits --model cnn`: two 3×3 convolutions with
//! padding and 2×2 max-pools, then a dense layer) runs on the 8×8 ws accelerator on Verilator
//! (all 360 images) and Icarus (64), and on a 3×3 array at batch 7, every logit and pass
//! equal to the models; a padding off-by-one in the sequencer's address generator and a pool
//! that keeps a window's first value instead of its largest each make `infer` exit 1 naming
//! layer 0 (and the ws accelerator's 360 images run on Icarus too, in a test of their own).
//! The output-stationary accelerator runs it too: all 360 images on Verilator and on
//! Icarus, a 3×3 array at batch 7, every logit and pass equal to the models, and the same two
//! planted bugs in its sequencer and datapath each fail naming layer 0.

mod common;

use common::{have, lint_clean_rtl, potmac, root, run_ok, scratch};
use potmac::config::Design;
use potmac::hw::accel::{PostopWidths, MAX_S};
use potmac::model::{requant_params, requantize};
use potmac::rng::Rng;
use potmac::tools::{icarus, verilator};
use std::path::Path;

/// The default digits run: 98.89 % with the integer model (docs/qat.md).
fn export(dir: &Path) {
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
            .arg(dir),
    );
}

fn infer(export: &Path, out: &Path, args: &[&str]) -> (Option<i32>, String) {
    infer_on("8x8:ws", export, out, args)
}

fn infer_on(array: &str, export: &Path, out: &Path, args: &[&str]) -> (Option<i32>, String) {
    let o = potmac()
        .args(["-q", "infer", "--array", array, "--out"])
        .arg(out)
        .args(args)
        .arg(export)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    (o.status.code(), text)
}

/// Replace `from` by `to` (exactly once) in a generated file.
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
fn the_digits_mlp_runs_prediction_for_prediction_and_planted_bugs_fail() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let base = scratch("infer");
    let model = base.join("digits_pot4");
    export(&model);
    let out = base.join("hdl");
    let (code, text) = infer(&model, &out, &["--sim", "verilator"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(
            "360/360 images, hardware top-1 98.89 % (356/360), integer model 98.89 % (356/360)"
        ),
        "{text}"
    );
    assert!(text.contains("PASS, every prediction and logit"), "{text}");
    let (code, text) = infer(&model, &out, &["--sim", "icarus", "--no-generate"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(
            "360/360 images, hardware top-1 98.89 % (356/360), integer model 98.89 % (356/360)"
        ),
        "{text}"
    );
    let rep = std::fs::read_to_string(out.join("infer_pot4_ws8x8/infer/report.json")).unwrap();
    assert!(rep.contains("\"simulator\": \"icarus\""), "{rep}");

    // Runs side by side: at batch 4 a run holds 64 images, so the 360 go in 6 runs, 2 at a
    // time; the same result, checked in order, and a planted bug still fails naming a sample.
    let par = base.join("par");
    let (code, text) = infer(
        &model,
        &par,
        &["--sim", "verilator", "--batch", "4", "--jobs", "2"],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(
            "360/360 images, hardware top-1 98.89 % (356/360), integer model 98.89 % (356/360)"
        ),
        "{text}"
    );
    assert!(text.contains("cycles/s with 2 at once"), "{text}");
    let rep = std::fs::read_to_string(par.join("infer_pot4_ws8x8/infer/report.json")).unwrap();
    assert!(rep.contains("\"processes\": 2"), "{rep}");
    for log in ["run.log", "run_1.log"] {
        let log = par.join("infer_pot4_ws8x8/build/accel_verilator").join(log);
        assert!(log.exists(), "{}", log.display());
    }
    let postop = par.join("infer_pot4_ws8x8/rtl/infer_pot4_ws8x8_postop.v");
    plant(
        &postop,
        "{{ActWidth{1'b0}}, 1'b1}",
        "{{ActWidth{1'b0}}, 1'b0}",
    );
    let (code, text) = infer(
        &model,
        &par,
        &[
            "--sim",
            "verilator",
            "--batch",
            "4",
            "--jobs",
            "2",
            "--no-generate",
        ],
    );
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("FAIL sample "), "{text}");

    // A wrong rounding constant in the post-op unit (+0 instead of +1 after the S-1 shift).
    let dir = out.join("infer_pot4_ws8x8");
    let postop = dir.join("rtl/infer_pot4_ws8x8_postop.v");
    let good = plant(
        &postop,
        "{{ActWidth{1'b0}}, 1'b1}",
        "{{ActWidth{1'b0}}, 1'b0}",
    );
    let (code, text) = infer(
        &model,
        &out,
        &["--sim", "icarus", "--samples", "64", "--no-generate"],
    );
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("FAIL sample "), "{text}");
    assert!(text.contains("first differing layer 0"), "{text}");
    std::fs::write(&postop, good).unwrap();

    // The sequencer streams one image too few per tile (its "next image is the batch's last"
    // flag compares with batch - 3 instead of batch - 2).
    let seq = dir.join("rtl/infer_pot4_ws8x8_seq.v");
    plant(
        &seq,
        "bm2_d   = batch_i - {{(BatchWidth-1){1'b0}}, 1'b1} - {{(BatchWidth-1){1'b0}}, 1'b1};",
        "bm2_d   = batch_i - {{(BatchWidth-1){1'b0}}, 1'b1} - {{(BatchWidth-2){1'b0}}, 2'd2};",
    );
    let (code, text) = infer(
        &model,
        &out,
        &["--sim", "icarus", "--samples", "16", "--no-generate"],
    );
    assert_eq!(code, Some(1), "{text}");
    // The last image of every tile is lost: layer 0's N-tiles never end where they should.
    assert!(text.contains("FAIL sample "), "{text}");
    assert!(text.contains("first differing layer 0"), "{text}");

    // The output-stationary accelerator: the same predictions and logits, its own cycle model.
    let text = run_ok(
        potmac()
            .args([
                "-q",
                "infer",
                "--array",
                "8x8:os",
                "--sim",
                "verilator",
                "--out",
            ])
            .arg(&out)
            .arg(&model),
    );
    assert!(
        text.contains(
            "infer_pot4_os8x8 verilator: 360/360 images, hardware top-1 98.89 % (356/360), integer model 98.89 % (356/360)"
        ),
        "{text}"
    );
    assert!(text.contains("PASS, every prediction and logit"), "{text}");
}

#[test]
fn the_digits_cnn_runs_on_ws_and_os_accelerators_and_planted_conv_bugs_fail() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let base = scratch("infer_cnn");
    let model = base.join("digits_cnn_pot4");
    run_ok(
        potmac()
            .args([
                "-q",
                "qat",
                "--dataset",
                "digits",
                "--model",
                "cnn",
                "--weights",
                "pot:4",
                "--out",
            ])
            .arg(&model),
    );
    let out = base.join("hdl");
    let all = "360/360 images, hardware top-1 97.50 % (351/360), integer model 97.50 % (351/360)";
    let (code, text) = infer(&model, &out, &["--sim", "verilator"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(all), "{text}");
    assert!(text.contains("PASS, every prediction and logit"), "{text}");
    let (code, text) = infer(
        &model,
        &out,
        &["--sim", "icarus", "--samples", "64", "--no-generate"],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("PASS, every prediction and logit"), "{text}");

    // An odd shape: 3×3, 7 images per pass (blocks of a partial last image group).
    let (code, text) = infer_on(
        "3x3:ws",
        &model,
        &out,
        &["--sim", "verilator", "--batch", "7"],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(all), "{text}");

    // Planted: the padding's lower bound off by one (the first input row and column read
    // as padding), then a pool that keeps the window's first value.
    let dir = out.join("infer_pot4_ws8x8");
    let seq = dir.join("rtl/infer_pot4_ws8x8_seq.v");
    let core = dir.join("rtl/infer_pot4_ws8x8_core.v");
    for (file, from, to) in [
        (&seq, "(py >= pad_p)", "(py > pad_p)"),
        (
            &core,
            "(q_wfirst || act > old) ? act : old",
            "q_wfirst ? act : old",
        ),
    ] {
        let good = plant(file, from, to);
        let (code, text) = infer(
            &model,
            &out,
            &["--sim", "verilator", "--samples", "64", "--no-generate"],
        );
        assert_eq!(code, Some(1), "{from}: {text}");
        assert!(text.contains("first differing layer 0"), "{from}: {text}");
        std::fs::write(file, good).unwrap();
    }

    // The output-stationary accelerator: the same images and logits (its own cycles).
    let (code, text) = infer_on("8x8:os", &model, &out, &["--sim", "verilator"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(all), "{text}");
    assert!(text.contains("PASS, every prediction and logit"), "{text}");
    // Every image on Icarus too (about 75 s: os needs half the ws cycles; the ws
    // accelerator's 360 Icarus images, about 5 minutes, are a test of their own).
    let (code, text) = infer_on(
        "8x8:os",
        &model,
        &out,
        &["--sim", "icarus", "--no-generate"],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(all), "{text}");
    assert!(text.contains("PASS, every prediction and logit"), "{text}");
    let (code, text) = infer_on(
        "3x3:os",
        &model,
        &out,
        &["--sim", "verilator", "--batch", "7"],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(all), "{text}");
    let dir = out.join("infer_pot4_os8x8");
    let seq = dir.join("rtl/infer_pot4_os8x8_seq.v");
    let core = dir.join("rtl/infer_pot4_os8x8_core.v");
    for (file, from, to) in [
        (&seq, "(py >= pad_p)", "(py > pad_p)"),
        (
            &core,
            "(q_wfirst || act > old) ? act : old",
            "q_wfirst ? act : old",
        ),
    ] {
        let good = plant(file, from, to);
        let (code, text) = infer_on(
            "8x8:os",
            &model,
            &out,
            &["--sim", "verilator", "--samples", "64", "--no-generate"],
        );
        assert_eq!(code, Some(1), "os {from}: {text}");
        assert!(
            text.contains("first differing layer 0"),
            "os {from}: {text}"
        );
        std::fs::write(file, good).unwrap();
    }
}

/// The digits CNN's every image on Icarus on the ws accelerator (about 5 minutes: its own
/// test, so that it runs beside the others).
#[test]
fn the_digits_cnn_runs_every_image_on_icarus_ws() {
    if !have(&[icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let base = scratch("infer_cnn_icarus");
    let model = base.join("digits_cnn_pot4");
    run_ok(
        potmac()
            .args([
                "-q",
                "qat",
                "--dataset",
                "digits",
                "--model",
                "cnn",
                "--weights",
                "pot:4",
                "--out",
            ])
            .arg(&model),
    );
    let (code, text) = infer_on("8x8:ws", &model, &base.join("hdl"), &["--sim", "icarus"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(
            "360/360 images, hardware top-1 97.50 % (351/360), integer model 97.50 % (351/360)"
        ),
        "{text}"
    );
    assert!(text.contains("PASS, every prediction and logit"), "{text}");
}

#[test]
fn postop_testbench_passes_on_both_simulators_and_catches_a_rounding_bug() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let out = scratch("accel_postop");
    let cfg = root().join("verification/configs/accel/pot_w4a8_accel8x8.yaml");
    let o = potmac()
        .args(["-q", "sim", "--sim", "both", "--out"])
        .arg(&*out)
        .arg(&cfg)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert_eq!(text.matches("PASS").count(), 2, "{text}");
    let dir = out.join("pot_w4a8_accel8x8");
    let d = Design::from_file(&cfg).unwrap();
    let m = potmac::emit::AccelModules::new(&d);
    lint_clean_rtl(&dir, &m.top, &m.tb_file);
    lint_clean_rtl(&dir, &m.postop, &format!("tb/{}.v", m.tb_postop));
    plant(
        &dir.join(format!("rtl/{}.v", m.postop)),
        "{{ActWidth{1'b0}}, 1'b1}",
        "{{ActWidth{1'b0}}, 1'b0}",
    );
    let o = potmac()
        .args(["-q", "sim", "--sim", "icarus", "--no-generate", "--out"])
        .arg(&*out)
        .arg(&cfg)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL"), "{text}");
}

/// The post-op unit's golden model (shift by S−1, add 1, shift by 1) equals the integer
/// model's `clamp((x·M + 2^(S−1)) >> S, 0, 2^a − 1)` for the export's M and S and for any S.
#[test]
fn postop_model_equals_the_integer_requantization() {
    let w = PostopWidths::new(25, 25, 8);
    let mut rng = Rng::new(7);
    for i in 0..200_000 {
        let acc = rng.range_i64(-(1 << 24), (1 << 24) - 1);
        let bias = rng.range_i64(-(1 << 24), (1 << 24) - 1);
        let (m, s) = if i % 2 == 0 {
            let r = requant_params(2f64.powf(rng.next_f64() * 40.0 - 30.0)).unwrap();
            (r.m, r.s)
        } else {
            (
                rng.below(1 << 16) as i64,
                1 + rng.below(u64::from(MAX_S)) as u32,
            )
        };
        assert_eq!(
            w.apply(acc, bias, m as u32, s, false),
            requantize(acc + bias, m, s, 8),
            "acc {acc} bias {bias} M {m} S {s}"
        );
    }
}
