//! `potmac infer --per-layer`, the per-layer debugging mode of `infer` (formerly `potmac
//! deploy`): `potmac qat` exports a small digits MLP or CNN, each layer is mapped onto a
//! systolic array alone (convolutions as im2col GEMMs), the array result plus bias is checked
//! against the integer model, and every layer is simulated on both simulators. The whole
//! network on the accelerator is `tests/infer.rs`.

mod common;

use common::{have, potmac, scratch, tiny_export};
use potmac::config::{ArrayShape, Dataflow};
use potmac::model::lower::{layer_runs, read_export, LowerError};
use potmac::tools::{icarus, verilator};

#[test]
fn trained_layers_run_bit_exactly_on_generated_arrays() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let base = scratch("deploy");
    // (weights, model, array, layers): the MLP is 64→12→10; the CNN is conv 1→8 (8×8) → pool →
    // conv 8→16 (4×4) → pool → dense 64→10, its convolutions run as im2col GEMMs.
    for (weights, net, array, layers) in [
        ("pot:4", "mlp", "3x2:os", 2),
        ("apot:4", "mlp", "2x3:ws", 2),
        ("pot:3", "cnn", "4x4:ws", 3),
    ] {
        let model = base.join(format!("{net}-{}", weights.replace(':', "-")));
        tiny_export(&model, weights, net);
        let o = potmac()
            .args([
                "infer",
                "--per-layer",
                "--sim",
                "both",
                "--array",
                array,
                "--out",
            ])
            .arg(base.join("hdl"))
            .arg(&model)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        // Every layer, on both simulators.
        assert_eq!(out.matches(" PASS ").count(), 2 * layers, "{out}");
    }
}

#[test]
fn a_wrong_bias_or_weight_mapping_is_caught_before_simulation() {
    let base = scratch("deploy_check");
    tiny_export(&base, "uniform:4", "mlp");
    let (model, inputs) = read_export(&base).unwrap();
    assert_eq!(inputs.len(), 3);
    let shape = ArrayShape {
        rows: 2,
        cols: 2,
        dataflow: Dataflow::Ws,
    };
    let runs = layer_runs(&model, &inputs, shape, "t").unwrap();
    assert_eq!(runs.len(), 2);
    let mut r = runs[1].clone();
    r.bias[3] += 1;
    assert!(matches!(
        r.check(),
        Err(LowerError::Mismatch { output: 3, .. })
    ));
    // Transposing W wrongly (reading the codes [out][in] as [in][out]) is caught too.
    let mut r = runs[0].clone();
    let (k, n) = (r.gemm.shape.k as usize, r.gemm.shape.n as usize);
    r.gemm.w = (0..k * n).map(|i| r.gemm.w[(i % k) * n + i / k]).collect();
    assert!(r.check().is_err());
}
