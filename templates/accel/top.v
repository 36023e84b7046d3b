{% include "partials/prologue.v" %}

// Inference accelerator around the {= v.side =} x {= v.side =} weight-stationary array {= v.array =}
// (docs/accelerator.md). start_i (with batch_i, the images in this pass) runs the layer
// program in the program memory over the batch in activation buffer 0; each layer reads one
// activation buffer and writes the other (ping-pong). Per image the class (first maximum of the
// last layer's logits) leaves on class_o with class_valid_o; done_o follows the last class.
// Every post-op output row is visible on obs_* (layer, image, N-tile, row) for debugging.
// The memories are {= v.ram =} instances: u_pmem (descriptors), u_wmem (weight-tile rows),
// u_bmem (biases), u_act0 / u_act1 (activations, word = image's features c*{= v.side =}..c*{= v.side =}+{= v.side =}-1,
// address = word * batch + image). The arithmetic is the MAC unit's and the post-op unit's;
// this module only moves data.
module {= v.top =} (
{%- include "partials/ports.v" %}
);
  localparam integer Cols       = {= v.side =};
  localparam integer ActWidth   = {= v.act_bits =};
  localparam integer WCodeWidth = {= v.w_bits =};
  localparam integer AccWidth   = {= v.acc =};
  localparam integer BiasWidth  = {= v.bias_bits =};
  localparam integer SumWidth   = {= v.sum_bits =};
  localparam integer CountWidth = {= v.count_bits =};
  localparam integer ImageWidth = {= v.image_bits =};
  localparam integer WAddrWidth = {= v.w_addr =};
  localparam integer AAddrWidth = {= v.a_addr =};
  localparam integer BAddrWidth = {= v.b_addr =};
  localparam integer PAddrWidth = {= v.p_addr =};
  localparam integer NcolWidth  = {= v.ncol_bits =};
  localparam integer MWidth     = {= v.m_bits =};
  localparam integer SWidth     = {= v.s_bits =};
  localparam integer DescWidth  = {= v.desc_bits =};
  localparam integer Batch      = {= v.batch =};
  // Tag of a streamed row: {first_kt, last_kt, first_nt, last_nt, image, out_addr, ncols,
  // cbase, baddr, tile}.
  localparam integer TagWidth   = 4 + ImageWidth + AAddrWidth + NcolWidth + 2 * CountWidth
                                + BAddrWidth;

  genvar gc;

  // Sequencer (stage 0: memory addresses).
  wire [PAddrWidth-1:0] prog_addr;
  wire [DescWidth-1:0]  desc;
  wire                  sel;
  wire                  layer_last;
  wire [MWidth-1:0]     rq_m;
  wire [SWidth-1:0]     rq_s;
  wire                  w_re;
  wire [WAddrWidth-1:0] w_addr;
  wire                  a_re;
  wire [AAddrWidth-1:0] a_addr;
  wire                  t_first_kt, t_last_kt, t_first_nt, t_last_nt;
  wire [ImageWidth-1:0] t_image;
  wire [AAddrWidth-1:0] t_out_addr;
  wire [NcolWidth-1:0]  t_ncols;
  wire [CountWidth-1:0] t_cbase;
  wire [BAddrWidth-1:0] t_baddr;
  wire [CountWidth-1:0] t_tile;

  {= v.seq =} u_seq (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .start_i     (start_i),
    .batch_i     (batch_i),
    .desc_i      (desc),
    .busy_o      (busy_o),
    .done_o      (done_o),
    .prog_addr_o (prog_addr),
    .sel_o       (sel),
    .last_o      (layer_last),
    .m_o         (rq_m),
    .s_o         (rq_s),
    .w_re_o      (w_re),
    .w_addr_o    (w_addr),
    .a_re_o      (a_re),
    .a_addr_o    (a_addr),
    .first_kt_o  (t_first_kt),
    .last_kt_o   (t_last_kt),
    .first_nt_o  (t_first_nt),
    .last_nt_o   (t_last_nt),
    .image_o     (t_image),
    .out_addr_o  (t_out_addr),
    .ncols_o     (t_ncols),
    .cbase_o     (t_cbase),
    .baddr_o     (t_baddr),
    .tile_o      (t_tile)
  );

  // Memories.
  wire [Cols*WCodeWidth-1:0] w_row;
  wire [Cols*ActWidth-1:0]   act0_row, act1_row;
  wire [Cols*BiasWidth-1:0]  bias_row;
  wire                       wr_en;
  wire [AAddrWidth-1:0]      wr_addr;
  wire [Cols*ActWidth-1:0]   wr_row;
  wire [BAddrWidth-1:0]      o_baddr;

  {= v.ram =} #(.Width(DescWidth), .Depth({= v.layers =}), .AddrWidth(PAddrWidth)) u_pmem (
    .clk_i   (clk_i),
    .we_i    (1'b0),
    .waddr_i ({PAddrWidth{1'b0}}),
    .wdata_i ({DescWidth{1'b0}}),
    .raddr_i (prog_addr),
    .rdata_o (desc)
  );
  {= v.ram =} #(.Width(Cols*WCodeWidth), .Depth({= v.weight_words =}), .AddrWidth(WAddrWidth)) u_wmem (
    .clk_i   (clk_i),
    .we_i    (1'b0),
    .waddr_i ({WAddrWidth{1'b0}}),
    .wdata_i ({(Cols*WCodeWidth){1'b0}}),
    .raddr_i (w_addr),
    .rdata_o (w_row)
  );
  {= v.ram =} #(.Width(Cols*BiasWidth), .Depth({= v.bias_words =}), .AddrWidth(BAddrWidth)) u_bmem (
    .clk_i   (clk_i),
    .we_i    (1'b0),
    .waddr_i ({BAddrWidth{1'b0}}),
    .wdata_i ({(Cols*BiasWidth){1'b0}}),
    .raddr_i (o_baddr),
    .rdata_o (bias_row)
  );
  // Layer L reads buffer sel and writes the other one.
  {= v.ram =} #(.Width(Cols*ActWidth), .Depth({= v.act_words =}), .AddrWidth(AAddrWidth)) u_act0 (
    .clk_i   (clk_i),
    .we_i    (wr_en & sel),
    .waddr_i (wr_addr),
    .wdata_i (wr_row),
    .raddr_i (a_addr),
    .rdata_o (act0_row)
  );
  {= v.ram =} #(.Width(Cols*ActWidth), .Depth({= v.act_words =}), .AddrWidth(AAddrWidth)) u_act1 (
    .clk_i   (clk_i),
    .we_i    (wr_en & ~sel),
    .waddr_i (wr_addr),
    .wdata_i (wr_row),
    .raddr_i (a_addr),
    .rdata_o (act1_row)
  );

  // Stage 1: the memory data arrive; the row's control and tag are registered to meet them.
  reg                s1_w_valid_q, s1_a_valid_q;
  reg [TagWidth-1:0] s1_tag_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s1_w_valid_q <= 1'b0;
      s1_a_valid_q <= 1'b0;
      s1_tag_q     <= {TagWidth{1'b0}};
    end else begin
      s1_w_valid_q <= w_re;
      s1_a_valid_q <= a_re;
      s1_tag_q     <= {t_first_kt, t_last_kt, t_first_nt, t_last_nt, t_image, t_out_addr,
                       t_ncols, t_cbase, t_baddr, t_tile};
    end
  end
  wire                  s1_first_kt = s1_tag_q[TagWidth-1];
  wire [ImageWidth-1:0] s1_image    = s1_tag_q[TagWidth-5 -: ImageWidth];

  // Partial sums of the K-tiles so far, one row per image (read in stage 1, written when a
  // K-tile's row leaves the array).
  reg  [Cols*AccWidth-1:0] psum_q [0:Batch-1];
  wire [Cols*AccWidth-1:0] psum_row = s1_first_kt ? {(Cols*AccWidth){1'b0}} : psum_q[s1_image];

  wire                     out_valid;
  wire [Cols*AccWidth-1:0] out_row;
  {= v.array =} u_array (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .w_valid_i   (s1_w_valid_q),
    .w_row_i     (w_row),
    .in_valid_i  (s1_a_valid_q),
    .in_row_i    (sel ? act1_row : act0_row),
    .psum_row_i  (psum_row),
    .out_valid_o (out_valid),
    .out_row_o   (out_row)
  );

  // The tag travels beside the array: Rows+Cols-1 cycles, the array's latency.
  wire [TagWidth-1:0] o_tag;
  {= v.delay =} #(.Width(TagWidth), .Depth({= v.latency =})) u_tag_delay (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .d_i    (s1_tag_q),
    .q_o    (o_tag)
  );
  wire                  o_last_kt = o_tag[TagWidth-2];
  wire [ImageWidth-1:0] o_image   = o_tag[TagWidth-5 -: ImageWidth];
  assign o_baddr = o_tag[BAddrWidth+CountWidth-1 -: BAddrWidth];

  always @(posedge clk_i) begin
    if (out_valid && !o_last_kt) begin
      psum_q[o_image] <= out_row;
    end
  end

  // Post-op input stage: the last K-tile's rows, with the bias word read for their N-tile.
  reg                     p_valid_q;
  reg [Cols*AccWidth-1:0] p_row_q;
  reg [TagWidth-1:0]      p_tag_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      p_valid_q <= 1'b0;
      p_row_q   <= {(Cols*AccWidth){1'b0}};
      p_tag_q   <= {TagWidth{1'b0}};
    end else begin
      p_valid_q <= out_valid & o_last_kt;
      p_row_q   <= out_row;
      p_tag_q   <= o_tag;
    end
  end

  // The tag waits beside the post-op units: their latency, {= v.postop_latency =} cycles.
  wire [TagWidth-1:0] q_tag;
  {= v.delay =} #(.Width(TagWidth), .Depth({= v.postop_latency =})) u_postop_tag (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .d_i    (p_tag_q),
    .q_o    (q_tag)
  );

  wire [Cols-1:0]          q_valid;
  wire [Cols*SumWidth-1:0] q_out;
  generate
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_postop
      {= v.postop =} u_postop (
        .clk_i    (clk_i),
        .rst_ni   (rst_ni),
        .valid_i  (p_valid_q),
        .bypass_i (layer_last),
        .m_i      (rq_m),
        .s_i      (rq_s),
        .acc_i    (p_row_q[gc*AccWidth +: AccWidth]),
        .bias_i   (bias_row[gc*BiasWidth +: BiasWidth]),
        .valid_o  (q_valid[gc]),
        .out_o    (q_out[gc*SumWidth +: SumWidth])
      );
    end
  endgenerate

  // Post-op output stage: columns past N are zero; activations go to the other buffer, the
  // last layer's sums to the argmax.
  wire                  q_first_nt = q_tag[TagWidth-3];
  wire                  q_last_nt  = q_tag[TagWidth-4];
  wire [ImageWidth-1:0] q_image    = q_tag[TagWidth-5 -: ImageWidth];
  wire [AAddrWidth-1:0] q_out_addr = q_tag[TagWidth-5-ImageWidth -: AAddrWidth];
  wire [NcolWidth-1:0]  q_ncols    = q_tag[2*CountWidth+BAddrWidth+NcolWidth-1 -: NcolWidth];
  wire [CountWidth-1:0] q_cbase    = q_tag[2*CountWidth+BAddrWidth-1 -: CountWidth];
  wire [CountWidth-1:0] q_tile     = q_tag[CountWidth-1:0];
  wire [Cols-1:0]       q_cols     = ~({Cols{1'b1}} << q_ncols);
  wire [Cols*SumWidth-1:0] q_masked;
  generate
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_mask
      assign q_masked[gc*SumWidth +: SumWidth] = q_out[gc*SumWidth +: SumWidth]
                                               & {SumWidth{q_cols[gc]}};
      assign wr_row[gc*ActWidth +: ActWidth]   = q_masked[gc*SumWidth +: ActWidth];
    end
  endgenerate
  assign wr_en   = q_valid[0] & ~layer_last;
  assign wr_addr = q_out_addr;

  // Tag fields the last stage does not read, and the post-op valids of columns 1.. (all
  // equal column 0's).
  wire unused_tag = ^{q_tag[TagWidth-1:TagWidth-2], q_tag[BAddrWidth+CountWidth-1:CountWidth],
                      q_valid};

  {= v.argmax =} u_argmax (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .valid_i       (q_valid[0] & layer_last),
    .first_i       (q_first_nt),
    .last_i        (q_last_nt),
    .image_i       (q_image),
    .base_i        (q_cbase),
    .ncols_i       (q_ncols),
    .row_i         (q_out),
    .class_valid_o (class_valid_o),
    .class_image_o (class_image_o),
    .class_o       (class_o)
  );

  assign obs_valid_o = q_valid[0];
  assign obs_last_o  = layer_last;
  assign obs_layer_o = prog_addr;
  assign obs_image_o = q_image;
  assign obs_tile_o  = q_tile;
  assign obs_row_o   = q_masked;
endmodule
{% include "partials/epilogue.v" %}
