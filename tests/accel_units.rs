//! The accelerator's argmax and post-op unit on their own. The argmax: its self-checking testbench (`tb/tb_<name>_argmax.v`,
//! `vectors/argmax.hex`: directed ties, masking, first rows, interleaved images, rows of one
//! image back to back and two cycles apart, then seeded random rows; expected classes from
//! `hw::accel::argmax`) passes on Icarus and Verilator, the RTL is lint-clean, and planted bugs
//! each make it fail on its own: the last maximum winning across N-tile rows, the last maximum
//! winning within a row, and any of the store's three forwarding paths switched off.
//! The post-op unit's testbench passes with its `Dsp` parameter at 0 and at 1 on both
//! simulators.

mod common;

use common::{have, lint_clean_rtl, potmac, root, run_ok, scratch};
use potmac::config::Design;
use potmac::tools::{icarus, verilator, Sim, SimOutcome};
use std::path::Path;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(600);

/// Run the argmax testbench of the folder on `sim`.
fn argmax_tb(dir: &Path, d: &Design, sim: Sim) -> SimOutcome {
    let m = potmac::emit::AccelModules::new(d);
    let tb_file = format!("tb/{}.v", m.tb_argmax);
    let (outcome, log) = sim
        .simulate(dir, &m.tb_argmax, &tb_file, TIMEOUT, false)
        .unwrap_or_else(|e| panic!("{sim}: {e}"));
    eprintln!("{sim}: {outcome:?} ({})", log.display());
    outcome
}

/// Replace `from` by `to` (exactly `n` times) in a generated file; returns the original text.
fn plant(path: &Path, from: &str, to: &str, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        text.matches(from).count(),
        n,
        "{}: `{from}`",
        path.display()
    );
    std::fs::write(path, text.replace(from, to)).unwrap();
    text
}

#[test]
fn argmax_testbench_passes_on_both_simulators_and_catches_planted_bugs() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let out = scratch("accel_argmax");
    let cfg = root().join("verification/configs/accel/pot_w4a8_accel8x8.yaml");
    run_ok(
        potmac()
            .args(["-q", "generate", "--out"])
            .arg(&*out)
            .arg(&cfg),
    );
    let d = Design::from_file(&cfg).unwrap();
    let dir = out.join(&d.name);
    let m = potmac::emit::AccelModules::new(&d);
    lint_clean_rtl(&dir, &m.argmax, &format!("tb/{}.v", m.tb_argmax));
    let vectors = std::fs::read_to_string(dir.join("vectors/argmax.hex"))
        .unwrap()
        .lines()
        .count() as u64
        - 1;
    for sim in [Sim::Icarus, Sim::Verilator] {
        assert_eq!(argmax_tb(&dir, &d, sim), SimOutcome::Pass(vectors), "{sim}");
    }

    let rtl = dir.join(format!("rtl/{}.v", m.argmax));
    // Across N-tile rows an equal maximum replaces the stored one (last maximum wins): the
    // four compares against the stored or forwarded candidates, from each of the root's
    // children.
    let good = plant(&rtl, "_key > ", "_key >= ", 8);
    assert!(matches!(
        argmax_tb(&dir, &d, Sim::Icarus),
        SimOutcome::Fail(_)
    ));
    std::fs::write(&rtl, &good).unwrap();
    // Within a row the later of equal maxima wins.
    plant(&rtl, "rk > lk", "rk >= lk", 2);
    assert!(matches!(
        argmax_tb(&dir, &d, Sim::Icarus),
        SimOutcome::Fail(_)
    ));
    std::fs::write(&rtl, &good).unwrap();
    // No forwarding of the word written in the previous cycle (rows back to back).
    plant(
        &rtl,
        "hit1_q        <= r_valid & (r_image == n_image);",
        "hit1_q        <= 1'b0;",
        1,
    );
    assert!(matches!(
        argmax_tb(&dir, &d, Sim::Icarus),
        SimOutcome::Fail(_)
    ));
    std::fs::write(&rtl, &good).unwrap();
    // No forwarding of the word written two cycles before (rows two cycles apart).
    plant(
        &rtl,
        "hit2_q        <= r_valid & (r_image == a_image);",
        "hit2_q        <= 1'b0;",
        1,
    );
    assert!(matches!(
        argmax_tb(&dir, &d, Sim::Icarus),
        SimOutcome::Fail(_)
    ));
    std::fs::write(&rtl, &good).unwrap();
    // No forwarding of the word written three cycles before (rows three cycles apart).
    plant(
        &rtl,
        "hit3_q        <= r_valid & (r_image == rd_image);",
        "hit3_q        <= 1'b0;",
        1,
    );
    assert!(matches!(
        argmax_tb(&dir, &d, Sim::Icarus),
        SimOutcome::Fail(_)
    ));
    std::fs::write(&rtl, &good).unwrap();
    assert_eq!(argmax_tb(&dir, &d, Sim::Icarus), SimOutcome::Pass(vectors));
}

