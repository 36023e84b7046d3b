// {= name =}: applies {= dir =}/stim.hex to {= v.top =} ({= v.rows =}×{= v.cols =}, one word of
// top-level inputs per cycle, inputs changing on the falling edge) and compares every output
// row and the cycle it appears in with {= dir =}/expect.hex, as the design's own testbench
// does; then raises done_o with the error count in errors_o.
module {= check =} (
  input  wire        clk_i,
  output reg         done_o,
  output reg  [31:0] errors_o
);
  // Keep each checker (with its design) a separate C++ class under Verilator; inlining all
  // of them into the top makes functions whose compile time grows faster than the batch.
  /* verilator no_inline_module */
  localparam integer Rows       = {= v.rows =};
  localparam integer Cols       = {= v.cols =};
  localparam integer ActWidth   = {= v.act_bits =};
  localparam integer WCodeWidth = {= v.w_bits =};
  localparam integer AccWidth   = {= v.acc =};
  // Stimulus cycles, expected output rows.
  localparam integer NumStim    = {= v.nstim =};
  localparam integer NumExpect  = {= v.nexp =};
  // Cycles run: a few idle ones after the stimulus catch stray outputs.
  localparam integer NumCycles  = NumStim + 8;
  // Stimulus word: {= v.stim_layout =}.
  localparam integer StimWidth  = {= v.stim_bits =};
  // Expected word: {cycle[31:0], zero pad, out_row}.
  localparam integer ExpWidth   = {= v.expect_bits =};
  // expect.hex ends with this extra word, so a truncated file cannot pass.
  localparam [ExpWidth-1:0] Sentinel = {= v.expect_bits =}'h{= v.sentinel =};

  reg                        rst_n = 1'b1;
  reg  [StimWidth-1:0]       stim = {StimWidth{1'b0}};
  wire                       out_valid;
  wire [Cols*AccWidth-1:0]   out_row;
  // The design's clock stops when its run is done (while clk_i is low), so a finished design
  // costs no simulation time while the others run on.
  reg                        running = 1'b1;
  wire                       dut_clk = clk_i & running;
{%- if ws %}
  wire                       w_valid;
  wire [Cols*WCodeWidth-1:0] w_row;
  wire                       in_valid;
  wire [Rows*ActWidth-1:0]   in_row;
  wire [Cols*AccWidth-1:0]   psum_row;

  assign {w_valid, in_valid, w_row, in_row, psum_row} = stim;

  {= v.top =} dut (
    .clk_i       (dut_clk),
    .rst_ni      (rst_n),
    .w_valid_i   (w_valid),
    .w_row_i     (w_row),
    .in_valid_i  (in_valid),
    .in_row_i    (in_row),
    .psum_row_i  (psum_row),
    .out_valid_o (out_valid),
    .out_row_o   (out_row)
  );
{%- else %}
  wire                       in_valid;
  wire                       in_last;
  wire [Rows*ActWidth-1:0]   in_act;
  wire [Cols*WCodeWidth-1:0] in_w;

  assign {in_valid, in_last, in_act, in_w} = stim;

  {= v.top =} dut (
    .clk_i       (dut_clk),
    .rst_ni      (rst_n),
    .in_valid_i  (in_valid),
    .in_last_i   (in_last),
    .in_act_i    (in_act),
    .in_w_i      (in_w),
    .out_valid_o (out_valid),
    .out_row_o   (out_row)
  );
{%- endif %}

  reg [StimWidth-1:0] stim_mem [0:NumStim-1];
  reg [ExpWidth-1:0]  exp_mem  [0:NumExpect];
  reg [31:0]          exp_cycle;
  integer n;
  integer oi;

  initial begin
    done_o = 1'b0;
    errors_o = 32'd0;
    oi = 0;
    $readmemh("{= dir =}/stim.hex", stim_mem);
    $readmemh("{= dir =}/expect.hex", exp_mem);
    if (exp_mem[NumExpect] !== Sentinel) begin
      errors_o = errors_o + 32'd1;
      $display("MISMATCH {= name =}: {= dir =}/expect.hex does not end with the sentinel word");
    end
    // Asynchronous reset; no output may be valid during it.
    #1 rst_n = 1'b0;
    @(negedge clk_i);
    @(negedge clk_i);
    if (out_valid !== 1'b0) begin
      errors_o = errors_o + 32'd1;
      $display("MISMATCH {= name =} reset: out_valid is %b", out_valid);
    end
    rst_n = 1'b1;
    // Cycle n: check the outputs visible now (after edge n-1), then drive the inputs that
    // edge n samples.
    for (n = 0; n < NumCycles; n = n + 1) begin
      if (out_valid !== 1'b0) begin
        if (out_valid !== 1'b1) begin
          errors_o = errors_o + 32'd1;
          $display("MISMATCH {= name =} cycle %0d: out_valid is %b", n, out_valid);
        end else if (oi >= NumExpect) begin
          errors_o = errors_o + 32'd1;
          $display("MISMATCH {= name =} cycle %0d: unexpected output row %h", n, out_row);
        end else begin
          exp_cycle = exp_mem[oi][ExpWidth-1 -: 32];
          if ($unsigned(n) != exp_cycle || out_row !== exp_mem[oi][Cols*AccWidth-1:0]) begin
            errors_o = errors_o + 32'd1;
            if (errors_o <= 32'd10) begin
              $display("MISMATCH {= name =} row %0d: expected %h in cycle %0d, got %h in cycle %0d",
                       oi, exp_mem[oi][Cols*AccWidth-1:0], exp_cycle, out_row, n);
            end
          end
          oi = oi + 1;
        end
      end
      stim = (n < NumStim) ? stim_mem[n] : {StimWidth{1'b0}};
      @(negedge clk_i);
    end
    if (oi != NumExpect) begin
      errors_o = errors_o + 32'd1;
      $display("MISMATCH {= name =}: %0d of %0d output rows arrived", oi, NumExpect);
    end
    running = 1'b0;
    done_o = 1'b1;
  end
endmodule
