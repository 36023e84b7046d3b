//! Per-output-channel requantization (`requant_channels` in `model.json`): exports carry it,
//! the reader validates it (length, M and S ranges, hidden layers only, naming the layer and
//! the field) and reads exports without it as before; a network whose every hidden layer has
//! its own M, S per output channel runs on the accelerator bit-exactly, the digits CNN on a
//! 2×2 weight-stationary array and an MLP on a 3×3 output-stationary one (Verilator), every
//! logit and class equal to the integer model's. No trainer writes per-channel constants
//! yet, so the tests derive them from a real export: each channel's multiplier is the layer's
//! times its own factor. A core whose post-op units read the M of the neighbouring column
//! ((c + 1) mod C) fails on the per-channel network while the per-tensor one (every column's
//! M equal) still passes on it.

mod common;

use common::{have, potmac, scratch, tiny_export};
use potmac::model::dataset::DataSet;
use potmac::model::read::load_export;
use potmac::model::write::{sha256_hex, write_export};
use potmac::model::{requant_params, IntModel, Requant};
use potmac::tools::verilator;
use std::fs;
use std::path::Path;

/// The multiplier of channel `o` of layer `l`: the layer's times 2^(k/4), k in −3..=3, a
/// different k for neighbouring channels.
fn channel_requant(rq: Requant, l: usize, o: usize) -> Requant {
    let k = ((o * 5 + l * 3) % 7) as f64 - 3.0;
    let r = rq.m as f64 / 2f64.powi(rq.s as i32) * 2f64.powf(k / 4.0);
    requant_params(r).unwrap()
}

/// The export at `src` with per-channel requantization on every hidden layer, written to
/// `dst` (golden vectors recomputed). Layer 0 keeps its per-tensor `requant` beside the
/// channels (informational), the other hidden layers have only the channels.
fn per_channel(src: &Path, dst: &Path) -> (IntModel, IntModel) {
    let e = load_export(src).unwrap();
    let mut im = e.model.clone();
    for (l, layer) in im.layers.iter_mut().enumerate() {
        if let Some(rq) = layer.requant {
            let ch = (0..layer.bias.len())
                .map(|o| channel_requant(rq, l, o))
                .collect();
            layer.requant_channels = Some(ch);
            if l > 0 {
                layer.requant = None;
            }
        }
    }
    let d = potmac::train::data::digits().unwrap();
    let samples = e.manifest.samples;
    write_export(dst, &im, DataSet::Digits, &d.test.x, &d.test.y, samples).unwrap();
    (e.model, im)
}

/// Hidden-layer activations of the first `n` test images that differ between two models.
fn differing_activations(a: &IntModel, b: &IntModel, n: usize) -> usize {
    let d = potmac::train::data::digits().unwrap();
    let per = d.per_sample();
    (0..n)
        .map(|i| {
            let x = a.quantize_input(&d.test.x[i * per..(i + 1) * per]);
            let (ta, tb) = (a.infer(&x), b.infer(&x));
            ta.iter()
                .zip(&tb)
                .map(|(p, q)| {
                    p.act_out
                        .iter()
                        .zip(&q.act_out)
                        .filter(|(u, v)| u != v)
                        .count()
                })
                .sum::<usize>()
        })
        .sum()
}

