//! The ECP5 technology wrapper of the accelerator's memory banks (`<name>_bram_bank` with
//! `POTMAC_ECP5` defined, as the ECP5 synthesis scripts do): DP16KD block RAMs read through
//! their own output register. Icarus runs it against `verification/fixtures/ecp5_dp16kd_model.v`
//! (a behavioural DP16KD after Lattice's memory guide) under seeded random writes and reads,
//! and every word read must equal a plain array read two cycles after its address, as the
//! inferred bank shows it. Widths of 20 bits (three block RAMs, the last one's spare bits
//! unused) and 18 (two, none spare). Planted bugs must fail it: the output register off (a
//! one-cycle read), and a read address bit miswired.

mod common;

use common::{generated_accel, have, icarus_run, root};
use potmac::tools::icarus;
use std::path::Path;

/// The testbench: `cycles` cycles of random writes (half the cycles) and reads within the
/// first 64 words, so that most reads find a written word; prints `PASS <words checked>`
/// or the first `FAIL`.
fn testbench(bank: &str, width: u32, cycles: u32) -> String {
    format!(
        "`timescale 1ns/1ps
module tb_bank;
  reg clk = 1'b0;
  reg we = 1'b0;
  reg [10:0] wa = 11'd0, ra = 11'd0;
  reg [{w1}:0] wd = {width}'d0;
  wire [{w1}:0] rd;
  reg [{w1}:0] ref_mem [0:2047];
  reg [{w1}:0] ref1, ref2;
  reg known [0:2047];
  reg known1, known2;
  integer i, checked, seed;
  always #5 clk = ~clk;
  {bank} #(.Width({width}), .Depth(2048), .AddrWidth(11)) u (.clk_i(clk), .we_i(we),
    .waddr_i(wa), .wdata_i(wd), .raddr_i(ra), .rdata_o(rd));
  // The reference: a plain array read in two cycles; a read at the edge of a write gives the
  // old word, as the bank's users expect nothing else.
  always @(posedge clk) begin
    ref1 <= ref_mem[ra];
    known1 <= known[ra];
    ref2 <= ref1;
    known2 <= known1;
    if (we) begin
      ref_mem[wa] <= wd;
      known[wa] <= 1'b1;
    end
  end
  initial begin
    seed = 7;
    checked = 0;
    for (i = 0; i < 2048; i = i + 1) known[i] = 1'b0;
    known1 = 1'b0;
    known2 = 1'b0;
    for (i = 0; i < {cycles}; i = i + 1) begin
      @(negedge clk);
      if (known2) begin
        if (rd !== ref2) begin
          $display(\"FAIL cycle %0d: read %h, expected %h\", i, rd, ref2);
          $finish;
        end
        checked = checked + 1;
      end
      we = $random(seed);
      wa = $random(seed) & 11'h03f;
      wd = $random(seed);
      ra = $random(seed) & 11'h03f;
    end
    $display(\"PASS %0d\", checked);
    $finish;
  end
endmodule
",
        w1 = width - 1,
    )
}

/// Compile and run the bank's testbench with `POTMAC_ECP5`; the simulator's output.
fn run(dir: &Path, m: &potmac::emit::AccelModules, width: u32) -> String {
    std::fs::write(dir.join("tb_bank.v"), testbench(&m.bram_bank, width, 3000)).unwrap();
    let files = [
        root().join("verification/fixtures/ecp5_dp16kd_model.v"),
        dir.join(format!("rtl/{}.v", m.ram)),
        dir.join(format!("rtl/{}.v", m.bram_bank)),
        dir.join("tb_bank.v"),
    ];
    icarus_run(dir, "tb_bank", &["-DPOTMAC_ECP5"], &files)
}

/// Words checked, from a passing run's output.
fn passed(text: &str) -> Option<u32> {
    text.lines()
        .find_map(|l| l.strip_prefix("PASS "))
        .and_then(|n| n.trim().parse().ok())
}

#[test]
fn ecp5_bank_reads_like_the_inferred_bank_and_catches_planted_bugs() {
    if !have(&[icarus::IVERILOG, icarus::VVP]) {
        return;
    }
    let (_out, dir, _, m) = generated_accel(
        "verification/configs/accel/pot_w4a8_accel2x2.yaml",
        "ecp5_bank",
    );
    let file = dir.join(format!("rtl/{}.v", m.bram_bank));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("DP16KD") && text.contains("\"OUTREG\""),
        "the bank has no ECP5 block RAMs with output registers"
    );
    for width in [20, 18] {
        let o = run(&dir, &m, width);
        let n = passed(&o).unwrap_or_else(|| panic!("width {width}: {o}"));
        // About half the 3,000 cycles write, within 64 words: nearly every read is known.
        assert!(n > 2500, "width {width}: only {n} reads checked: {o}");
    }
    let plants = [
        ("the output register off", "(\"OUTREG\")", "(\"NOREG\")"),
        (
            "a read address bit miswired",
            ".ADB3  (ra[0])",
            ".ADB3  (ra[1])",
        ),
    ];
    for (what, from, to) in plants {
        assert_eq!(text.matches(from).count(), 1, "{what}: `{from}`");
        std::fs::write(&file, text.replace(from, to)).unwrap();
        let o = run(&dir, &m, 20);
        assert!(
            passed(&o).is_none() && o.contains("FAIL"),
            "planted bug ({what}) not caught: {o}"
        );
        std::fs::write(&file, &text).unwrap();
    }
}
