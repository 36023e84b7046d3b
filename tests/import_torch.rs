//! `potmac import` of models trained and exported by PyTorch itself (torch.onnx.export) and by
//! Brevitas (QONNX export, 4-bit weights): the fixtures of `verification/onnx/` made by its
//! committed script `make_torch_fixtures.py`, with torch's outputs recorded in
//! `torch_fixtures.json`, so no Python runs here. Each imports with no `--arch`, its float
//! logits equal torch's and its float test accuracy torch's count, the CNN's BatchNorms fold,
//! and the Brevitas weights import exactly.

mod common;

use common::onnx::fixture;
use common::{potmac, scratch};
use potmac::model::IntModel;
use potmac::train::model::Network;
use potmac::train::normalize::fold_input_norm;
use potmac::train::onnx;
use std::path::Path;

fn reference() -> serde_json::Value {
    common::onnx::reference("torch_fixtures.json")
}

/// The recorded count of correct test predictions of `model`.
fn torch_correct(model: &str) -> u64 {
    reference()["models"][model]["float_test_correct"]
        .as_u64()
        .unwrap()
}

/// Float logits of the first 16 test digits against torch's (1e-4 relative), and the count
/// of correct test predictions against torch's count.
fn matches_torch(net: &Network, model: &str) {
    common::onnx::matches_reference(net, &reference()["models"][model], model, "torch");
}

/// `potmac import file --dataset digits --out dir/out extra..`: exit 0, the integer path
/// agreeing with the fake-quant path, and the float test accuracy torch's. Returns stderr.
fn imports(file: &Path, dir: &Path, model: &str, extra: &[&str]) -> String {
    let o = potmac()
        .args(["import"])
        .arg(file)
        .args(["--dataset", "digits", "--out"])
        .arg(dir.join("out"))
        .args(extra)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(0), "{model}: {stderr}");
    assert!(stdout.contains("class mismatches 0"), "{stdout}");
    let pct = format!(
        "float test accuracy {:.2}%",
        100.0 * torch_correct(model) as f64 / 360.0
    );
    assert!(stderr.contains(&pct), "{model}: `{pct}` not in {stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    stderr.into_owned()
}

#[test]
fn torch_mlp_and_cnn_with_batchnorm_equal_torch() {
    let dir = scratch("torch_fx");
    for model in ["torch_mlp", "torch_cnn_bn"] {
        let file = fixture(&format!("{model}.onnx"));
        let im = onnx::import(&file, (1, 8, 8), 10).unwrap();
        matches_torch(&im.net, model);
        let sub = dir.join(model);
        let stderr = imports(&file, &sub, model, &[]);
        if model == "torch_cnn_bn" {
            // Both BatchNormalization nodes are in the graph and fold into the convolutions.
            assert_eq!(im.net.arch.layers.len(), 3);
            let folded = "BatchNorm folded into per-channel scales";
            for l in 0..2 {
                let line = format!("layer {l}: conv 3x3 stride 1 pad 1");
                let line = stderr.lines().find(|s| s.contains(&line)).unwrap();
                assert!(line.contains(folded), "{line}");
                assert!(
                    line.contains(&format!("`/{}/BatchNormalization`", 1 + 4 * l)),
                    "{line}"
                );
            }
            let md = std::fs::read_to_string(sub.join("out/report.md")).unwrap();
            assert_eq!(md.matches(folded).count(), 2, "{md}");
            assert_eq!(
                im.net
                    .channel_scales
                    .iter()
                    .filter(|g| !g.is_empty())
                    .count(),
                2
            );
        }
    }
}

/// Trained on (x - 0.3) / 0.1 computed outside the model: equal to torch with the
/// normalization folded into layer 0 (`--input-norm 0.3,0.1`).
#[test]
fn torch_mlp_on_normalized_inputs_equals_torch_with_input_norm() {
    let model = "torch_mlp_norm";
    let file = fixture(&format!("{model}.onnx"));
    let mut net = onnx::import(&file, (1, 8, 8), 10).unwrap().net;
    let [mean, std] = [0, 1].map(|i| reference()["input_norm"][i].as_f64().unwrap());
    assert_eq!([mean, std], [0.3, 0.1]);
    fold_input_norm(&mut net, mean, std).unwrap();
    matches_torch(&net, model);
    let dir = scratch("torch_fx_norm");
    imports(&file, &dir, model, &["--input-norm", "0.3,0.1"]);
}

/// Brevitas's QONNX export (`Quant` nodes, 4-bit narrow-range weights on one float scale per
/// tensor): the logits equal the quantized model's as Brevitas computes them, and with
/// `--weights uniform:4` both layers are imported exactly, integer times scale equal to the
/// graph's dequantized weights bit for bit.
#[test]
fn brevitas_qonnx_with_4_bit_weights_imports_exactly() {
    let model = "brevitas_mlp_qonnx";
    let file = fixture(&format!("{model}.onnx"));
    let im = onnx::import(&file, (1, 8, 8), 10).unwrap();
    matches_torch(&im.net, model);
    for line in &im.layers[..2] {
        assert!(line.contains("(from `"), "{line}");
        assert!(line.contains("4-bit integers"), "{line}");
    }
    let dir = scratch("torch_fx_brevitas");
    let stderr = imports(&file, &dir, model, &["--weights", "uniform:4"]);
    let text = std::fs::read_to_string(dir.join("out/model.json")).unwrap();
    let exported: IntModel = serde_json::from_str(&text).unwrap();
    for l in 0..2 {
        let note = format!("layer {l}: weights imported exactly in uniform:4 (no requantization)");
        assert!(stderr.contains(&note), "{stderr}");
        let layer = &exported.layers[l];
        assert_eq!(layer.format.label(), "uniform:4");
        let values: Vec<f32> = layer
            .weight_values()
            .iter()
            .map(|&v| (layer.w_scale * v as f64) as f32)
            .collect();
        assert_eq!(values, im.net.weights[l], "layer {l} not exact");
    }
}
