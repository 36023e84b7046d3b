//! `potmac import model.onnx`: the fixtures of `verification/onnx/` (made by its committed
//! script with onnx.helper, in torch.onnx.export's layout, with onnxruntime's outputs
//! recorded) import with no `--arch`, their float logits equal onnxruntime's, BatchNorm folds
//! into per-channel requantization that stays bit-exact, weights on a grid import exactly,
//! and equivalent spellings of a graph give the same network (hostile graphs:
//! `import_onnx_hostile.rs`).

mod common;

use common::onnx::{edited, fixture, node};
use common::{have, potmac, run_ok, scratch};
use potmac::model::IntModel;
use potmac::quant::spec::FormatSpec;
use potmac::train::data::digits;
use potmac::train::model::Network;
use potmac::train::normalize::fold_input_norm;
use potmac::train::onnx::{self, proto};
use potmac::train::pipeline::verify;
use potmac::train::train::{evaluate, init_quant, QatConfig};
use std::path::Path;

fn reference() -> serde_json::Value {
    common::onnx::reference("fixtures.json")
}

fn import_net(file: &str) -> Network {
    onnx::import(&fixture(file), (1, 8, 8), 10).unwrap().net
}

/// Float logits of the first 16 test digits against onnxruntime's, and the count of correct
/// test predictions against its count.
fn matches_onnxruntime(net: &Network, model: &str) {
    common::onnx::matches_reference(net, &reference()["models"][model], model, "onnxruntime");
}

#[test]
fn mlp_and_cnn_with_batchnorm_import_with_no_arch_and_equal_onnxruntime() {
    for model in ["digits_mlp", "digits_cnn_bn"] {
        matches_onnxruntime(&import_net(&format!("{model}.onnx")), model);
    }
    // External data: the same MLP with its initializers in digits_mlp_ext.onnx.data.
    let (ext, inline) = (
        import_net("digits_mlp_ext.onnx"),
        import_net("digits_mlp.onnx"),
    );
    assert!(ext.weights == inline.weights && ext.biases == inline.biases);
    assert!(
        ext.origins[0].ends_with("in digits_mlp_ext.onnx"),
        "{:?}",
        ext.origins
    );
    // The normalized-input MLP on raw pixels, its normalization folded into layer 0.
    let mut norm = import_net("digits_mlp_norm.onnx");
    let [mean, std] = [0, 1].map(|i| reference()["input_norm"][i].as_f64().unwrap());
    fold_input_norm(&mut norm, mean, std).unwrap();
    matches_onnxruntime(&norm, "digits_mlp_norm");
    // The same normalization as Sub and Div nodes in the graph: folded with no flag.
    let graph = onnx::import(&fixture("digits_mlp_norm_graph.onnx"), (1, 8, 8), 10).unwrap();
    assert_eq!(
        graph.normalization.as_deref(),
        Some("`/norm/Sub` (Sub), `/norm/Div` (Div)")
    );
    matches_onnxruntime(&graph.net, "digits_mlp_norm_graph");
    // The architecture came from the graph; BatchNorm became per-channel scales of the two
    // convolutions (one of them negative in the graph, folded into the weights' sign).
    let cnn = import_net("digits_cnn_bn.onnx");
    assert_eq!(cnn.arch.layers.len(), 3);
    assert_eq!(
        cnn.channel_scales.iter().filter(|g| !g.is_empty()).count(),
        2
    );
    assert!(cnn.channel_scales.iter().flatten().all(|&g| g > 0.0));
    assert!(
        cnn.origins[0].contains("`/bn1/BatchNormalization`"),
        "{:?}",
        cnn.origins
    );
}

