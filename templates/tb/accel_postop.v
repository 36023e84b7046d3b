{% include "partials/prologue.v" %}

// Self-checking testbench of {= v.postop =}: applies vectors/postop.hex ({bypass, s, m, bias,
// acc, expected out}; inputs change on the falling edge), mostly one per cycle but with idle
// cycles between some (1 after every 5th vector from the 2nd; Latency + 1, which drains the
// pipeline, after every 11th from the 7th), in which valid_i is low and the inputs carry
// other values. It requires each output exactly Latency rising edges after its vector (the
// unit's pipeline, hw::accel::POSTOP_LATENCY), in order, and valid_o low in every other
// cycle: a stage that loads without a valid value, or misses one, fails. Ends with
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
  localparam integer Watchdog   = 3 * NumVectors + Latency + 64;
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
  // The cycle each vector was applied in.
  integer sent_at [0:NumVectors-1];
  integer i, n_in, n_out, gap;
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
    // Cycle i first checks the output (vector n_out is due Latency cycles after it was
    // applied), then applies the next vector or an idle cycle.
    n_in = 0;
    n_out = 0;
    gap = 0;
    for (i = 0; n_out < NumVectors; i = i + 1) begin
      if (out_valid === 1'b1) begin
        if (n_out >= n_in || i != sent_at[n_out] + Latency
            || out !== mem[n_out][SumWidth-1:0]) begin
          errors = errors + 1;
          if (errors <= 10) begin
            $display("MISMATCH cycle %0d: output %h, expected vector %0d's %h due in cycle %0d",
                     i, out, n_out, mem[n_out][SumWidth-1:0],
                     (n_out < n_in) ? sent_at[n_out] + Latency : -1);
          end
        end
        n_out = n_out + 1;
      end else if (out_valid !== 1'b0
                   || (n_out < n_in && i >= sent_at[n_out] + Latency)) begin
        errors = errors + 1;
        if (errors <= 10) begin
          $display("MISMATCH cycle %0d: valid %b, vector %0d's output missing", i, out_valid,
                   n_out);
        end
        n_out = n_out + 1;
      end
      if (n_in < NumVectors && gap == 0) begin
        vec   = mem[n_in];
        valid = 1'b1;
        sent_at[n_in] = i;
        n_in  = n_in + 1;
        gap   = (n_in % 5 == 2) ? 1 : ((n_in % 11 == 7) ? Latency + 1 : 0);
      end else begin
        vec   = ~mem[(n_in + i) % NumVectors];
        valid = 1'b0;
        gap   = (gap > 0) ? gap - 1 : 0;
      end
      @(negedge clk);
    end
    // Then valid_o stays low.
    repeat (Latency + 2) begin
      if (out_valid !== 1'b0) begin
        errors = errors + 1;
        $display("MISMATCH: out_valid high after the last vector's output");
      end
      @(negedge clk);
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
