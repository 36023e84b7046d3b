//! End-to-end QAT checks on the embedded digits data: accuracy, bit-exact agreement of the
//! integer-only path with the fake-quant path, and the exported codes and files.

mod common;

use common::scratch;
use potmac::model::arch::{Arch, ConvStage};
use potmac::model::argmax_rows;
use potmac::model::dataset::DataSet;
use potmac::model::write::write_export;
use potmac::model::IntModel;
use potmac::quant::spec::FormatSpec;
use potmac::train::data::{digits, Dataset};
use potmac::train::model::{Network, QuantState};
use potmac::train::optim::OptimizerKind;
use potmac::train::pipeline::{build_arch, finetune, pretrain, verify, ModelKind};
use potmac::train::train::{QatConfig, TrainConfig};
use std::sync::OnceLock;

fn cfg(epochs: usize, lr: f32) -> TrainConfig {
    TrainConfig {
        epochs,
        batch: 64,
        lr,
        lr_step: 0,
        lr_decay: 0.1,
        optimizer: OptimizerKind::adam(),
        seed: 7,
        patience: 0,
        plateau_drops: 0,
    }
}

fn qcfg(w: &str) -> QatConfig {
    QatConfig {
        weights: FormatSpec::parse(w).unwrap(),
        first_layer: None,
        last_layer: None,
        act_bits: 8,
        prune: 0.0,
        clip: None,
        act_percentile: 99.99,
        act_momentum: 0.9,
    }
}

/// Digits and a float MLP trained once for all tests.
fn fp_mlp() -> &'static (Dataset, Network) {
    static FP: OnceLock<(Dataset, Network)> = OnceLock::new();
    FP.get_or_init(|| {
        let d = digits().unwrap();
        let arch = build_arch(&d, ModelKind::Mlp, &[64, 32], &[], ConvStage::default()).unwrap();
        let (net, _) = pretrain(&d, arch, &cfg(20, 2e-3), &mut |_| {}).unwrap();
        (d, net)
    })
}

fn qat(fp: &Network, d: &Dataset, w: &str, epochs: usize) -> (Network, QuantState) {
    let (net, q, logs) = finetune(fp, d, &qcfg(w), &cfg(epochs, 2e-4), &mut |_| {}).unwrap();
    assert_eq!(logs.len(), epochs);
    (net, q)
}

#[test]
fn short_digits_run_reaches_95_percent_with_4_bit_pot() {
    let (d, fp) = fp_mlp();
    let (net, q) = qat(fp, d, "pot:4", 3);
    let im = IntModel::from_network(&net, &q).unwrap();
    let v = verify(&net, &im, &d.test);
    assert_eq!(v.samples, 360);
    assert!(v.int_acc >= 0.95, "4-bit PoT digits accuracy {}", v.int_acc);
    // Every layer really is 4-bit PoT: at most 15 distinct integer weights, all 0 or ±2^k.
    for w in im.decoded() {
        assert!(w
            .iter()
            .all(|&v| v == 0 || (v.unsigned_abs().is_power_of_two() && v.abs() <= 64)));
    }
}

#[test]
fn integer_path_equals_fake_quant_path_on_the_whole_test_set() {
    let (d, fp) = fp_mlp();
    for w in ["pot:4", "uniform:4", "apot:4", "pot:3:none"] {
        let (net, q) = qat(fp, d, w, 2);
        let im = IntModel::from_network(&net, &q).unwrap();
        let v = verify(&net, &im, &d.test);
        assert_eq!(v.samples, d.test.len());
        assert_eq!(
            (v.layer_mismatches, v.class_mismatches),
            (0, 0),
            "{w}: {v:?}"
        );
        assert_eq!(v.int_acc, v.fake_quant_acc);
        // The training-time (float) fake-quant forward differs only by the rounding of biases
        // and multipliers, so it predicts the same class on nearly every sample.
        let logits = net.forward_float(Some(&q), &d.test.x, d.test.len());
        let pred = argmax_rows(&logits, 10);
        let wdec = im.decoded();
        let agree = (0..d.test.len())
            .filter(|&i| {
                pred[i] == im.predict(&wdec, &im.quantize_input(&d.test.x[i * 64..(i + 1) * 64]))
            })
            .count();
        assert!(agree >= d.test.len() - 4, "{w}: only {agree} agree");
    }
}

#[test]
fn path_comparison_detects_a_corrupted_model() {
    let (d, fp) = fp_mlp();
    let (net, q) = qat(fp, d, "pot:4", 1);
    let im = IntModel::from_network(&net, &q).unwrap();
    let mut bad = im.clone();
    bad.layers[0].bias[0] += 1;
    let wdec = im.decoded();
    let fq = net.eval_fake_quant(&bad, &wdec, &d.test.x[..64], 1);
    let t = im.infer_with(&wdec, &im.quantize_input(&d.test.x[..64]));
    assert_eq!(fq[0].act_in, t[0].act_in);
    assert_ne!(
        fq[0].acc, t[0].acc,
        "a one-unit bias change must show in the accumulators"
    );
}

