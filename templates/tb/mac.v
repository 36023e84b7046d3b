{% include "partials/prologue.v" %}

// Self-checking testbench: applies vectors/stim.hex one cycle at a time (inputs change on the
// falling edge), compares acc_o after every rising edge with vectors/expect.hex, and ends with
// one line: `PASS <vectors checked>` or `FAIL <mismatches>` (and a non-zero exit).
module {= tb =};
  localparam integer NumVectors = {= n =};
  localparam integer ActWidth   = {= c.act_bits =};
  localparam integer WCodeWidth = {= c.w_bits =};
  localparam integer AccWidth   = {= c.acc =};
  // Stimulus word: {rst, clr, en, act, wcode}.
  localparam integer StimWidth  = ActWidth + WCodeWidth + 3;
  // Cycles before the watchdog fails the run.
  localparam integer Watchdog   = NumVectors + 64;
  // expect.hex ends with this extra word, so a truncated file cannot pass.
  localparam [AccWidth-1:0] Sentinel = {= c.acc =}'h{= sentinel =};

  reg                   clk = 1'b0;
  reg                   rst_n = 1'b1;
  reg                   en = 1'b0;
  reg                   clr = 1'b0;
  reg  [ActWidth-1:0]   act = {ActWidth{1'b0}};
  reg  [WCodeWidth-1:0] wcode = {WCodeWidth{1'b0}};
  reg  [2:0]            ctl;
  wire [AccWidth-1:0]   acc;

  reg [StimWidth-1:0] stim_mem [0:NumVectors-1];
  reg [AccWidth-1:0]  exp_mem  [0:NumVectors];
  integer i;
  integer errors;
  integer cycles;

  {= c.module =} dut (
    .clk_i   (clk),
    .rst_ni  (rst_n),
    .en_i    (en),
    .clr_i   (clr),
    .act_i   (act),
    .wcode_i (wcode),
    .acc_o   (acc)
  );

{% include "partials/tb_clock.v" %}

  initial begin
    errors = 0;
    $readmemh("vectors/stim.hex", stim_mem);
    $readmemh("vectors/expect.hex", exp_mem);
    if (exp_mem[NumVectors] !== Sentinel) begin
      $display("FAIL vectors: vectors/expect.hex does not end with the sentinel word");
      $fatal(1, "bad vectors");
    end
    // Asynchronous reset, checked before the first vector.
    #1 rst_n = 1'b0;
    @(negedge clk);
    @(negedge clk);
    if (acc !== {AccWidth{1'b0}}) begin
      errors = errors + 1;
      $display("MISMATCH reset: expected 0 got %h", acc);
    end
    rst_n = 1'b1;
    for (i = 0; i <= NumVectors; i = i + 1) begin
      if (i > 0) begin
        @(negedge clk);
        if (acc !== exp_mem[i-1]) begin
          errors = errors + 1;
          if (errors <= 10) begin
            $display("MISMATCH vector %0d: expected %h got %h", i - 1, exp_mem[i-1], acc);
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
    if (errors == 0) begin
      $display("PASS %0d", NumVectors);
      $finish;
    end else begin
      $display("FAIL %0d", errors);
      $fatal(1, "%0d mismatches", errors);
    end
  end
endmodule
{% include "partials/epilogue.v" %}
