{% include "partials/prologue.v" %}

// Post-op unit, one per output column: out = clamp(((acc + bias) * M + 2^(S-1)) >>> S, 0,
// 2^ActWidth - 1) (the clamp is the ReLU), or with bypass_i the sum acc + bias (the last
// layer's logits). The rounding constant is never formed: the product is shifted by S-1, one
// is added and the result shifted by one more, which is the same for flooring shifts and
// needs no room for 2^(S-1) (docs/accelerator.md). S must be in 1..2^SWidth-1. Widths are
// derived so that nothing is truncated. One register stage: out_o follows valid_i by one cycle.
module {= v.postop =} (
{%- include "partials/ports.v" %}
);
  localparam integer AccWidth  = {= v.acc =};
  localparam integer BiasWidth = {= v.bias_bits =};
  localparam integer ActWidth  = {= v.act_bits =};
  localparam integer MWidth    = {= v.m_bits =};
  localparam integer SWidth    = {= v.s_bits =};
  // max(AccWidth, BiasWidth) + 1: acc + bias never overflows.
  localparam integer SumWidth  = {= v.sum_bits =};
  // SumWidth + MWidth + 1: the signed product with the 17-bit form of the unsigned M.
  localparam integer ProdWidth = {= v.prod_bits =};

  wire signed [SumWidth-1:0]  sum;
  wire signed [ProdWidth-1:0] sum_ext;
  wire signed [ProdWidth-1:0] m_ext;
  wire signed [ProdWidth-1:0] prod;
  wire signed [ProdWidth-1:0] scaled;
  wire signed [ProdWidth:0]   rounded;
  wire signed [ProdWidth:0]   quot;
  wire                        negative;
  wire                        overflow;
  wire        [ActWidth-1:0]  act;
  wire        [SumWidth-1:0]  out_d;
  reg         [SumWidth-1:0]  out_q;
  reg                         valid_q;

  assign sum      = $signed({{(SumWidth-AccWidth){acc_i[AccWidth-1]}}, acc_i})
                  + $signed({{(SumWidth-BiasWidth){bias_i[BiasWidth-1]}}, bias_i});
  assign sum_ext  = $signed({{(ProdWidth-SumWidth){sum[SumWidth-1]}}, sum});
  assign m_ext    = $signed({{(ProdWidth-MWidth){1'b0}}, m_i});
  assign prod     = sum_ext * m_ext;
  assign scaled   = prod >>> (s_i - {{(SWidth-1){1'b0}}, 1'b1});
  assign rounded  = $signed({scaled[ProdWidth-1], scaled}) + $signed({{ProdWidth{1'b0}}, 1'b1});
  assign quot     = rounded >>> 1;
  assign negative = quot[ProdWidth];
  assign overflow = |quot[ProdWidth-1:ActWidth];
  assign act      = negative ? {ActWidth{1'b0}}
                  : (overflow ? {ActWidth{1'b1}} : quot[ActWidth-1:0]);
  assign out_d    = bypass_i ? $unsigned(sum) : {{(SumWidth-ActWidth){1'b0}}, act};

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
      out_q   <= {SumWidth{1'b0}};
    end else begin
      valid_q <= valid_i;
      out_q   <= out_d;
    end
  end

  assign valid_o = valid_q;
  assign out_o   = out_q;
endmodule
{% include "partials/epilogue.v" %}
