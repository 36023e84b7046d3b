//! The ONNX fixtures of `verification/onnx/` and the outputs their scripts recorded.

use super::root;
use potmac::train::data::digits;
use potmac::train::model::Network;
use potmac::train::onnx::proto;
use potmac::train::train::evaluate;
use prost::Message;
use std::path::{Path, PathBuf};

pub fn fixture(name: &str) -> PathBuf {
    root().join("verification/onnx").join(name)
}

/// A reference file of the fixtures (`fixtures.json`, `torch_fixtures.json`).
pub fn reference(file: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(fixture(file)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Float logits of the first 16 test digits against the reference's `first_test_logits`
/// (1e-4 relative), and the count of correct test predictions against its
/// `float_test_correct`; `who` names the reference (onnxruntime, torch) in failures.
pub fn matches_reference(net: &Network, r: &serde_json::Value, model: &str, who: &str) {
    let test = digits().unwrap().test;
    let want: Vec<f64> = r["first_test_logits"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
        .collect();
    assert_eq!(want.len(), 160);
    let got = net.forward_float(None, &test.x[..16 * 64], 16);
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        let tol = 1e-4 * (1.0 + w.abs());
        assert!(
            (*g as f64 - w).abs() <= tol,
            "{model}: logit {i} is {g}, {who}'s {w}"
        );
    }
    let correct = (evaluate(net, None, &test).unwrap() * test.len() as f64).round() as u64;
    assert_eq!(
        correct,
        r["float_test_correct"].as_u64().unwrap(),
        "{model}"
    );
}

/// The CNN fixture changed by `edit`, written to `dir/name`.
pub fn edited(dir: &Path, name: &str, edit: impl FnOnce(&mut proto::GraphProto)) -> PathBuf {
    let bytes = std::fs::read(fixture("digits_cnn_bn.onnx")).unwrap();
    let mut m = proto::ModelProto::decode(&bytes[..]).unwrap();
    edit(m.graph.as_mut().unwrap());
    let f = dir.join(name);
    std::fs::write(&f, m.encode_to_vec()).unwrap();
    f
}

pub fn node<'g>(g: &'g mut proto::GraphProto, name: &str) -> &'g mut proto::NodeProto {
    g.node.iter_mut().find(|n| n.name == name).unwrap()
}
