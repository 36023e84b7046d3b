//! The accelerator's argmax and post-op unit on their own. The argmax: its self-checking testbench (`tb/tb_<name>_argmax.v`,
//! `vectors/argmax.hex`: directed ties, masking, first rows, interleaved images, rows of one
//! image back to back and two cycles apart, then seeded random rows; expected classes from
//! `hw::accel::argmax`) passes on Icarus and Verilator, the RTL is lint-clean, and planted bugs
//! each make it fail on its own: the last maximum winning across N-tile rows, the last maximum
//! winning within a row, and any of the store's three forwarding paths switched off.
//! The post-op unit's testbench passes with its `Dsp` parameter at 0 and at 1 on both
//! simulators. The banked memory reads its bank files and shows each word two cycles after its
//! address.

mod common;

use common::{generated_accel, have, icarus_run, lint_clean_rtl, potmac, root, run_ok, scratch};
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

/// The argmax's testbench on 8 columns (a tree of 3 levels, no registers before it), and on
/// 2 and 3 columns, whose first tree level selects on compares made a cycle early (from the
/// register before the tree, or from the post-op units' output register with 3 columns).
/// Each planted bug must fail the testbench on its own.
#[test]
fn argmax_testbench_passes_on_both_simulators_and_catches_planted_bugs() {
    if !have(&[icarus::IVERILOG, icarus::VVP, verilator::VERILATOR]) {
        return;
    }
    let base = root().join("verification/configs/accel/pot_w4a8_digits2x2.yaml");
    let text = std::fs::read_to_string(&base).unwrap();
    let three = text
        .replace("name: pot_w4a8_digits2x2", "name: pot_w4a8_digits3x3")
        .replace("rows: 2, cols: 2", "rows: 3, cols: 3");
    assert_ne!(three, text);
    let out = scratch("accel_argmax");
    std::fs::create_dir_all(&*out).unwrap();
    let three_cfg = out.join("pot_w4a8_digits3x3.yaml");
    std::fs::write(&three_cfg, three).unwrap();
    for cfg in [
        root().join("verification/configs/accel/pot_w4a8_accel8x8.yaml"),
        base,
        three_cfg,
    ] {
        argmax_catches_planted_bugs(&out, &cfg);
    }
}

fn argmax_catches_planted_bugs(out: &Path, cfg: &Path) {
    run_ok(potmac().args(["-q", "generate", "--out"]).arg(out).arg(cfg));
    let d = Design::from_file(cfg).unwrap();
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
    // The stages load only with a valid value (clock enables). An enable a stage early or
    // late loads a neighbour's value in the idle cycles the testbench inserts; each fails on
    // its own (the tree and the DSP chain).
    let good = std::fs::read_to_string(&rtl).unwrap();
    for (from, to, top, file) in [
        (
            "if (valid_q[MulStages+1]) begin",
            "if (valid_q[MulStages]) begin",
            &m.tb_postop,
            &tb_file,
        ),
        (
            "if (valid_q[0]) begin",
            "if (valid_q[1]) begin",
            &m.tb_postop,
            &tb_file,
        ),
        (
            "if (|valid_q[MulStages-1:0]) begin\n          prod_q",
            "if (|valid_q[MulStages:1]) begin\n          prod_q",
            &dsp_top,
            &dsp_file,
        ),
    ] {
        std::fs::write(&rtl, &good).unwrap();
        plant(&rtl, from, to, 1);
        assert!(
            matches!(
                Sim::Icarus
                    .simulate(&dir, top, file, TIMEOUT, false)
                    .unwrap()
                    .0,
                SimOutcome::Fail(_)
            ),
            "the planted `{to}` passed"
        );
    }
    std::fs::write(&rtl, &good).unwrap();
}

/// The banked memory (`<name>_bram`) reads its banks' `$readmemh` files, `<InitFile>_b000.hex`
/// and on, as `potmac infer` writes them (2,048 words each), and shows each word two cycles
/// after its address, across bank boundaries and in the short last bank; with `SinglePort`
/// it reads `<InitFile>.hex` whole.
#[test]
fn banked_memory_reads_its_bank_files_two_cycles_after_the_address() {
    if !have(&[icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let (_out, dir, _, m) = generated_accel(
        "verification/configs/accel/pot_w4a8_accel2x2.yaml",
        "accel_bram",
    );
    // Word w holds w * 7 + 3 (16 bits); 5,000 words: banks of 2,048, 2,048 and 904.
    let words: Vec<String> = (0..5000u32)
        .map(|w| format!("{:04x}", (w * 7 + 3) & 0xffff))
        .collect();
    let bank = potmac::hw::accel::BANK_BITS;
    for (b, chunk) in words.chunks(1 << bank).enumerate() {
        std::fs::write(dir.join(format!("w_b{b:03}.hex")), chunk.join("\n") + "\n").unwrap();
    }
    std::fs::write(dir.join("w.hex"), words.join("\n") + "\n").unwrap();
    let probe = [0u32, 1, 2047, 2048, 2049, 4095, 4096, 4999, 7];
    for single in [0, 1] {
        let reads: String = probe
            .iter()
            .map(|a| format!("    ra = 13'd{a}; @(posedge clk); #1;\n"))
            .collect();
        let tb = format!(
            "`timescale 1ns/1ps\nmodule tb_bram;\n  reg clk = 1'b0;\n  reg [12:0] ra = 13'd0;\n  \
             wire [15:0] rd;\n  always #5 clk = ~clk;\n  {ram} #(.Width(16), .Depth(5000), \
             .AddrWidth(13), .BankAddrWidth({bank}), .SinglePort({single}), .InitFile(\"w\")) \
             u (.clk_i(clk), .we_i(1'b0), .waddr_i(13'd0), .wdata_i(16'd0), .raddr_i(ra), \
             .rdata_o(rd));\n  always @(posedge clk) $display(\"RD %h\", rd);\n  initial begin\n    \
             @(posedge clk); #1;\n{reads}    repeat (3) @(posedge clk);\n    $finish;\n  end\n\
             endmodule\n",
            ram = m.bram,
        );
        std::fs::write(dir.join("tb_bram.v"), tb).unwrap();
        let files = [m.ram.as_str(), m.bram_bank.as_str(), m.bram.as_str()]
            .map(|f| dir.join(format!("rtl/{f}.v")));
        let mut files = files.to_vec();
        files.push(dir.join("tb_bram.v"));
        let text = icarus_run(&dir, "tb_bram", &[], &files);
        let rd: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("RD ")).collect();
        // The display at edge e shows the word whose address was set before edge e − 2.
        for (i, a) in probe.iter().enumerate() {
            assert_eq!(
                rd.get(i + 3).copied(),
                Some(words[*a as usize].as_str()),
                "SinglePort {single}, address {a}: {text}"
            );
        }
    }
}
