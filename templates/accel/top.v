{% include "partials/prologue.v" %}

// Datapath of the inference accelerator around the {= v.side =} x {= v.side =} weight-stationary array {= v.array =}
// (docs/accelerator.md); {= v.top =} wraps it with the host interface. start_i (with batch_i,
// the images in this pass, and half_i, the input half of activation buffer 0 that holds them)
// runs the layer program in the program memory; each layer reads one activation buffer and
// writes the other (ping-pong). Every post-op output row leaves on row_*; per image the class
// (first maximum of the last layer's logits) on class_*; done_o follows the last class, or
// fail_o (with err_o) ends a pass whose program is invalid before any tile.
// The memories are {= v.ram =} instances written through the *_we_i ports: u_pmem
// (descriptors), u_wmem (weight-tile rows), u_bmem (biases, M, S), u_act0 (two input halves of
// ActWords words; feature maps image-major: word = {= v.side =} channels of one pixel, address =
// half*ActWords + (image * pixels + pixel) * channel words + channel word; a dense layer's
// vector is one pixel), u_act1, and u_psum (partial sums, one row per streamed row of a
// block). A max-pool layer's four rows of a window leave the post-op units one after the
// other; the largest of each column is written.
// The arithmetic is the MAC unit's and the post-op unit's; this module only moves data.
module {= v.core =} #(
  // $readmemh files that fill the program, weight and bias memories at configuration
  // (a network baked into a bitstream); "" leaves them to the bus.
  parameter ProgramInit = "",
  parameter WeightInit  = "",
  parameter BiasInit    = "",
  // The post-op units' product: 1 for DSP blocks, 0 for LUTs ({= v.postop =}'s Dsp).
  parameter integer PostopDsp = 0,
  // The weight memory: 1 for single-port RAM (its SinglePort), 0 for block RAM. The bias
  // memory stays block RAM: its words, Cols*(BiasWidth+MWidth+SWidth) bits, are wide.
  parameter integer Spram = 0
) (
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
  // One column's element of a bias-memory word: {S, M, bias} (hw::accel::BiasEntry).
  localparam integer BColWidth  = BiasWidth + MWidth + SWidth;
  localparam integer DescWidth  = {= v.desc_bits =};
  localparam integer PsumRows   = {= v.psum_rows =};
  localparam integer PRowWidth  = {= v.prow_bits =};
  // Tag of a streamed row: {first_kt, last_kt, wfirst, wlast, ntend, image, prow}. The rest
  // (output word, N-tile, columns valid, bias word) is counted where the rows leave the
  // array, since they leave in order.
  localparam integer TagWidth   = 5 + ImageWidth + PRowWidth;
{%- if v.conv %}
  // Tag of a post-op row: {first_nt, last_nt, wfirst, wlast, image, out_addr, ncols, cbase,
  // tile}.
  localparam integer RowWidth   = 4 + ImageWidth + AAddrWidth + NcolWidth + 2 * CountWidth;
{%- else %}
  // Tag of a post-op row: {first_nt, last_nt, image, out_addr, ncols, cbase, tile} (dense
  // layers only: every row is a window of its own).
  localparam integer RowWidth   = 2 + ImageWidth + AAddrWidth + NcolWidth + 2 * CountWidth;
{%- endif %}

  genvar gc;

  // Sequencer (stage 0: memory addresses).
  wire [PAddrWidth-1:0] prog_addr;
  wire [DescWidth-1:0]  desc;
  wire                  sel;
  wire                  layer_last;
  wire                  w_re;
  wire [WAddrWidth-1:0] w_addr;
  wire                  a_re;
  wire [AAddrWidth-1:0] a_addr;
  wire                  t_zero, t_first_kt, t_last_kt, t_wfirst, t_wlast, t_ntend;
  wire [ImageWidth-1:0] t_image;
  wire [PRowWidth-1:0]  t_prow;
  wire                  fetch;
  wire [CountWidth-1:0] cur_n, cur_nt;
  wire [BAddrWidth-1:0] cur_b_base;
  wire [AAddrWidth-1:0] cur_obase;

  {= v.seq =} u_seq (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .start_i     (start_i),
    .batch_i     (batch_i),
    .half_i      (half_i),
    .out_room_i  (out_room_i),
    .desc_i      (desc),
    .busy_o      (busy_o),
    .done_o      (done_o),
    .stall_o     (stall_o),
    .fail_o      (fail_o),
    .err_o       (err_o),
    .prog_addr_o (prog_addr),
    .sel_o       (sel),
    .last_o      (layer_last),
    .fetch_o     (fetch),
    .n_o         (cur_n),
    .n_tiles_o   (cur_nt),
    .b_base_o    (cur_b_base),
    .obase_o     (cur_obase),
    .w_re_o      (w_re),
    .w_addr_o    (w_addr),
    .a_re_o      (a_re),
    .a_addr_o    (a_addr),
    .zero_o      (t_zero),
    .first_kt_o  (t_first_kt),
    .last_kt_o   (t_last_kt),
    .wfirst_o    (t_wfirst),
    .wlast_o     (t_wlast),
    .ntend_o     (t_ntend),
    .image_o     (t_image),
    .prow_o      (t_prow)
  );

  // Memories.
  wire [Cols*WCodeWidth-1:0] w_row;
  wire [Cols*ActWidth-1:0]   act0_row, act1_row;
  wire [Cols*BColWidth-1:0]  bias_row;
  wire                       wr_en;
  wire [AAddrWidth-1:0]      wr_addr;
  wire [Cols*ActWidth-1:0]   wr_row;
  wire [BAddrWidth-1:0]      o_baddr;
  // A layer's write into buffer 0 wins over the host's; the host waits (act0_busy_o).
  wire                       wr_act0 = wr_en & sel;

  {= v.ram =} #(.Width(DescWidth), .Depth({= v.layers =}), .AddrWidth(PAddrWidth),
    .InitFile(ProgramInit)) u_pmem (
    .clk_i   (clk_i),
    .we_i    (pm_we_i),
    .waddr_i (pm_addr_i),
    .wdata_i (pm_data_i),
    .raddr_i (prog_addr),
    .rdata_o (desc)
  );
  {= v.bram =} #(.Width(Cols*WCodeWidth), .Depth({= v.weight_words =}),
    .AddrWidth(WAddrWidth), .BankAddrWidth({= v.bank_bits =}), .SinglePort(Spram),
    .InitFile(WeightInit)) u_wmem (
    .clk_i   (clk_i),
    .we_i    (wm_we_i),
    .waddr_i (wm_addr_i),
    .wdata_i (wm_data_i),
    .raddr_i (w_addr),
    .rdata_o (w_row)
  );
  {= v.ram =} #(.Width(Cols*BColWidth), .Depth({= v.bias_words =}), .AddrWidth(BAddrWidth),
    .InitFile(BiasInit), .SinglePort(0)) u_bmem (
    .clk_i   (clk_i),
    .we_i    (bm_we_i),
    .waddr_i (bm_addr_i),
    .wdata_i (bm_data_i),
    .raddr_i (o_baddr),
    .rdata_o (bias_row)
  );
  // Layer L reads buffer sel and writes the other one. When a buffer is deeper than one
  // block RAM its write is registered once (the write port fans out to every block of the
  // buffer): a layer's last write lands a cycle later, well inside DRAIN, and the host's a
  // cycle before any pass reads it.
  wire                     a0_we, a1_we;
  wire [AAddrWidth-1:0]    a0_addr;
  wire [{= v.a1_addr =}-1:0]  a1_addr;
  wire [Cols*ActWidth-1:0] a0_data, a1_data;
{%- if v.act_wreg %}
  reg                      a0_we_q, a1_we_q;
  reg  [AAddrWidth-1:0]    a0_addr_q;
  reg  [{= v.a1_addr =}-1:0]  a1_addr_q;
  reg  [Cols*ActWidth-1:0] a0_data_q, a1_data_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      a0_we_q <= 1'b0;
      a1_we_q <= 1'b0;
    end else begin
      a0_we_q <= wr_act0 | in_we_i;
      a1_we_q <= wr_en & ~sel;
    end
  end
  always @(posedge clk_i) begin
    a0_addr_q <= wr_act0 ? wr_addr : in_addr_i;
    a0_data_q <= wr_act0 ? wr_row : in_data_i;
    a1_addr_q <= wr_addr[{= v.a1_addr =}-1:0];
    a1_data_q <= wr_row;
  end
  assign {a0_we, a0_addr, a0_data} = {a0_we_q, a0_addr_q, a0_data_q};
  assign {a1_we, a1_addr, a1_data} = {a1_we_q, a1_addr_q, a1_data_q};
{%- else %}
  assign a0_we   = wr_act0 | in_we_i;
  assign a0_addr = wr_act0 ? wr_addr : in_addr_i;
  assign a0_data = wr_act0 ? wr_row : in_data_i;
  assign a1_we   = wr_en & ~sel;
  assign a1_addr = wr_addr[{= v.a1_addr =}-1:0];
  assign a1_data = wr_row;
{%- endif %}
  {= v.bram =} #(.Width(Cols*ActWidth), .Depth({= v.act0_words =}), .AddrWidth(AAddrWidth),
    .BankAddrWidth({= v.bank_bits =})) u_act0 (
    .clk_i   (clk_i),
    .we_i    (a0_we),
    .waddr_i (a0_addr),
    .wdata_i (a0_data),
    .raddr_i (a_addr),
    .rdata_o (act0_row)
  );
  // Buffer 1 has no input halves: its addresses are below ActWords.
  {= v.bram =} #(.Width(Cols*ActWidth), .Depth({= v.act_words =}), .AddrWidth({= v.a1_addr =}),
    .BankAddrWidth({= v.bank_bits =})) u_act1 (
    .clk_i   (clk_i),
    .we_i    (a1_we),
    .waddr_i (a1_addr),
    .wdata_i (a1_data),
    .raddr_i (a_addr[{= v.a1_addr =}-1:0]),
    .rdata_o (act1_row)
  );

  // Stages 1 and 2: the weight and activation memories' data arrive, each bank's word
  // registered beside its block RAM ({= v.bram =}); the row's control and tag are registered
  // to meet them.
  reg                s1_w_valid_q, s1_a_valid_q, s2_w_valid_q, s2_a_valid_q;
  reg [TagWidth-1:0] s1_tag_q, s2_tag_q;
  reg                s1_zero_q, s2_zero_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s1_w_valid_q <= 1'b0;
      s1_a_valid_q <= 1'b0;
      s2_w_valid_q <= 1'b0;
      s2_a_valid_q <= 1'b0;
    end else begin
      s1_w_valid_q <= w_re;
      s1_a_valid_q <= a_re;
      s2_w_valid_q <= s1_w_valid_q;
      s2_a_valid_q <= s1_a_valid_q;
    end
  end
  always @(posedge clk_i) begin
    s1_tag_q  <= {t_first_kt, t_last_kt, t_wfirst, t_wlast, t_ntend, t_image, t_prow};
    s2_tag_q  <= s1_tag_q;
    s1_zero_q <= t_zero;
    s2_zero_q <= s1_zero_q;
  end

  // Stage 3: the memories' words selected and registered, with the row's control and tag:
  // the array's inputs. A kernel position in the padding gives zeros.
  reg                        s3_w_valid_q, s3_a_valid_q;
  reg [TagWidth-1:0]         s3_tag_q;
  reg [Cols*WCodeWidth-1:0]  s3_w_row_q;
  reg [Cols*ActWidth-1:0]    s3_in_row_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s3_w_valid_q <= 1'b0;
      s3_a_valid_q <= 1'b0;
    end else begin
      s3_w_valid_q <= s2_w_valid_q;
      s3_a_valid_q <= s2_a_valid_q;
    end
  end
  always @(posedge clk_i) begin
    s3_tag_q    <= s2_tag_q;
    s3_w_row_q  <= w_row;
    s3_in_row_q <= s2_zero_q ? {(Cols*ActWidth){1'b0}} : (sel ? act1_row : act0_row);
  end
  wire                 s3_first_kt = s3_tag_q[TagWidth-1];
  wire [PRowWidth-1:0] s1_prow     = s1_tag_q[PRowWidth-1:0];
  wire [PRowWidth-1:0] s2_prow     = s2_tag_q[PRowWidth-1:0];

  // Partial sums of the K-tiles so far, one row per streamed row of the block: read in stage
  // 1, the data registered in stage 2 and given to the array with the row in stage 3;
  // written when a K-tile's row leaves the array. With a block of at most Rows + 1 rows the
  // write of a row falls on its next read's edge or one edge later: the written row is
  // forwarded (f0: same edge, seen in stage 1; f1: one edge later, seen in stage 2).
  wire                     out_valid;
  wire [Cols*AccWidth-1:0] out_row;
  wire [TagWidth-1:0]      o_tag;
  wire                     o_last_kt = o_tag[TagWidth-2];
  wire                     o_wfirst  = o_tag[TagWidth-3];
  wire                     o_wlast   = o_tag[TagWidth-4];
  wire                     o_ntend   = o_tag[TagWidth-5];
  wire [ImageWidth-1:0]    o_image   = o_tag[PRowWidth+ImageWidth-1 -: ImageWidth];
  wire [PRowWidth-1:0]     o_prow    = o_tag[PRowWidth-1:0];
  wire                     psum_we   = out_valid & ~o_last_kt;
  wire [Cols*AccWidth-1:0] psum_rd;
  reg  [Cols*AccWidth-1:0] psum_rd_q;
  reg                      f0_q, fwd_q;
  reg  [Cols*AccWidth-1:0] f0_row_q, fwd_row_q;
  {= v.ram =} #(.Width(Cols*AccWidth), .Depth(PsumRows), .AddrWidth(PRowWidth)) u_psum (
    .clk_i   (clk_i),
    .we_i    (psum_we),
    .waddr_i (o_prow),
    .wdata_i (out_row),
    .raddr_i (s1_prow),
    .rdata_o (psum_rd)
  );
  always @(posedge clk_i) begin
    f0_q      <= psum_we && (o_prow == s1_prow);
    f0_row_q  <= out_row;
    psum_rd_q <= psum_rd;
    if (psum_we && (o_prow == s2_prow)) begin
      fwd_q     <= 1'b1;
      fwd_row_q <= out_row;
    end else begin
      fwd_q     <= f0_q;
      fwd_row_q <= f0_row_q;
    end
  end
  wire [Cols*AccWidth-1:0] psum_row = s3_first_kt ? {(Cols*AccWidth){1'b0}}
                                    : (fwd_q ? fwd_row_q : psum_rd_q);

  {= v.array =} u_array (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .w_valid_i   (s3_w_valid_q),
    .w_row_i     (s3_w_row_q),
    .in_valid_i  (s3_a_valid_q),
    .in_row_i    (s3_in_row_q),
    .psum_row_i  (psum_row),
    .out_valid_o (out_valid),
    .out_row_o   (out_row)
  );

  // The tag travels beside the array: Rows+Cols-1 cycles, the array's latency (no reset: it
  // counts only with out_valid).
  {= v.delay =} #(.Width(TagWidth), .Depth({= v.latency =}), .Reset(0)) u_tag_delay (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .d_i    (s3_tag_q),
    .q_o    (o_tag)
  );

  // Where the rows leave the array: the N-tile of the last K-tile's rows and their output
  // word, counted (ntend marks an N-tile's last row; the written rows of an N-tile are words
  // N-tile, N-tile + n_tiles, N-tile + 2*n_tiles, ... from the output base, since output
  // pixels leave in order, image by image). Reset by each layer's FETCH, when the previous
  // layer's rows have all left.
  reg                   fetch_q;
  reg  [CountWidth-1:0] ont_q, ocolrem_q, ocbase_q;
  reg  [AAddrWidth-1:0] ontbase_q, oaddr_q, ntstep_q;
  reg  [BAddrWidth-1:0] obaddr_q;
  wire o_row      = out_valid && o_last_kt;
  // The N-tile count as an address step (the count may be the wider).
  reg  [AAddrWidth+CountWidth-1:0] ntstep_w;
  always @(*) begin
    ntstep_w = {(AAddrWidth+CountWidth){1'b0}};
    ntstep_w[CountWidth-1:0] = cur_nt;
  end
  wire o_tile_end = o_row && o_ntend;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      fetch_q <= 1'b0;
    end else begin
      fetch_q <= fetch;
    end
  end
  always @(posedge clk_i) begin
    if (fetch_q) begin
      ont_q     <= {CountWidth{1'b0}};
      ocolrem_q <= cur_n;
      ocbase_q  <= {CountWidth{1'b0}};
      ontbase_q <= cur_obase;
      oaddr_q   <= cur_obase;
      ntstep_q  <= ntstep_w[AAddrWidth-1:0];
      obaddr_q  <= cur_b_base;
    end else if (o_tile_end) begin
      ont_q     <= ont_q + {{(CountWidth-1){1'b0}}, 1'b1};
      ocolrem_q <= ocolrem_q - {= v.count_bits =}'d{= v.side =};
      ocbase_q  <= ocbase_q + {= v.count_bits =}'d{= v.side =};
      ontbase_q <= ontbase_q + {{(AAddrWidth-1){1'b0}}, 1'b1};
      oaddr_q   <= ontbase_q + {{(AAddrWidth-1){1'b0}}, 1'b1};
      obaddr_q  <= obaddr_q + {{(BAddrWidth-1){1'b0}}, 1'b1};
    end else if (o_row && o_wlast) begin
      oaddr_q   <= oaddr_q + ntstep_q;
    end
  end
  assign o_baddr = obaddr_q;
  wire                 o_last_nt = (ocolrem_q <= {= v.count_bits =}'d{= v.side =});
  wire [NcolWidth-1:0] o_ncols   = o_last_nt ? ocolrem_q[NcolWidth-1:0] : {= v.ncol_bits =}'d{= v.side =};
{%- if v.conv %}
  wire [RowWidth-1:0]  o_rowtag  = {(ont_q == {CountWidth{1'b0}}), o_last_nt, o_wfirst,
                                    o_wlast, o_image, oaddr_q, o_ncols, ocbase_q, ont_q};
{%- else %}
  wire [RowWidth-1:0]  o_rowtag  = {(ont_q == {CountWidth{1'b0}}), o_last_nt, o_image,
                                    oaddr_q, o_ncols, ocbase_q, ont_q};
  wire                 unused_w  = ^{o_wfirst, o_wlast};
{%- endif %}

  // Post-op input stage: the last K-tile's rows, with the bias word read for their N-tile.
  reg                     p_valid_q;
  reg [Cols*AccWidth-1:0] p_row_q;
  reg [RowWidth-1:0]      p_tag_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      p_valid_q <= 1'b0;
    end else begin
      p_valid_q <= out_valid & o_last_kt;
    end
  end
  always @(posedge clk_i) begin
    p_row_q <= out_row;
    p_tag_q <= o_rowtag;
  end

  // The tag waits beside the post-op units: their latency, {= v.postop_latency =} cycles.
  wire [RowWidth-1:0] q_tag;
  {= v.lag =} #(.Width(RowWidth), .Depth({= v.postop_latency =}), .AddrWidth({= v.postop_lag_addr =}))
    u_postop_tag (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .d_i    (p_tag_q),
    .q_o    (q_tag)
  );

  wire [Cols-1:0]          q_valid;
  wire [Cols*SumWidth-1:0] q_out;
  // Each column's bias, M and S: its element of the N-tile's bias word, {S, M, bias}.
  generate
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_postop
      {= v.postop =} #(.Dsp(PostopDsp)) u_postop (
        .clk_i    (clk_i),
        .rst_ni   (rst_ni),
        .valid_i  (p_valid_q),
        .bypass_i (layer_last),
        .m_i      (bias_row[gc*BColWidth+BiasWidth +: MWidth]),
        .s_i      (bias_row[gc*BColWidth+BiasWidth+MWidth +: SWidth]),
        .acc_i    (p_row_q[gc*AccWidth +: AccWidth]),
        .bias_i   (bias_row[gc*BColWidth +: BiasWidth]),
        .valid_o  (q_valid[gc]),
        .out_o    (q_out[gc*SumWidth +: SumWidth])
      );
    end
  endgenerate

  // Post-op output stage: columns past N are zero; activations go to the other buffer (with
  // the pool, the largest of the window's four rows, column by column), the last layer's
  // sums to the argmax.
  wire                  q_first_nt = q_tag[RowWidth-1];
  wire                  q_last_nt  = q_tag[RowWidth-2];
{%- if v.conv %}
  wire                  q_wfirst   = q_tag[RowWidth-3];
  wire                  q_wlast    = q_tag[RowWidth-4];
  wire [ImageWidth-1:0] q_image    = q_tag[RowWidth-5 -: ImageWidth];
  wire [AAddrWidth-1:0] q_out_addr = q_tag[RowWidth-5-ImageWidth -: AAddrWidth];
{%- else %}
  wire                  q_wfirst   = 1'b1;
  wire                  q_wlast    = 1'b1;
  wire [ImageWidth-1:0] q_image    = q_tag[RowWidth-3 -: ImageWidth];
  wire [AAddrWidth-1:0] q_out_addr = q_tag[RowWidth-3-ImageWidth -: AAddrWidth];
{%- endif %}
  wire [NcolWidth-1:0]  q_ncols    = q_tag[2*CountWidth+NcolWidth-1 -: NcolWidth];
  wire [CountWidth-1:0] q_cbase    = q_tag[2*CountWidth-1 -: CountWidth];
  wire [CountWidth-1:0] q_tile     = q_tag[CountWidth-1:0];
  wire [Cols-1:0]       q_cols     = ~({Cols{1'b1}} << q_ncols);
  wire [Cols*SumWidth-1:0] q_masked;
{%- if v.conv %}
  // The window's largest activation so far (no reset: a window's first row replaces it).
  reg  [Cols*ActWidth-1:0] pmax_q;
{%- endif %}
  wire [Cols*ActWidth-1:0] pooled;
  wire [Cols*SumWidth-1:0] q_written;
  generate
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_mask
      wire [ActWidth-1:0] act = q_masked[gc*SumWidth +: ActWidth];
      assign q_masked[gc*SumWidth +: SumWidth] = q_out[gc*SumWidth +: SumWidth]
                                               & {SumWidth{q_cols[gc]}};
{%- if v.conv %}
      wire [ActWidth-1:0] old = pmax_q[gc*ActWidth +: ActWidth];
      assign pooled[gc*ActWidth +: ActWidth]   = (q_wfirst || act > old) ? act : old;
{%- else %}
      assign pooled[gc*ActWidth +: ActWidth]   = act;
{%- endif %}
      assign q_written[gc*SumWidth +: SumWidth] = layer_last
        ? q_masked[gc*SumWidth +: SumWidth]
        : {{(SumWidth-ActWidth){1'b0}}, pooled[gc*ActWidth +: ActWidth]};
    end
  endgenerate
{%- if v.conv %}
  always @(posedge clk_i) begin
    if (q_valid[0]) begin
      pmax_q <= pooled;
    end
  end
{%- else %}
  wire unused_first = q_wfirst;
{%- endif %}
  assign wr_row  = pooled;
  assign wr_en   = q_valid[0] & q_wlast & ~layer_last;
  assign wr_addr = q_out_addr;

  // The post-op valids of columns 1.. (all equal column 0's), and the sums' bits above an
  // activation (zero in a hidden layer: the post-op unit clamps).
  wire unused_valid = ^{q_valid, ntstep_w};

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

{% include "partials/act0_busy.v" %}
  assign row_valid_o = q_valid[0] & q_wlast;
  assign row_last_o  = layer_last;
  assign row_lnt_o   = q_last_nt;
  assign row_layer_o = prog_addr;
  assign row_image_o = q_image;
  assign row_tile_o  = q_tile;
  assign row_o       = q_written;
endmodule
{% include "partials/epilogue.v" %}
