{% include "partials/prologue.v" %}

// Self-checking testbench: applies vectors/stim.hex, one word of top-level inputs per cycle
// (inputs change on the falling edge), and compares every output row and the cycle it
// appears in with vectors/expect.hex ({cycle[31:0], out_row}). vectors/gemms.hex marks each
// GEMM ({start cycle[31:0], index of its last output row[31:0]}); when that row arrives the
// testbench prints `CYCLES <gemm> <measured cycles>`. Ends with one line: `PASS <rows checked>`
// or `FAIL <errors>` (and a non-zero exit).
module {= v.tb =};
  localparam integer Rows       = {= v.rows =};
  localparam integer Cols       = {= v.cols =};
  localparam integer ActWidth   = {= v.act_bits =};
  localparam integer WCodeWidth = {= v.w_bits =};
  localparam integer AccWidth   = {= v.acc =};
  // Stimulus cycles, expected output rows, GEMMs.
  localparam integer NumStim    = {= v.nstim =};
  localparam integer NumExpect  = {= v.nexp =};
  localparam integer NumGemm    = {= v.ngemm =};
  // Cycles run: a few idle ones after the stimulus catch stray outputs.
  localparam integer NumCycles  = NumStim + 8;
  // Stimulus word: {= v.stim_layout =}.
  localparam integer StimWidth  = {= v.stim_bits =};
  // Expected word: {cycle[31:0], zero pad, out_row}.
  localparam integer ExpWidth   = {= v.expect_bits =};
  // Cycles before the watchdog fails the run.
  localparam integer Watchdog   = NumCycles + 64;
  // expect.hex ends with this extra word, so a truncated file cannot pass.
  localparam [ExpWidth-1:0] Sentinel = {= v.expect_bits =}'h{= v.sentinel =};

  reg                        clk = 1'b0;
  reg                        rst_n = 1'b1;
  reg  [StimWidth-1:0]       stim = {StimWidth{1'b0}};
  wire                       out_valid;
  wire [Cols*AccWidth-1:0]   out_row;
