//! `potmac import model.onnx` refuses hostile graphs: each edit of the CNN fixture of
//! `verification/onnx/` (an unsupported operator, a missing or misshaped tensor, external
//! data, a wrong flag) exits 2 with one error line naming the node, tensor, file or flag, and
//! writes nothing.

mod common;

use common::onnx::{edited, fixture, node};
use common::{potmac, run_ok, scratch};
use potmac::train::onnx::proto;
use prost::Message;
use std::path::Path;

/// `potmac import` of `file` with `extra` flags into `out`: exit 2, the one error line
/// holding every `want`, and no output folder.
fn refused(file: &Path, extra: &[&str], want: &[&str]) {
    let out = file.with_extension("out");
    let o = potmac()
        .args(["-q", "import"])
        .arg(file)
        .args(["--dataset", "digits", "--out"])
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}: {err}", file.display());
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    for w in want {
        assert!(err.contains(w), "`{w}` not in: {err}");
    }
    assert!(!out.exists());
}

#[test]
fn hostile_graphs_exit_2_naming_the_node_tensor_file_or_flag() {
    let dir = scratch("onnx_hostile");
    let sigmoid = edited(&dir, "sigmoid.onnx", |g| {
        node(g, "/relu1/Relu").op_type = "Sigmoid".into()
    });
    refused(
        &sigmoid,
        &[],
        &[
            "`/relu1/Relu` (Sigmoid)",
            "Sigmoid is not supported",
            "Conv, Gemm",
        ],
    );
    let quant = edited(&dir, "qonnx.onnx", |g| {
        let n = node(g, "/relu2/Relu");
        n.op_type = "BipolarQuant".into();
        n.domain = "qonnx.custom_op.general".into();
    });
    refused(
        &quant,
        &[],
        &["`/relu2/Relu` (BipolarQuant)", "qonnx.custom_op.general"],
    );
    let stride = edited(&dir, "stride3.onnx", |g| {
        let n = node(g, "/conv1/Conv");
        n.attribute
            .iter_mut()
            .find(|a| a.name == "strides")
            .unwrap()
            .ints = vec![3, 3];
    });
    refused(&stride, &[], &["`/conv1/Conv` (Conv)", "strides [3, 3]"]);
    // A 2x2 kernel: the weight [8, 1, 3, 3] becomes [8, 1, 2, 2], kernel_shape dropped
    // (inferred from the weight).
    let kernel = edited(&dir, "kernel2.onnx", |g| {
        let w = g
            .initializer
            .iter_mut()
            .find(|t| t.name == "conv1.weight")
            .unwrap();
        w.dims = vec![8, 1, 2, 2];
        w.raw_data.truncate(8 * 4 * 4);
        node(g, "/conv1/Conv")
            .attribute
            .retain(|a| a.name != "kernel_shape");
    });
    refused(
        &kernel,
        &[],
        &["`/conv1/Conv` (Conv)", "[8, 1, 2, 2]", "1, 3 or 5"],
    );
    let short = edited(&dir, "short.onnx", |g| {
        let w = g
            .initializer
            .iter_mut()
            .find(|t| t.name == "bn2.running_var")
            .unwrap();
        w.raw_data.truncate(20);
    });
    refused(
        &short,
        &[],
        &["short.onnx", "`bn2.running_var`", "holds 20 bytes"],
    );
    let identity = edited(&dir, "norelu.onnx", |g| {
        node(g, "/relu1/Relu").op_type = "Identity".into()
    });
    refused(&identity, &[], &["`/conv2/Conv` (Conv)", "no Relu between"]);
    // External data: a short data file, and a location outside the model's folder.
    let ext = dir.join("ext.onnx");
    std::fs::copy(fixture("digits_mlp_ext.onnx"), &ext).unwrap();
    let data = std::fs::read(fixture("digits_mlp_ext.onnx.data")).unwrap();
    std::fs::write(
        dir.join("digits_mlp_ext.onnx.data"),
        &data[..data.len() - 4],
    )
    .unwrap();
    refused(
        &ext,
        &[],
        &["ext.onnx", "digits_mlp_ext.onnx.data", "holds"],
    );
    let bytes = std::fs::read(fixture("digits_mlp_ext.onnx")).unwrap();
    let mut m = proto::ModelProto::decode(&bytes[..]).unwrap();
    for t in &mut m.graph.as_mut().unwrap().initializer {
        for e in &mut t.external_data {
            if e.key == "location" {
                e.value = "../digits_mlp_ext.onnx.data".into();
            }
        }
    }
    let up = dir.join("up.onnx");
    std::fs::write(&up, m.encode_to_vec()).unwrap();
    refused(&up, &[], &["up.onnx", "inside the model's folder"]);
    let bytes = std::fs::read(fixture("digits_cnn_bn.onnx")).unwrap();
    let trunc = dir.join("truncated.onnx");
    std::fs::write(&trunc, &bytes[..bytes.len() / 2]).unwrap();
    refused(&trunc, &[], &["truncated.onnx", "not a valid ONNX"]);
    let cnn = fixture("digits_cnn_bn.onnx");
    refused(&cnn, &["--arch", "mlp:64,10"], &["--arch", "ONNX"]);
    refused(
        &fixture("digits_mlp_norm_graph.onnx"),
        &["--input-norm", "0.3,0.1"],
        &[
            "--input-norm",
            "`/norm/Sub` (Sub)",
            "normalizes its input itself",
        ],
    );
    let shifted = edited(&dir, "shifted.onnx", |g| {
        let n = node(g, "/conv1/Conv");
        n.input[0] = "/norm/Sub_output_0".into();
        let sub = proto::NodeProto {
            input: vec!["input".into(), "bn1.bias".into()],
            output: vec!["/norm/Sub_output_0".into()],
            name: "/norm/Sub".into(),
            op_type: "Sub".into(),
            ..Default::default()
        };
        g.node.insert(0, sub);
    });
    refused(&shifted, &[], &["`/norm/Sub` (Sub)", "one value"]);
    let padded = edited(&dir, "padded.onnx", |g| {
        node(g, "/conv1/Conv").input[0] = "/norm/Sub_output_0".into();
        g.initializer.push(proto::TensorProto {
            name: "mean".into(),
            data_type: 1,
            float_data: vec![0.3],
            ..Default::default()
        });
        let sub = proto::NodeProto {
            input: vec!["input".into(), "mean".into()],
            output: vec!["/norm/Sub_output_0".into()],
            name: "/norm/Sub".into(),
            op_type: "Sub".into(),
            ..Default::default()
        };
        g.node.insert(0, sub);
    });
    refused(
        &padded,
        &[],
        &["`/norm/Sub` (Sub)", "`/conv1/Conv` (Conv)", "padding 1"],
    );
    refused(
        &cnn,
        &["--input-norm", "0.3,0.1"],
        &["--input-norm", "padding", "`/conv1/Conv`"],
    );
    // BatchNorm statistics in a safetensors file: named, with the way to import it.
    let st = dir.join("bn.safetensors");
    let h = r#"{"bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}"#;
    let mut b = (h.len() as u64).to_le_bytes().to_vec();
    b.extend_from_slice(h.as_bytes());
    b.extend_from_slice(&[0; 8]);
    std::fs::write(&st, b).unwrap();
    refused(
        &st,
        &["--arch", "mlp:64,10"],
        &["`bn.num_batches_tracked`", "BatchNorm", "ONNX"],
    );
    // `features`/`classifier` sort as classifier first: the shape error suggests --layers.
    let st = dir.join("order.safetensors");
    let tensors = [
        ("classifier.weight", [10, 32]),
        ("features.weight", [32, 64]),
    ];
    let mut header = Vec::new();
    let mut at = 0;
    for (name, [o, i]) in tensors {
        let n = o * i * 4;
        header.push(format!(
            r#""{name}":{{"dtype":"F32","shape":[{o},{i}],"data_offsets":[{at},{}]}}"#,
            at + n
        ));
        at += n;
    }
    let h = format!("{{{}}}", header.join(","));
    let mut b = (h.len() as u64).to_le_bytes().to_vec();
    b.extend_from_slice(h.as_bytes());
    for i in 0..at / 4 {
        b.extend_from_slice(&(0.05 * ((i % 7) as f32 - 3.0)).to_le_bytes());
    }
    std::fs::write(&st, b).unwrap();
    refused(
        &st,
        &["--arch", "mlp:64,32,10"],
        &["`classifier.weight`", "--layers"],
    );
    let out = dir.join("order.out");
    run_ok(
        potmac()
            .args(["-q", "import"])
            .arg(&st)
            .args(["--arch", "mlp:64,32,10", "--layers", "features,classifier"])
            .args(["--dataset", "digits", "--out"])
            .arg(&out),
    );
}