/// The per-channel requantization of the folded BatchNorm: the integer model is bit-exact
/// with the fake-quant path, and at uniform:8 it keeps the float accuracy (a per-tensor
/// requantization, or a wrong channel order, would not).
#[test]
fn cnn_with_batchnorm_exports_per_channel_requantization_bit_exact() {
    let net = import_net("digits_cnn_bn.onnx");
    let data = digits().unwrap();
    let fp = evaluate(&net, None, &data.test).unwrap();
    let cfg = QatConfig {
        weights: FormatSpec::parse("uniform:8").unwrap(),
        first_layer: None,
        last_layer: None,
        act_bits: 8,
        prune: 0.0,
        clip: None,
        act_percentile: 99.99,
        act_momentum: 0.9,
    };
    let q = init_quant(&net, &cfg, &data.train, 512).unwrap();
    let im = IntModel::from_network(&net, &q).unwrap();
    for l in 0..2 {
        let rq = im.layers[l].requant_channels.as_ref().expect("per channel");
        assert_eq!(rq.len(), net.arch.layers[l].out_rows());
        assert!(rq.windows(2).any(|w| w[0] != w[1]), "layer {l}: {rq:?}");
    }
    assert!(im.layers[2].requant_channels.is_none());
    let v = verify(&net, &im, &data.test);
    assert_eq!(v.layer_mismatches, 0, "{v:?}");
    assert!(v.int_acc > fp - 0.02, "integer {} vs float {fp}", v.int_acc);

    // The command line writes the same per-channel constants in model.json.
    let dir = scratch("onnx_cnn_cli");
    let out = dir.join("out");
    let stdout = run_ok(
        potmac()
            .args(["-q", "import"])
            .arg(fixture("digits_cnn_bn.onnx"))
            .args(["--dataset", "digits", "--weights", "pot:4", "--out"])
            .arg(&out),
    );
    assert!(stdout.contains("float 92.78%"), "{stdout}");
    assert!(stdout.contains("class mismatches 0"), "{stdout}");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("model.json")).unwrap()).unwrap();
    assert_eq!(
        m["layers"][0]["requant_channels"].as_array().unwrap().len(),
        8
    );
    assert_eq!(
        m["layers"][1]["requant_channels"].as_array().unwrap().len(),
        16
    );

    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("- graph layer 0: conv 3x3"), "{md}");
    assert!(md.contains("| per channel (8) | per channel |"), "{md}");

    // The whole accelerator runs it on every test image: predictions and logits equal the
    // integer model's, per-channel requantization included.
    if !have(&[potmac::tools::verilator::VERILATOR]) {
        return;
    }
    let text = run_ok(
        potmac()
            .args(["-q", "infer", "--array", "2x2:ws", "--out"])
            .arg(dir.join("accel"))
            .arg(&out),
    );
    assert!(text.contains("360/360 images"), "{text}");
    assert!(
        text.contains("PASS, every prediction and logit equals the integer model"),
        "{text}"
    );
}

