// {= name =}: applies {= dir =}/stim.hex to {= c.module =} one cycle at a time (inputs change
// on the falling edge) and compares acc_o after every rising edge with {= dir =}/expect.hex,
// as the design's own testbench does; then raises done_o with the mismatch count in errors_o.
module {= check =} (
  input  wire        clk_i,
  output reg         done_o,
  output reg  [31:0] errors_o
);
  // Keep each checker (with its design) a separate C++ class under Verilator; inlining all
  // of them into the top makes functions whose compile time grows faster than the batch.
  /* verilator no_inline_module */
  localparam integer NumVectors = {= n =};
  localparam integer ActWidth   = {= c.act_bits =};
  localparam integer WCodeWidth = {= c.w_bits =};
  localparam integer AccWidth   = {= c.acc =};
  // Stimulus word: {rst, clr, en, act, wcode}.
  localparam integer StimWidth  = ActWidth + WCodeWidth + 3;
  // expect.hex ends with this extra word, so a truncated file cannot pass.
  localparam [AccWidth-1:0] Sentinel = {= c.acc =}'h{= sentinel =};

  reg                   rst_n = 1'b1;
  reg                   en = 1'b0;
  reg                   clr = 1'b0;
  reg  [ActWidth-1:0]   act = {ActWidth{1'b0}};
  reg  [WCodeWidth-1:0] wcode = {WCodeWidth{1'b0}};
  reg  [2:0]            ctl;
  wire [AccWidth-1:0]   acc;
  // The design's clock stops when its run is done (while clk_i is low), so a finished design
  // costs no simulation time while the others run on.
  reg                   running = 1'b1;
  wire                  dut_clk = clk_i & running;

  reg [StimWidth-1:0] stim_mem [0:NumVectors-1];
  reg [AccWidth-1:0]  exp_mem  [0:NumVectors];
  integer i;

  {= c.module =} dut (
    .clk_i   (dut_clk),
    .rst_ni  (rst_n),
    .en_i    (en),
    .clr_i   (clr),
    .act_i   (act),
    .wcode_i (wcode),
    .acc_o   (acc)
  );

  initial begin
    done_o = 1'b0;
    errors_o = 32'd0;
    $readmemh("{= dir =}/stim.hex", stim_mem);
    $readmemh("{= dir =}/expect.hex", exp_mem);
    if (exp_mem[NumVectors] !== Sentinel) begin
      errors_o = errors_o + 32'd1;
      $display("MISMATCH {= name =}: {= dir =}/expect.hex does not end with the sentinel word");
    end
    // Asynchronous reset, checked before the first vector.
    #1 rst_n = 1'b0;
    @(negedge clk_i);
    @(negedge clk_i);
    if (acc !== {AccWidth{1'b0}}) begin
      errors_o = errors_o + 32'd1;
      $display("MISMATCH {= name =} reset: expected 0 got %h", acc);
    end
    rst_n = 1'b1;
    for (i = 0; i <= NumVectors; i = i + 1) begin
      if (i > 0) begin
        @(negedge clk_i);
        if (acc !== exp_mem[i-1]) begin
          errors_o = errors_o + 32'd1;
          if (errors_o <= 32'd10) begin
            $display("MISMATCH {= name =} vector %0d: expected %h got %h", i - 1, exp_mem[i-1],
                     acc);
          end
        end
      end
      if (i < NumVectors) begin
        {ctl, act, wcode} = stim_mem[i];
        rst_n = ~ctl[2];
        clr   = ctl[1];
        en    = ctl[0];
      end
    end
    running = 1'b0;
    done_o = 1'b1;
  end
endmodule
