{% include "header.v" %}
`timescale 1ns / 1ps

// Self-checking testbench: applies vectors/stim.hex, one word of top-level inputs per cycle
// (inputs change on the falling edge), and compares every output row and the cycle it
// appears in with vectors/expect.hex ({cycle[31:0], out_row}). vectors/gemms.hex marks each
// GEMM ({start cycle[31:0], index of its last output row[31:0]}); when that row arrives the
// testbench prints `CYCLES <gemm> <measured cycles>`. Ends with one line: `PASS <rows checked>`
// or `FAIL <errors>` (and a non-zero exit).
module {= tb =};
  localparam integer R     = {= rows =};
  localparam integer C     = {= cols =};
  localparam integer A     = {= a =};
  localparam integer W     = {= w =};
  localparam integer ACC   = {= acc =};
  localparam integer NSTIM = {= nstim =};  // stimulus cycles
  localparam integer NEXP  = {= nexp =};  // expected output rows
  localparam integer NGEMM = {= ngemm =};  // GEMMs
  localparam integer NCYC  = NSTIM + 8;  // cycles run: a few idle ones catch stray outputs
  localparam integer SW    = {= stim_bits =};  // stim word: {= stim_layout =}
  localparam integer EW    = {= expect_bits =};  // expect word: {cycle[31:0], zero pad, out_row}
  localparam integer WATCHDOG = NCYC + 64;  // cycles
  // expect.hex ends with this extra word, so a truncated file cannot pass.
  localparam [EW-1:0] SENTINEL = {= expect_bits =}'h{= sentinel =};

  reg              clk = 1'b0;
  reg              rst_n = 1'b1;
{%- if os %}
  reg              in_valid = 1'b0;
  reg              in_last = 1'b0;
  reg  [R*A-1:0]   in_act = {(R*A){1'b0}};
  reg  [C*W-1:0]   in_w = {(C*W){1'b0}};
{%- else %}
  reg              w_valid = 1'b0;
  reg  [C*W-1:0]   w_row = {(C*W){1'b0}};
  reg              in_valid = 1'b0;
  reg  [R*A-1:0]   in_row = {(R*A){1'b0}};
  reg  [C*ACC-1:0] psum_row = {(C*ACC){1'b0}};
{%- endif %}
  wire             out_valid;
  wire [C*ACC-1:0] out_row;

  reg [SW-1:0] stim_mem [0:NSTIM-1];
  reg [EW-1:0] exp_mem  [0:NEXP];
  reg [63:0]   gemm_mem [0:NGEMM-1];
  reg [31:0]   exp_cycle;
  integer n;
  integer oi;
  integer gi;
  integer errors;
  integer cycles;

  {= top =} dut (
    .clk_i       (clk),
    .rst_ni      (rst_n),
{%- if os %}
    .in_valid_i  (in_valid),
    .in_last_i   (in_last),
    .in_act_i    (in_act),
    .in_w_i      (in_w),
{%- else %}
    .w_valid_i   (w_valid),
    .w_row_i     (w_row),
    .in_valid_i  (in_valid),
    .in_row_i    (in_row),
    .psum_row_i  (psum_row),
{%- endif %}
    .out_valid_o (out_valid),
    .out_row_o   (out_row)
  );

{% include "tb_clock.v" %}

  initial begin
    errors = 0;
    oi = 0;
    gi = 0;
    $readmemh("vectors/stim.hex", stim_mem);
    $readmemh("vectors/expect.hex", exp_mem);
    $readmemh("vectors/gemms.hex", gemm_mem);
    if (exp_mem[NEXP] !== SENTINEL) begin
      $display("FAIL vectors: vectors/expect.hex does not end with the sentinel word");
      $fatal(1, "bad vectors");
    end
    // Asynchronous reset; no output may be valid during it.
    #1 rst_n = 1'b0;
    @(negedge clk);
    @(negedge clk);
    if (out_valid !== 1'b0) begin
      errors = errors + 1;
      $display("MISMATCH reset: out_valid is %b", out_valid);
    end
    rst_n = 1'b1;
    // Cycle n: check the outputs visible now (after edge n-1), then drive the inputs that
    // edge n samples.
    for (n = 0; n < NCYC; n = n + 1) begin
      if (out_valid !== 1'b0) begin
        if (out_valid !== 1'b1) begin
          errors = errors + 1;
          $display("MISMATCH cycle %0d: out_valid is %b", n, out_valid);
        end else if (oi >= NEXP) begin
          errors = errors + 1;
          $display("MISMATCH cycle %0d: unexpected output row %h", n, out_row);
        end else begin
          exp_cycle = exp_mem[oi][EW-1 -: 32];
          if (exp_cycle != n || out_row !== exp_mem[oi][C*ACC-1:0]) begin
            errors = errors + 1;
            if (errors <= 10) begin
              $display("MISMATCH row %0d: expected %h in cycle %0d, got %h in cycle %0d",
                       oi, exp_mem[oi][C*ACC-1:0], exp_cycle, out_row, n);
            end
          end
          if (gi < NGEMM && oi == gemm_mem[gi][31:0]) begin
            $display("CYCLES %0d %0d", gi, n - gemm_mem[gi][63:32] + 1);
            gi = gi + 1;
          end
          oi = oi + 1;
        end
      end
      if (n < NSTIM) begin
{%- if os %}
        {in_valid, in_last, in_act, in_w} = stim_mem[n];
{%- else %}
        {w_valid, in_valid, w_row, in_row, psum_row} = stim_mem[n];
{%- endif %}
      end else begin
{%- if os %}
        {in_valid, in_last, in_act, in_w} = {SW{1'b0}};
{%- else %}
        {w_valid, in_valid, w_row, in_row, psum_row} = {SW{1'b0}};
{%- endif %}
      end
      @(negedge clk);
    end
    if (oi != NEXP) begin
      errors = errors + 1;
      $display("MISMATCH: %0d of %0d output rows arrived", oi, NEXP);
    end
    if (errors == 0) begin
      $display("PASS %0d", NEXP);
      $finish;
    end else begin
      $display("FAIL %0d", errors);
      $fatal(1, "%0d mismatches", errors);
    end
  end
endmodule
