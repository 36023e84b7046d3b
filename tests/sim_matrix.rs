//! Simulation of a corner matrix of MAC designs on both simulators: every format, weight
//! widths across each format's range, activation widths 2..16, signed and unsigned, and the
//! narrowest legal accumulator (the derived width). Every run must report `PASS n` with n the
//! number of vectors generated.

mod common;

use common::{design, have, scratch};
use potmac::emit::{self, Options};
use potmac::tools::Sim;
use potmac::tools::{icarus, verilator, SimOutcome};
use std::time::Duration;

/// One design of the matrix as YAML: every weight width each format allows in 2..=8, both
/// PoT zero policies, activation widths spread over 2..=16, signed and unsigned, and
/// `max_dot_length` from 1 to 255 with the derived (narrowest legal) accumulator, except a few
/// that set `accumulator_bits` explicitly (to the derived width, or wider).
fn matrix() -> Vec<String> {
    let acts = [2u32, 16, 7, 5, 12, 3, 9, 8, 15, 4];
    let lens = [1u64, 3, 255, 2, 17, 5, 31, 9, 4, 64];
    let mut weights = Vec::new();
    for b in 2..=8 {
        weights.push(format!("{{format: uniform, bits: {b}}}"));
    }
    for b in 2..=6 {
        weights.push(format!("{{format: pot, bits: {b}, zero: code}}"));
        weights.push(format!("{{format: pot, bits: {b}, zero: none}}"));
    }
    for b in 3..=7 {
        weights.push(format!("{{format: apot, bits: {b}}}"));
    }
    weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let a = acts[i % acts.len()];
            let signed = i % 2 == 0;
            let l = lens[i % lens.len()];
            let mut y = format!(
                "name: corner{i}\nweights: {w}\nactivations: {{bits: {a}, signed: {signed}}}\nmax_dot_length: {l}\n"
            );
            if i % 7 == 3 {
                let derived = common::design(&y).widths.acc;
                let acc = if i % 2 == 0 { derived } else { (derived + 5).min(64) };
                y.push_str(&format!("accumulator_bits: {acc}\n"));
            }
            // Both add/subtract structures of PoT and APoT (`adder`, docs/power.md).
            if !w.contains("uniform") && i % 2 == 1 {
                y.push_str("adder: invert\n");
            }
            y
        })
        .collect()
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
    let configs = matrix();
    assert_eq!(configs.len(), 22);
    for y in configs {
        let d = design(&y);
        let b = emit::bundle(&d, &opts).unwrap();
        let dir = emit::write(&b, &out).unwrap();
        let want = SimOutcome::Pass(b.vectors as u64);
        let (r, log) = Sim::Icarus
            .simulate(&dir, &b.tb_top, &b.tb_file, t, false)
            .unwrap();
        assert_eq!(r, want, "icarus {y}: {}", log.display());
        let (r, log) = Sim::Verilator
            .simulate(&dir, &b.tb_top, &b.tb_file, t, false)
            .unwrap();
        assert_eq!(r, want, "verilator {y}: {}", log.display());
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
    let mut configs = matrix();
    for p in ["uniform_w8a8", "uniform_w4a8", "pot_w4a8", "apot_w4a8"] {
        let path = common::root().join(format!("verification/configs/paper/{p}.yaml"));
        configs.push(std::fs::read_to_string(path).unwrap());
    }
    for y in configs {
        let d = design(&y);
        let b = emit::bundle(&d, &opts).unwrap();
        let dir = emit::write(&b, &out).unwrap();
        // Verilator -Wall (zero warnings), slang and verible.
        common::lint_clean(&dir, &b.top, &b.tb_file, &b.pnr_file);
    }
}