/// The post-op unit's testbench passes with the unit's `Dsp` parameter at 0 (the product by a
/// tree of 2-bit partial products) and at 1 (a plain registered `*` for DSP blocks), on Icarus
/// and Verilator: the same vectors, the same latency. Dsp = 1 runs through a second testbench
/// top that instantiates the folder's testbench with the parameter overridden.
#[test]
fn postop_testbench_passes_with_and_without_dsp_on_both_simulators() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let out = scratch("accel_postop_dsp");
    let cfg = root().join("verification/configs/accel/pot_w4a8_accel8x8.yaml");
    run_ok(
        potmac()
            .args(["-q", "generate", "--out"])
            .arg(&*out)
            .arg(&cfg),
    );
    let d = Design::from_file(&cfg).unwrap();
    let dir = out.join(&d.name);
    let m = potmac::emit::AccelModules::new(&d);
    let tb_file = format!("tb/{}.v", m.tb_postop);
    // The second top: the testbench itself with Dsp = 1, in one file after it.
    let dsp_top = format!("{}_dsp", m.tb_postop);
    let dsp_file = format!("tb/{dsp_top}.v");
    let tb_text = std::fs::read_to_string(dir.join(&tb_file)).unwrap();
    std::fs::write(
        dir.join(&dsp_file),
        format!(
            "{tb_text}\nmodule {dsp_top};\n  {} #(.Dsp(1)) u_tb ();\nendmodule\n",
            m.tb_postop
        ),
    )
    .unwrap();
    let vectors = std::fs::read_to_string(dir.join("vectors/postop.hex"))
        .unwrap()
        .lines()
        .count() as u64
        - 1;
    for sim in [Sim::Icarus, Sim::Verilator] {
        for (top, file) in [(&m.tb_postop, &tb_file), (&dsp_top, &dsp_file)] {
            let (outcome, log) = sim
                .simulate(&dir, top, file, TIMEOUT, false)
                .unwrap_or_else(|e| panic!("{sim} {top}: {e}"));
            assert_eq!(
                outcome,
                SimOutcome::Pass(vectors),
                "{sim} {top} ({})",
                log.display()
            );
        }
    }
    // The Dsp = 1 product is the one simulated: a wrong product there fails.
    let rtl = dir.join(format!("rtl/{}.v", m.postop));
    plant(
        &rtl,
        "$signed(a_sum_q) * $signed({1'b0, a_m_q})",
        "$signed(a_sum_q) * $signed({1'b0, a_m_q ^ 16'd1})",
        1,
    );
    assert!(matches!(
        Sim::Icarus
            .simulate(&dir, &dsp_top, &dsp_file, TIMEOUT, false)
            .unwrap()
            .0,
        SimOutcome::Fail(_)
    ));
    assert_eq!(
        Sim::Icarus
            .simulate(&dir, &m.tb_postop, &tb_file, TIMEOUT, false)
            .unwrap()
            .0,
        SimOutcome::Pass(vectors)
    );
}