#[test]
fn cnn_integer_path_equals_fake_quant_path() {
    let d = digits().unwrap();
    let arch: Arch = build_arch(&d, ModelKind::Cnn, &[], &[4, 8], ConvStage::default()).unwrap();
    let (fp, _) = pretrain(&d, arch, &cfg(4, 3e-3), &mut |_| {}).unwrap();
    let (net, q) = qat(&fp, &d, "apot:5", 1);
    let im = IntModel::from_network(&net, &q).unwrap();
    let v = verify(&net, &im, &d.test);
    assert_eq!((v.layer_mismatches, v.class_mismatches), (0, 0), "{v:?}");
    assert!(v.int_acc > 0.5, "{v:?}");
}

#[test]
fn exported_codes_decode_to_the_trained_weights() {
    let (d, fp) = fp_mlp();
    for w in ["pot:4", "uniform:4", "apot:4"] {
        let (net, q) = qat(fp, d, w, 1);
        let im = IntModel::from_network(&net, &q).unwrap();
        for (l, il) in im.layers.iter().enumerate() {
            let fq = q.layers[l].quantize(&net.weights[l]);
            let f = il.format.format().unwrap();
            assert_eq!(il.codes, fq.codes);
            for (i, &code) in il.codes.iter().enumerate() {
                // Hardware table: scale × decode(code) is the fake-quantized weight.
                assert_eq!((il.w_scale * f.decode(code) as f64) as f32, fq.values[i]);
                // And it is the same code `quant::WeightFormat::encode` gives the shadow weight.
                assert_eq!(
                    code,
                    f.encode(net.weights[l][i] as f64, il.w_scale),
                    "{w} layer {l}"
                );
            }
        }
    }
}

#[test]
fn export_files_and_model_json_round_trip() {
    let (d, fp) = fp_mlp();
    let (net, q) = qat(fp, d, "pot:4", 1);
    let im = IntModel::from_network(&net, &q).unwrap();
    let dir = scratch("qat_export");
    let m = write_export(&dir, &im, DataSet::Digits, &d.test.x, &d.test.y, 5).unwrap();
    assert_eq!(m.samples, 5);
    let back: IntModel =
        serde_json::from_str(&std::fs::read_to_string(dir.join("model.json")).unwrap()).unwrap();
    assert_eq!(back, im);
    let wdec = im.decoded();
    for (l, ml) in m.layers.iter().enumerate() {
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
        let acc = read(&ml.files.acc);
        let lines: Vec<&str> = acc.lines().collect();
        assert_eq!(lines.len(), 5 * ml.acc_shape.iter().product::<usize>());
        assert!(lines
            .iter()
            .all(|s| s.len() == ml.acc_width.div_ceil(4) as usize));
        // The first sample's accumulators, decoded from two's complement, match inference.
        let t = im.infer_with(&wdec, &im.quantize_input(&d.test.x[..64]));
        for (s, &want) in lines.iter().zip(&t[l].acc) {
            let raw = i64::from_str_radix(s, 16).unwrap();
            let v = if raw >> (ml.acc_width - 1) & 1 == 1 {
                raw - (1 << ml.acc_width)
            } else {
                raw
            };
            assert_eq!(v, want);
        }
        let codes = read(&ml.files.wcode);
        assert_eq!(
            codes.lines().count(),
            ml.weight_shape[0] * ml.weight_shape[1]
        );
        assert!(codes
            .lines()
            .all(|s| s.len() == 1 && u32::from_str_radix(s, 16).unwrap() < 16));
        let act_in = read(&ml.files.act_in);
        assert!(act_in.lines().all(|s| s.len() == 2));
        assert_eq!(ml.act_bits, 8);
        assert_eq!(ml.files.act_out.is_some(), l + 1 < m.layers.len());
    }
    assert_eq!(
        m.predictions,
        (0..5)
            .map(|i| im.predict(&wdec, &im.quantize_input(&d.test.x[i * 64..(i + 1) * 64])))
            .collect::<Vec<_>>()
    );
}

