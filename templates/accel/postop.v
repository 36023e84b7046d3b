{% include "partials/prologue.v" %}

// Post-op unit, one per output column: out = clamp(((acc + bias) * M + 2^(S-1)) >>> S, 0,
// 2^ActWidth - 1) (the clamp is the ReLU), or with bypass_i the sum acc + bias (the last
// layer's logits). The rounding constant is never formed: the product is shifted by S-1, one
// is added and the result shifted by one more, which is the same for flooring shifts and
// needs no room for 2^(S-1) (docs/guide/03-accelerator.md). S must be in 1..2^SWidth-1.
// Widths are derived so that nothing is truncated. Pipelined, {= v.postop_latency =} register stages (out_o
// follows valid_i by Latency cycles; a new input every cycle):
//   A  sum = acc + bias, with M, S-1 and bypass registered beside it;
//   B  the product, {= v.mul_stages =} stages: with Dsp = 0 the partial products sum * M[k*Chunk +: Chunk],
//      one per Chunk bits of M, shifted into place and added by a tree (for LUT fabrics);
//      with Dsp = 1 a plain registered product of the registered sum and M, then
//      registers, which synthesis maps to DSP blocks (their input, output and pipeline
//      registers absorbing the stage registers where the block has them);
//   D  the product shifted right by the high bits of S-1 (multiples of 2^ShiftLow);
//   E  then by the low bits of S-1;
//   F  round (+1, >>> 1) and clamp, or the sum with bypass.
// Only the valid bits are reset; the datapath registers are not, and each stage's registers
// load only when a valid value enters them (a clock enable; a held stage does not toggle).
module {= v.postop =} #(
  // 1: the product by a plain `*` for DSP blocks; 0: by a tree of 2-bit partial products
  // for LUT fabrics. Same latency and outputs.
  parameter integer Dsp = 0
) (
{%- include "partials/ports.v" %}
);
  localparam integer AccWidth   = {= v.acc =};
  localparam integer BiasWidth  = {= v.bias_bits =};
  localparam integer ActWidth   = {= v.act_bits =};
  localparam integer MWidth     = {= v.m_bits =};
  localparam integer SWidth     = {= v.s_bits =};
  // max(AccWidth, BiasWidth) + 1: acc + bias never overflows.
  localparam integer SumWidth   = {= v.sum_bits =};
  // SumWidth + MWidth + 1: the signed product with the 17-bit form of the unsigned M.
  localparam integer ProdWidth  = {= v.prod_bits =};
  localparam integer Latency    = {= v.postop_latency =};
  // M in Chunks pieces of Chunk bits; a partial product is the signed sum times one
  // (unsigned) piece.
  localparam integer Chunk      = {= v.mul_chunk =};
  localparam integer Chunks     = {= v.mul_chunks =};
  // Stage D shifts by the bits of S-1 from ShiftLow up, stage E by the bits below.
  localparam integer ShiftLow   = {= v.shift_low =};

  genvar gk;

  // The valid bits, one per stage: valid_q[k] is set when stage k + 1's registers hold a
  // valid value.
  reg [Latency-1:0] valid_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= {Latency{1'b0}};
    end else begin
      valid_q <= {valid_q[Latency-2:0], valid_i};
    end
  end

  // Stage A.
  wire [SumWidth-1:0] sum_d = $unsigned($signed({{(SumWidth-AccWidth){acc_i[AccWidth-1]}}, acc_i})
                            + $signed({{(SumWidth-BiasWidth){bias_i[BiasWidth-1]}}, bias_i}));
  wire [SWidth-1:0]   sh_d  = s_i - {{(SWidth-1){1'b0}}, 1'b1};
  reg  [SumWidth-1:0] a_sum_q;
  reg  [MWidth-1:0]   a_m_q;
  reg  [SWidth-1:0]   a_sh_q;
  reg                 a_bypass_q;
  always @(posedge clk_i) begin
    if (valid_i) begin
      a_sum_q    <= sum_d;
      a_m_q      <= m_i;
      a_sh_q     <= sh_d;
      a_bypass_q <= bypass_i;
    end
  end

  // Stages B: the product in MulStages register stages, exact in SumWidth + MWidth bits
  // (m_prod).
  localparam integer MulStages  = {= v.mul_stages =};
  wire [SumWidth+MWidth-1:0] m_prod;
  generate
    if (Dsp != 0) begin : g_dsp
      // sum * M as a signed product with M's 17-bit form, registered, then MulStages - 1
      // registers.
      wire signed [SumWidth+MWidth:0] prod = $signed(a_sum_q) * $signed({1'b0, a_m_q});
      reg  [MulStages*(SumWidth+MWidth)-1:0] prod_q;
      wire [(MulStages+1)*(SumWidth+MWidth)-1:0] prod_chain = {prod_q,
                                                               prod[SumWidth+MWidth-1:0]};
      // The chain shifts while any of its stages takes a valid value.
      always @(posedge clk_i) begin
        if (|valid_q[MulStages-1:0]) begin
          prod_q <= prod_chain[MulStages*(SumWidth+MWidth)-1:0];
        end
      end
      // The product fits SumWidth + MWidth bits: its top bit repeats the one below.
      wire unused_prod = prod[SumWidth+MWidth];
      assign m_prod = prod_chain[MulStages*(SumWidth+MWidth) +: SumWidth+MWidth];
    end else begin : g_tree
      // A node of level l covers 2^l pieces: it holds sum * (its 2^l * Chunk bits of M),
      // exactly, in SumWidth + (Chunk << l) bits. Level 0 multiplies the sum by one piece; a
      // node of level l adds its right child, shifted left by the left child's Chunk << (l-1)
      // bits, to its left child: the low bits of the left child pass through and only the
      // bits above are added (an adder as wide as a child). The levels are registered every
      // {= v.mul_levels_per_stage =} and at the last.
{%- for lv in v.mul_levels %}
      wire [(Chunks>>{= lv.l =})*(SumWidth+(Chunk<<{= lv.l =}))-1:0] m_lvl{= lv.l =};
      for (gk = 0; gk < (Chunks >> {= lv.l =}); gk = gk + 1) begin : g_lvl{= lv.l =}
        localparam integer Width = SumWidth + (Chunk << {= lv.l =});
{%- if lv.l == 0 %}
        wire signed [Width-1:0] sum_ext = $signed({{(Width-SumWidth){a_sum_q[SumWidth-1]}},
                                                   a_sum_q});
        wire signed [Width-1:0] piece   = $signed({{(Width-Chunk){1'b0}},
                                                   a_m_q[gk*Chunk +: Chunk]});
        wire        [Width-1:0] node    = $unsigned(sum_ext * piece);
{%- else %}
        localparam integer Half = SumWidth + (Chunk << {= lv.l - 1 =});
        localparam integer Low  = Chunk << {= lv.l - 1 =};
        wire [Half-1:0]  left  = m_lvl{= lv.l - 1 =}[2*gk*Half +: Half];
        wire [Half-1:0]  right = m_lvl{= lv.l - 1 =}[(2*gk+1)*Half +: Half];
        wire [Half-1:0]  upper = {{Low{left[Half-1]}}, left[Half-1:Low]} + right;
        wire [Width-1:0] node  = {upper, left[Low-1:0]};
{%- endif %}
{%- if lv.reg %}
        reg  [Width-1:0] node_q;
        always @(posedge clk_i) begin
          if (valid_q[{= lv.stage =}]) begin
            node_q <= node;
          end
        end
        assign m_lvl{= lv.l =}[gk*Width +: Width] = node_q;
{%- else %}
        assign m_lvl{= lv.l =}[gk*Width +: Width] = node;
{%- endif %}
      end
{%- endfor %}
      assign m_prod = m_lvl{= v.mul_top =};
    end
  endgenerate
  // The sum, S-1 and bypass beside the product: position j after j registers.
  localparam integer SideWidth  = SumWidth + SWidth + 1;
  reg  [MulStages*SideWidth-1:0]     m_side_q;
  wire [(MulStages+1)*SideWidth-1:0] m_side = {m_side_q, a_sum_q, a_sh_q, a_bypass_q};
  always @(posedge clk_i) begin
    if (|valid_q[MulStages-1:0]) begin
      m_side_q <= m_side[MulStages*SideWidth-1:0];
    end
  end
  wire [ProdWidth-1:0] b_prod   = {{(ProdWidth-SumWidth-MWidth){m_prod[SumWidth+MWidth-1]}},
                                   m_prod};
  wire [SumWidth-1:0]  b_sum    = m_side[MulStages*SideWidth+SWidth+1 +: SumWidth];
  wire [SWidth-1:0]    b_sh     = m_side[MulStages*SideWidth+1 +: SWidth];
  wire                 b_bypass = m_side[MulStages*SideWidth];

  // Stage D.
  wire signed [ProdWidth-1:0] hi_d = $signed(b_prod)
                                   >>> {b_sh[SWidth-1:ShiftLow], {ShiftLow{1'b0}}};
  reg         [ProdWidth-1:0] d_val_q;
  reg         [SumWidth-1:0]  d_sum_q;
  reg         [ShiftLow-1:0]  d_sh_q;
  reg                         d_bypass_q;
  always @(posedge clk_i) begin
    if (valid_q[MulStages]) begin
      d_val_q    <= $unsigned(hi_d);
      d_sum_q    <= b_sum;
      d_sh_q     <= b_sh[ShiftLow-1:0];
      d_bypass_q <= b_bypass;
    end
  end

  // Stage E: scaled = product >>> (S-1).
  wire signed [ProdWidth-1:0] scaled_d = $signed(d_val_q) >>> d_sh_q;
  reg         [ProdWidth-1:0] e_scaled_q;
  reg         [SumWidth-1:0]  e_sum_q;
  reg                         e_bypass_q;
  always @(posedge clk_i) begin
    if (valid_q[MulStages+1]) begin
      e_scaled_q <= $unsigned(scaled_d);
      e_sum_q    <= d_sum_q;
      e_bypass_q <= d_bypass_q;
    end
  end

  // Stage F: out = clamp((scaled + 1) >>> 1). A negative scaled gives 0 (-1 rounds to 0, the
  // rest clamp to 0); from scaled >= 2^(ActWidth+1) - 1 on the result clamps to all ones;
  // below, it is (scaled[ActWidth:0] + 1) >> 1, an add of ActWidth+1 bits only.
  wire                negative = e_scaled_q[ProdWidth-1];
  wire                overflow = (|e_scaled_q[ProdWidth-2:ActWidth+1]) | (&e_scaled_q[ActWidth:0]);
  wire [ActWidth:0]   rounded  = e_scaled_q[ActWidth:0] + {{ActWidth{1'b0}}, 1'b1};
  wire                unused_half = rounded[0];
  wire [ActWidth-1:0] act      = negative ? {ActWidth{1'b0}}
                               : (overflow ? {ActWidth{1'b1}} : rounded[ActWidth:1]);
  wire [SumWidth-1:0] out_d    = e_bypass_q ? e_sum_q : {{(SumWidth-ActWidth){1'b0}}, act};
  reg  [SumWidth-1:0] out_q;
  always @(posedge clk_i) begin
    if (valid_q[MulStages+2]) begin
      out_q <= out_d;
    end
  end

  assign valid_o = valid_q[Latency-1];
  assign out_o   = out_q;
endmodule
{% include "partials/epilogue.v" %}
