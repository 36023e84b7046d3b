{% include "partials/prologue.v" %}

// Self-checking testbench of {= v.postop =}: applies vectors/postop.hex, one vector per cycle
// ({bypass, s, m, bias, acc, expected out}; inputs change on the falling edge) and compares
// out_o Latency rising edges later (the unit's pipeline, hw::accel::POSTOP_LATENCY). Ends with
// `PASS <vectors>` or `FAIL <mismatches>`.
module {= v.tb_postop =} #(
  // The unit's Dsp parameter (the product for DSP blocks or for LUTs; same outputs).
  parameter integer Dsp = 0
);
  localparam integer NumVectors = {= v.postop_vectors =};
  localparam integer AccWidth   = {= v.acc =};
  localparam integer BiasWidth  = {= v.bias_bits =};
  localparam integer MWidth     = {= v.m_bits =};
  localparam integer SWidth     = {= v.s_bits =};
  localparam integer SumWidth   = {= v.sum_bits =};
  localparam integer VecWidth   = 1 + SWidth + MWidth + BiasWidth + AccWidth + SumWidth;
  localparam integer Latency    = {= v.postop_latency =};
  localparam integer Watchdog   = NumVectors + Latency + 64;
  // postop.hex ends with this extra word, so a truncated file cannot pass.
  localparam [VecWidth-1:0] Sentinel = {= v.postop_vec_bits =}'h{= v.postop_sentinel =};

  reg                  clk = 1'b0;
  reg                  rst_n = 1'b1;
  reg  [VecWidth-1:0]  vec = {VecWidth{1'b0}};
  reg                  valid = 1'b0;
  wire                 bypass;
  wire [SWidth-1:0]    s;
  wire [MWidth-1:0]    m;
  wire [BiasWidth-1:0] bias;
  wire [AccWidth-1:0]  acc;
  wire [SumWidth-1:0]  unused_expected;
  wire                 out_valid;
  wire [SumWidth-1:0]  out;
  reg  [SumWidth-1:0]  want;

  assign {bypass, s, m, bias, acc, unused_expected} = vec;

  {= v.postop =} #(.Dsp(Dsp)) dut (
    .clk_i    (clk),
    .rst_ni   (rst_n),
    .valid_i  (valid),
    .bypass_i (bypass),
    .m_i      (m),
    .s_i      (s),
    .acc_i    (acc),
    .bias_i   (bias),
    .valid_o  (out_valid),
    .out_o    (out)
  );

  reg [VecWidth-1:0] mem [0:NumVectors];
  integer i;
  integer errors;
  integer cycles;
{%- let tb = v.tb_postop.as_str() %}
{%- let waves = v.waves() %}

{% include "partials/tb_clock.v" %}

  initial begin
    errors = 0;
    $readmemh("vectors/postop.hex", mem);
    if (mem[NumVectors] !== Sentinel) begin
      $display("FAIL vectors: vectors/postop.hex does not end with the sentinel word");
      $fatal(1, "bad vectors");
    end
    #1 rst_n = 1'b0;
    @(negedge clk);
    rst_n = 1'b1;
    // Cycle i applies vector i and checks the output of vector i - Latency.
    for (i = 0; i < NumVectors + Latency; i = i + 1) begin
      if (i >= Latency) begin
        want = mem[i-Latency][SumWidth-1:0];
        if (out_valid !== 1'b1 || out !== want) begin
          errors = errors + 1;
          if (errors <= 10) begin
            $display("MISMATCH vector %0d: expected %h, got %h (valid %b)", i - Latency, want,
                     out, out_valid);
          end
        end
      end else if (out_valid !== 1'b0) begin
        errors = errors + 1;
        $display("MISMATCH: out_valid high %0d cycles after the first vector", i);
      end
      if (i < NumVectors) begin
        vec   = mem[i];
        valid = 1'b1;
      end else begin
        valid = 1'b0;
      end
      @(negedge clk);
    end
    if (out_valid !== 1'b0) begin
      errors = errors + 1;
      $display("MISMATCH: out_valid stays high after the last vector");
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