/// A float accuracy near chance warns (stderr, exit 0), suggesting `--input-norm`.
#[test]
fn a_float_accuracy_near_chance_warns_about_input_normalization() {
    let dir = scratch("onnx_warn");
    let o = potmac()
        .args(["-q", "import"])
        .arg(fixture("digits_mlp.onnx"))
        .args(["--dataset", "digits", "--input-norm", "1,0.1", "--out"])
        .arg(dir.join("out"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: ") && err.contains("--input-norm"),
        "{err}"
    );
    let o = potmac()
        .args(["-q", "import"])
        .arg(fixture("digits_mlp.onnx"))
        .args(["--dataset", "digits", "--out"])
        .arg(dir.join("out2"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&o.stderr).contains("warning"));
}

/// QONNX (Brevitas's layout: `Quant` nodes on float initializers) and QCDQ
/// (`DequantizeLinear` of int8, `QuantizeLinear` + `Clip` + `DequantizeLinear`): layer 0's
/// integers are 0 or powers of two, layer 1's are 4-bit. Each layer is imported exactly in
/// `--weights` when that format holds its integers, else (layer 0) in the smallest
/// power-of-two format that does, else quantized to `--weights`. The float
/// logits equal onnxruntime's (for QONNX: onnxruntime on the QCDQ form of the same weights,
/// checked against numpy in the script), and the exported layer 0 is the graph's dequantized
/// weights bit for bit.
#[test]
fn quantized_weights_on_a_power_of_two_grid_import_exactly() {
    for model in ["digits_mlp_qonnx", "digits_mlp_qcdq"] {
        let file = fixture(&format!("{model}.onnx"));
        let im = onnx::import(&file, (1, 8, 8), 10).unwrap();
        matches_onnxruntime(&im.net, model);
        let labels: Vec<Option<String>> = im.formats.iter().map(|f| f.map(|f| f.label())).collect();
        assert_eq!(labels, [Some("pot:4".to_string()), None], "{model}");
        assert!(
            im.layers[0].contains("exact in pot:4 or wider"),
            "{:?}",
            im.layers
        );
        assert!(im.layers[1].contains("4-bit integers"), "{:?}", im.layers);
        assert!(
            im.layers.iter().any(|l| l.contains("activation quantizer")),
            "{:?}",
            im.layers
        );

        // uniform:4 cannot hold layer 0 (integers up to 64): it keeps pot:4, the smallest
        // power-of-two format that does (a mixed export), and layer 1 is exact in uniform:4;
        // uniform:8 holds both; pot:5 holds layer 0, and layer 1 is quantized to it (one
        // format, as the accelerator needs).
        for (weights, formats, exact1) in [
            ("uniform:4", ["pot:4", "uniform:4"], true),
            ("uniform:8", ["uniform:8"; 2], true),
            ("pot:5", ["pot:5"; 2], false),
        ] {
            let dir = scratch(&format!("onnx_{model}"));
            let out = dir.join("out");
            let o = potmac()
                .args(["import"])
                .arg(&file)
                .args(["--dataset", "digits", "--weights", weights, "--out"])
                .arg(&out)
                .output()
                .unwrap();
            let (stdout, stderr) = (
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr),
            );
            assert_eq!(o.status.code(), Some(0), "{stderr}");
            assert!(stdout.contains("class mismatches 0"), "{stdout}");
            let note = format!("layer 0: weights imported exactly in {}", formats[0]);
            assert!(stderr.contains(&note), "{stderr}");
            let note = format!("layer 1: weights imported exactly in {}", formats[1]);
            assert_eq!(stderr.contains(&note), exact1, "{stderr}");
            let text = std::fs::read_to_string(out.join("model.json")).unwrap();
            let exported: IntModel = serde_json::from_str(&text).unwrap();
            let (l0, l1) = (&exported.layers[0], &exported.layers[1]);
            assert_eq!(
                [l0.format.label(), l1.format.label()],
                formats,
                "{model} {weights}"
            );
            let values: Vec<f32> = l0
                .weight_values()
                .iter()
                .map(|&v| (l0.w_scale * v as f64) as f32)
                .collect();
            assert_eq!(
                values, im.net.weights[0],
                "{model} {weights}: layer 0 not exact"
            );
        }
    }
}

