//! Simulation of a corner matrix of MAC designs on both simulators: every format, weight
//! widths across each format's range, activation widths 2..16, signed and unsigned, and the
//! narrowest legal accumulator (the derived width). Every run must report `PASS n` with n the
//! number of vectors generated.

mod common;

use common::{design, have, scratch};
use potmac::emit::{self, Options};
use potmac::tools::{icarus, verilator, SimOutcome};
use std::time::Duration;

/// (weights, activation bits, signed, max_dot_length)
const MATRIX: &[(&str, u32, bool, u64)] = &[
    ("{format: uniform, bits: 2}", 2, true, 1),
    ("{format: uniform, bits: 3}", 16, true, 3),
    ("{format: uniform, bits: 5}", 7, false, 255),
    ("{format: uniform, bits: 8}", 16, false, 2),
    ("{format: pot, bits: 2, zero: code}", 2, false, 4),
    ("{format: pot, bits: 3, zero: none}", 8, true, 17),
    ("{format: pot, bits: 4, zero: none}", 5, true, 1),
    ("{format: pot, bits: 6, zero: code}", 16, false, 3),
    ("{format: pot, bits: 6, zero: none}", 12, true, 2),
    ("{format: apot, bits: 3}", 2, true, 9),
    ("{format: apot, bits: 5}", 9, true, 31),
    ("{format: apot, bits: 6}", 3, false, 1),
    ("{format: apot, bits: 7}", 16, false, 5),
];

fn yaml(i: usize, w: &str, a: u32, s: bool, l: u64) -> String {
    format!(
        "name: corner{i}\nweights: {w}\nactivations: {{bits: {a}, signed: {s}}}\nmax_dot_length: {l}\n"
    )
}

#[test]
fn corner_matrix_passes_on_icarus_and_verilator() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let out = scratch("sim_matrix");
    let opts = Options {
        vectors: 600,
        seed: 11,
    };
    let t = Duration::from_secs(300);
    for (i, &(w, a, s, l)) in MATRIX.iter().enumerate() {
        let d = design(&yaml(i, w, a, s, l));
        let b = emit::bundle(&d, &opts).unwrap();
        let dir = emit::write(&b, &out).unwrap();
        let (r, log) = icarus::simulate(&dir, &b.tb_top, &b.tb_file, t).unwrap();
        assert_eq!(
            r,
            SimOutcome::Pass(b.vectors as u64),
            "icarus {w} a{a}: {}",
            log.display()
        );
        let (r, log) = verilator::simulate(&dir, &b.tb_top, &b.tb_file, t).unwrap();
        assert_eq!(
            r,
            SimOutcome::Pass(b.vectors as u64),
            "verilator {w} a{a}: {}",
            log.display()
        );
    }
}

#[test]
fn corner_matrix_is_lint_clean() {
    if !have(&[verilator::VERILATOR]) {
        return;
    }
    let out = scratch("lint_matrix");
    let opts = Options {
        vectors: 0,
        seed: 1,
    };
    let mut configs: Vec<String> = MATRIX
        .iter()
        .enumerate()
        .map(|(i, &(w, a, s, l))| yaml(i, w, a, s, l))
        .collect();
    for p in ["uniform_w8a8", "uniform_w4a8", "pot_w4a8", "apot_w4a8"] {
        let path = common::root().join(format!("verification/configs/paper/{p}.yaml"));
        configs.push(std::fs::read_to_string(path).unwrap());
    }
    for y in configs {
        let d = design(&y);
        let b = emit::bundle(&d, &opts).unwrap();
        let dir = emit::write(&b, &out).unwrap();
        let warnings = verilator::lint(&dir, &b.top, Duration::from_secs(120)).unwrap();
        assert!(warnings.is_empty(), "{}: {warnings:#?}", d.name);
    }
}