/// Edit `model.json` as JSON and rewrite its checksum, so that only the model's own checks
/// can refuse it.
fn forge(dir: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("model.json");
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    f(&mut v);
    let text = serde_json::to_string_pretty(&v).unwrap() + "\n";
    fs::write(&path, &text).unwrap();
    let mp = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&fs::read(&mp).unwrap()).unwrap();
    for file in m["files"].as_array_mut().unwrap() {
        if file["name"] == "model.json" {
            file["sha256"] = sha256_hex(text.as_bytes()).into();
            file["bytes"] = text.len().into();
        }
    }
    fs::write(&mp, serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

fn copy(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn per_channel_exports_round_trip_and_bad_ones_are_refused_by_name() {
    let base = scratch("perchannel_export");
    let old = base.join("per_tensor");
    tiny_export(&old, "pot:4", "mlp");
    // An export without the field: nothing in model.json or manifest.json mentions it.
    for f in ["model.json", "manifest.json"] {
        let text = fs::read_to_string(old.join(f)).unwrap();
        assert!(!text.contains("requant_channels"), "{f}");
        assert!(!text.contains("requant_per_channel"), "{f}");
    }
    let e = load_export(&old).unwrap();
    assert!(e.model.layers.iter().all(|l| l.requant_channels.is_none()));

    let good = base.join("per_channel");
    let (tensor, im) = per_channel(&old, &good);
    let back = load_export(&good).expect("a per-channel export verifies");
    assert_eq!(back.model, im);
    assert!(back.manifest.layers[0].requant_per_channel);
    assert!(!back.manifest.layers[1].requant_per_channel);
    let ch = im.layers[0].requant_channels.as_ref().unwrap();
    assert_eq!(ch.len(), 12);
    assert!(ch.windows(2).all(|w| w[0] != w[1]), "{ch:?}");
    // The channels change what the network computes.
    assert!(differing_activations(&tensor, &im, 16) > 0);

    // Only the channels: a hidden layer without `requant` reads.
    let only = base.join("only_channels");
    let mut im2 = im.clone();
    im2.layers[0].requant = None;
    let d = potmac::train::data::digits().unwrap();
    write_export(&only, &im2, DataSet::Digits, &d.test.x, &d.test.y, 3).unwrap();
    assert_eq!(load_export(&only).unwrap().model, im2);

    type Forgery = Box<dyn Fn(&mut serde_json::Value)>;
    let rq = |m: i64, s: u32| serde_json::json!({"m": m, "s": s});
    let cases: Vec<(&str, Forgery)> = vec![
        (
            "layers[0].requant_channels has 11 entries, the layer has 12 output channels",
            Box::new(|v| {
                v["layers"][0]["requant_channels"]
                    .as_array_mut()
                    .unwrap()
                    .pop();
            }),
        ),
        (
            "layers[0].requant_channels[3]: M = 32767, S = 20",
            Box::new(move |v| v["layers"][0]["requant_channels"][3] = rq(32767, 20)),
        ),
        (
            "layers[0].requant_channels[11]: M = 65536, S = 20",
            Box::new(move |v| v["layers"][0]["requant_channels"][11] = rq(65536, 20)),
        ),
        (
            "layers[0].requant_channels[0]: M = 40000, S = 0",
            Box::new(move |v| v["layers"][0]["requant_channels"][0] = rq(40000, 0)),
        ),
        (
            "layers[0].requant_channels[5]: M = 40000, S = 63",
            Box::new(move |v| v["layers"][0]["requant_channels"][5] = rq(40000, 63)),
        ),
        (
            "layers[1].requant_channels: the last layer has none",
            Box::new(move |v| {
                v["layers"][1]["requant_channels"] = serde_json::json!(vec![rq(40000, 20); 10]);
            }),
        ),
        (
            "layers[0].requant is missing",
            Box::new(|v| {
                let l = v["layers"][0].as_object_mut().unwrap();
                l.remove("requant_channels");
                l.insert("requant".into(), serde_json::Value::Null);
            }),
        ),
    ];
    for (i, (want, f)) in cases.iter().enumerate() {
        let dir = base.join(format!("bad{i}"));
        copy(&good, &dir);
        forge(&dir, f);
        let err = load_export(&dir).err().map(|e| e.to_string());
        let err = err.unwrap_or_else(|| panic!("accepted: {want}"));
        assert!(
            err.contains("model.json") && err.contains(want),
            "`{err}` does not say `{want}`"
        );
    }
    // A manifest that hides the channels is refused too.
    let dir = base.join("manifest");
    copy(&good, &dir);
    let mp = dir.join("manifest.json");
    let text = fs::read_to_string(&mp).unwrap();
    fs::write(
        &mp,
        text.replacen(
            "\"requant_per_channel\": true",
            "\"requant_per_channel\": false",
            1,
        ),
    )
    .unwrap();
    let err = load_export(&dir).unwrap_err().to_string();
    assert!(
        err.contains("layers[0].requant_per_channel = 0, model.json says 1"),
        "{err}"
    );
}

/// `potmac infer` of `export` on `array` (Verilator, 24 images, batch 4): exit code, output.
fn infer(export: &Path, out: &Path, array: &str, extra: &[&str]) -> (Option<i32>, String) {
    let o = potmac()
        .args(["-q", "infer", "--array", array, "--sim", "verilator"])
        .args(["--samples", "24", "--batch", "4", "--out"])
        .arg(out)
        .args(extra)
        .arg(export)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    (o.status.code(), text)
}

const PASS: &str = "PASS, every prediction and logit equals the integer model";

#[test]
fn per_channel_networks_run_bit_exactly_and_a_neighbours_m_fails() {
    if !have(&[verilator::VERILATOR]) {
        return;
    }
    let base = scratch("perchannel");
    let (cnn, cnn_pc) = (base.join("cnn"), base.join("cnn_pc"));
    tiny_export(&cnn, "pot:4", "cnn");
    let (tensor, im) = per_channel(&cnn, &cnn_pc);
    assert!(differing_activations(&tensor, &im, 24) > 0);
    let out = base.join("hdl");

    // ws, the CNN (convolutions 1→8 and 8→16 with pools, dense 64→10) on 2x2.
    let (code, text) = infer(&cnn_pc, &out, "2x2:ws", &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("24/24 images") && text.contains(PASS),
        "{text}"
    );
    let dir = out.join("infer_pot4_ws2x2");
    let top = "infer_pot4_ws2x2_accel";
    let w = verilator::lint(&dir, top, std::time::Duration::from_secs(120)).unwrap();
    assert!(w.is_empty(), "verilator -Wall: {w:#?}");

    // Every post-op unit takes the M of the next column.
    let core = dir.join("rtl/infer_pot4_ws2x2_core.v");
    let text = fs::read_to_string(&core).unwrap();
    let from = ".m_i      (bias_row[gc*BColWidth+BiasWidth +: MWidth]),";
    assert_eq!(text.matches(from).count(), 1, "{}", core.display());
    let to = ".m_i      (bias_row[((gc+1)%Cols)*BColWidth+BiasWidth +: MWidth]),";
    fs::write(&core, text.replace(from, to)).unwrap();
    let (code, text) = infer(&cnn_pc, &out, "2x2:ws", &["--no-generate"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("FAIL sample "), "{text}");
    assert!(text.contains("first differing layer 0"), "{text}");
    // The per-tensor network cannot see it: its columns all hold the same M (8 and 16
    // channels fill the 2x2's N-tiles, so no column past N holds M = 0).
    let (code, text) = infer(&cnn, &out, "2x2:ws", &["--no-generate"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(PASS), "{text}");

    // os, an MLP (12 hidden: N-tiles of 3; 10 logits: the last N-tile one column) on 3x3.
    let (mlp, mlp_pc) = (base.join("mlp"), base.join("mlp_pc"));
    tiny_export(&mlp, "pot:4", "mlp");
    let (tensor, im) = per_channel(&mlp, &mlp_pc);
    assert!(differing_activations(&tensor, &im, 24) > 0);
    let (code, text) = infer(&mlp_pc, &out, "3x3:os", &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("24/24 images") && text.contains(PASS),
        "{text}"
    );
}