/// The MLP with its weights on additive power-of-two grids (plain float initializers, f32
/// products of an integer level and a scale that is no power of two): detected with no APoT
/// requested, layer 0 in apot:5 and layer 1 in apot:4 (neither PoT nor uniform), its logits
/// equal onnxruntime's, and `import` with the default `pot:4` (which holds neither) exports
/// both layers in those formats, integer times scale equal to the graph's weights bit for bit.
#[test]
fn weights_on_an_apot_grid_are_detected_and_imported_exactly() {
    let file = fixture("digits_mlp_apot.onnx");
    let im = onnx::import(&file, (1, 8, 8), 10).unwrap();
    matches_onnxruntime(&im.net, "digits_mlp_apot");
    let formats = ["apot:5", "apot:4"];
    let labels: Vec<String> = im.formats.iter().flatten().map(|f| f.label()).collect();
    assert_eq!(labels, formats, "{:?}", im.layers);
    for (line, label) in im.layers.iter().zip(formats) {
        let want = format!("APoT grid detected ({label})");
        assert!(line.contains(&want), "{line}");
    }
    let out = scratch("onnx_apot").join("out");
    let o = potmac()
        .args(["import"])
        .arg(&file)
        .args(["--dataset", "digits", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("class mismatches 0"), "{stdout}");
    // Every layer was on a grid: the summary says so, not "PTQ to pot:4".
    assert!(
        stdout.contains("exact import (apot:5, apot:4) (integer path)"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(out.join("model.json")).unwrap();
    let exported: IntModel = serde_json::from_str(&text).unwrap();
    for (l, label) in formats.iter().enumerate() {
        let note = format!("layer {l}: weights imported exactly in {label} (no requantization)");
        assert!(stderr.contains(&note), "{stderr}");
        let layer = &exported.layers[l];
        assert_eq!(layer.format.label(), *label);
        let values: Vec<f32> = layer
            .weight_values()
            .iter()
            .map(|&v| (layer.w_scale * v as f64) as f32)
            .collect();
        assert_eq!(values, im.net.weights[l], "layer {l} not exact");
    }
}

/// Equivalent spellings of the CNN fixture give the same network: `kernel_shape` absent
/// (taken from the weight), the Gemm's weight stored `[in, out]` with `transB` 0, the flatten
/// as `x.view(x.size(0), -1)` exports it with a dynamic batch, and `alpha` and `beta` 2 (every
/// logit doubled).
#[test]
fn equivalent_graph_spellings_give_the_same_network() {
    let dir = scratch("onnx_spellings");
    let load = |f: &Path| onnx::import(f, (1, 8, 8), 10).unwrap().net;
    let no_kernel_shape = edited(&dir, "no_ks.onnx", |g| {
        for n in g.node.iter_mut().filter(|n| n.op_type == "Conv") {
            n.attribute.retain(|a| a.name != "kernel_shape");
        }
    });
    matches_onnxruntime(&load(&no_kernel_shape), "digits_cnn_bn");
    let transposed = edited(&dir, "trans.onnx", |g| {
        let w = g
            .initializer
            .iter_mut()
            .find(|t| t.name == "fc.weight")
            .unwrap();
        let v: Vec<f32> = w
            .raw_data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        let mut t = vec![0f32; 640];
        for o in 0..10 {
            for i in 0..64 {
                t[i * 10 + o] = v[o * 64 + i];
            }
        }
        w.raw_data = t.iter().flat_map(|x| x.to_le_bytes()).collect();
        w.dims = vec![64, 10];
        node(g, "/fc/Gemm").attribute.retain(|a| a.name != "transB");
    });
    matches_onnxruntime(&load(&transposed), "digits_cnn_bn");
    let doubled = edited(&dir, "alpha.onnx", |g| {
        for a in &mut node(g, "/fc/Gemm").attribute {
            if a.name == "alpha" || a.name == "beta" {
                a.f = 2.0;
            }
        }
    });
    // `x.view(x.size(0), -1)` with a dynamic batch: Shape, Gather, Unsqueeze, Concat, Reshape.
    let viewed = edited(&dir, "view.onnx", |g| {
        let at = g.node.iter().position(|n| n.op_type == "Flatten").unwrap();
        let x = g.node.remove(at).input[0].clone();
        let mk = |op: &str, ins: &[&str], out: &str| proto::NodeProto {
            input: ins.iter().map(|s| s.to_string()).collect(),
            output: vec![out.into()],
            name: format!("/view/{op}"),
            op_type: op.into(),
            ..Default::default()
        };
        let mut concat = mk("Concat", &["u", "minus1"], "shape");
        concat.attribute.push(proto::AttributeProto {
            name: "axis".into(),
            r#type: 2,
            ..Default::default()
        });
        let chain = [
            mk("Shape", &[&x], "s"),
            mk("Gather", &["s", "zero_i64"], "g"),
            mk("Unsqueeze", &["g", "axes"], "u"),
            concat,
            mk("Reshape", &[&x, "shape"], "/flatten/Flatten_output_0"),
        ];
        g.node.splice(at..at, chain);
        let int64 = |name: &str, dims: Vec<i64>, v: Vec<i64>| proto::TensorProto {
            name: name.into(),
            dims,
            data_type: 7,
            int64_data: v,
            ..Default::default()
        };
        g.initializer.push(int64("zero_i64", vec![], vec![0]));
        g.initializer.push(int64("axes", vec![1], vec![0]));
        g.initializer.push(int64("minus1", vec![1], vec![-1]));
    });
    matches_onnxruntime(&load(&viewed), "digits_cnn_bn");
    let x = &digits().unwrap().test.x[..4 * 64];
    let two = load(&doubled).forward_float(None, x, 4);
    let one = import_net("digits_cnn_bn.onnx").forward_float(None, x, 4);
    for (a, b) in two.iter().zip(&one) {
        assert!(
            (a - 2.0 * b).abs() <= 1e-5 * (1.0 + b.abs()),
            "{a} vs 2 × {b}"
        );
    }
}