#[test]
fn early_stopping_keeps_the_best_validation_model() {
    let mut d = digits().unwrap();
    d.hold_out(0.1);
    assert_eq!((d.train.len(), d.val.len()), (1293, 144));
    let arch = build_arch(&d, ModelKind::Mlp, &[32], &[], ConvStage::default()).unwrap();
    let c = TrainConfig {
        patience: 3,
        ..cfg(200, 2e-3)
    };
    let (net, logs) = pretrain(&d, arch, &c, &mut |_| {}).unwrap();
    assert!(logs.len() < 200, "stopped early");
    let vals: Vec<f64> = logs.iter().map(|l| l.val_acc.unwrap()).collect();
    let best = vals.iter().cloned().fold(0.0, f64::max);
    let first_best = vals.iter().position(|&v| v == best).unwrap();
    // It stopped exactly `patience` epochs after the last improvement ...
    assert_eq!(logs.len(), first_best + 1 + 3);
    // ... and returned the parameters of that epoch.
    let acc = potmac::train::train::evaluate(&net, None, &d.val).unwrap();
    assert_eq!(acc, best);
    assert!(logs
        .iter()
        .all(|l| l.train_secs > 0.0 && l.samples_per_sec > 0.0));
    // With one learning-rate drop at the first plateau, training goes on at lr × 0.1 from the
    // best parameters and ends at the next plateau, never worse on validation.
    let c1 = TrainConfig {
        plateau_drops: 1,
        ..c
    };
    let arch = build_arch(&d, ModelKind::Mlp, &[32], &[], ConvStage::default()).unwrap();
    let (net1, logs1) = pretrain(&d, arch, &c1, &mut |_| {}).unwrap();
    let losses =
        |l: &[potmac::train::train::EpochLog]| l.iter().map(|e| e.loss).collect::<Vec<_>>();
    assert_eq!(
        losses(&logs1[..logs.len()]),
        losses(&logs),
        "the same run up to the plateau"
    );
    assert!(logs1.len() > logs.len());
    assert!(logs1[logs.len()..]
        .iter()
        .all(|l| (l.lr - 2e-4).abs() < 1e-9));
    let acc1 = potmac::train::train::evaluate(&net1, None, &d.val).unwrap();
    assert!(acc1 >= best);
}

#[test]
fn training_is_bit_identical_for_any_thread_count() {
    let d = digits().unwrap();
    let run = |threads: usize| {
        potmac::train::parallel::pool(threads).unwrap().install(|| {
            let arch = build_arch(&d, ModelKind::Cnn, &[], &[4, 8], ConvStage::default()).unwrap();
            let (fp, _) = pretrain(&d, arch, &cfg(2, 3e-3), &mut |_| {}).unwrap();
            let (net, q, logs) =
                finetune(&fp, &d, &qcfg("pot:4"), &cfg(1, 2e-4), &mut |_| {}).unwrap();
            let im = IntModel::from_network(&net, &q).unwrap();
            let acc = verify(&net, &im, &d.test).int_acc;
            (net, im, logs[0].loss, acc)
        })
    };
    let (n1, im1, loss1, acc1) = run(1);
    for t in [2, 3] {
        let (n, im, loss, acc) = run(t);
        assert_eq!(n, n1, "{t} threads: float parameters differ");
        assert_eq!(im, im1, "{t} threads: integer model differs");
        assert_eq!((loss, acc), (loss1, acc1));
    }
}

/// `potmac qat --model cnn` with the convolution shape flags: a 5×5 stride-2 convolution and
/// two dense layers (`--hidden 32`, then the classes) train, export and read back, and the
/// integer path reaches a reasonable accuracy after a short fine-tuning.
#[test]
fn a_strided_5x5_cnn_with_a_hidden_dense_layer_trains_and_exports() {
    let out = scratch("qat_cnn_5x5_stride2");
    common::run_ok(
        common::potmac()
            .args([
                "-q",
                "qat",
                "--dataset",
                "digits",
                "--model",
                "cnn",
                "--channels",
                "16",
                "--kernel",
                "5",
                "--stride",
                "2",
                "--hidden",
                "32",
                "--epochs",
                "2",
                "--golden-samples",
                "2",
                "--out",
            ])
            .arg(&*out),
    );
    let e = potmac::model::read::load_export(&out).unwrap();
    let kinds: Vec<_> = e.model.layers.iter().map(|l| (l.kind, l.pool)).collect();
    use potmac::model::arch::{ConvShape, LayerKind};
    assert_eq!(
        kinds,
        vec![
            (
                LayerKind::Conv(ConvShape {
                    in_c: 1,
                    in_h: 8,
                    in_w: 8,
                    out_c: 16,
                    k: 5,
                    pad: 2,
                    stride: 2,
                }),
                true
            ),
            (
                LayerKind::Dense {
                    inputs: 16 * 2 * 2,
                    outputs: 32
                },
                false
            ),
            (
                LayerKind::Dense {
                    inputs: 32,
                    outputs: 10
                },
                false
            ),
        ]
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let v = &report["verification"];
    assert_eq!(v["layer_mismatches"], 0, "{v}");
    let acc = v["int_acc"].as_f64().unwrap();
    assert!(acc > 0.5, "integer-path accuracy {acc}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("- architecture: conv 1→16 5×5 stride 2 pad 2 (8×8 → 4×4) + pool, dense 64→32, dense 32→10"),
        "{md}"
    );
}
