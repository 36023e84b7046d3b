//! A trained network runs bit-exactly on generated arrays: `potmac qat` exports a small digits
//! MLP, `potmac deploy` maps each dense layer onto a systolic array, checks the array result
//! plus bias against the integer model, and simulates every layer on both simulators.

mod common;

use common::{have, potmac, scratch};
use potmac::config::{ArrayShape, Dataflow};
use potmac::deploy::{layer_runs, read_export, DeployError};
use potmac::tools::{icarus, verilator};

fn export(dir: &std::path::Path, weights: &str) {
    let o = potmac()
        .args([
            "qat",
            "--dataset",
            "digits",
            "--weights",
            weights,
            "--hidden",
            "12",
            "--fp-epochs",
            "3",
            "--epochs",
            "1",
            "--golden-samples",
            "3",
            "--out",
        ])
        .arg(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn trained_layers_run_bit_exactly_on_generated_arrays() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let base = scratch("deploy");
    for (weights, array) in [("pot:4", "3x2:os"), ("apot:4", "2x3:ws")] {
        let model = base.join(weights.replace(':', "-"));
        export(&model, weights);
        let o = potmac()
            .args(["deploy", "--sim", "both", "--array", array, "--out"])
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
        // Two dense layers (64→12→10), each on both simulators.
        assert_eq!(out.matches(" PASS ").count(), 4, "{out}");
    }
}

#[test]
fn a_wrong_bias_or_weight_mapping_is_caught_before_simulation() {
    let base = scratch("deploy_check");
    export(&base, "uniform:4");
    let (model, inputs) = read_export(&base).unwrap();
    assert_eq!(inputs.len(), 3);
    let shape = ArrayShape {
        rows: 2,
        cols: 2,
        dataflow: Dataflow::Ws,
    };
    let (runs, skipped) = layer_runs(&model, &inputs, shape, "t").unwrap();
    assert_eq!((runs.len(), skipped.len()), (2, 0));
    let mut r = runs[1].clone();
    r.bias[3] += 1;
    assert!(matches!(
        r.check(),
        Err(DeployError::Mismatch { output: 3, .. })
    ));
    // Transposing W wrongly (reading the codes [out][in] as [in][out]) is caught too.
    let mut r = runs[0].clone();
    let (k, n) = (r.gemm.shape.k as usize, r.gemm.shape.n as usize);
    r.gemm.w = (0..k * n).map(|i| r.gemm.w[(i % k) * n + i / k]).collect();
    assert!(r.check().is_err());
}
