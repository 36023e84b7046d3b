{% include "partials/prologue.v" %}

// Datapath of the inference accelerator around the {= v.side =} x {= v.side =} output-stationary array {= v.array =}
// (docs/accelerator.md); {= v.top =} wraps it with the host interface. start_i (with batch_i,
// the images in this pass, and half_i, the input half of activation buffer 0 that holds them)
// runs the layer program; each layer reads one activation buffer and writes the other
// (ping-pong). Each buffer is {= v.side =} banks, bank b holding the images b, b+{= v.side =}, ...: word w of
// image i (a feature map pixel-major, channel word minor) is bank i mod {= v.side =}, address
// (i / {= v.side =}) * words + w (+ half*HalfWords in buffer 0), so one read of all banks gives the
// array one feature of a group of {= v.side =} images. The host's image words
// arrive on in_* (not while act0_busy_o). Every post-op output row leaves on row_*, per image
// the class on class_*; done_o follows the last class, or fail_o (with err_o) ends a pass
// whose program is invalid before any tile. The arithmetic is the MAC unit's and the post-op
// unit's; this module only moves data.
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
  localparam integer BatchWidth = {= v.batch_bits =};
  localparam integer ImageWidth = {= v.image_bits =};
  localparam integer WAddrWidth = {= v.w_addr =};
  localparam integer AAddrWidth = {= v.a_addr =};
  localparam integer BAddrWidth = {= v.b_addr =};
  localparam integer PAddrWidth = {= v.p_addr =};
  localparam integer NcolWidth  = {= v.ncol_bits =};
  localparam integer ColWidth   = {= v.col_bits =};
  localparam integer MWidth     = {= v.m_bits =};
  localparam integer SWidth     = {= v.s_bits =};
  // One column's element of a bias-memory word: {S, M, bias} (hw::accel::BiasEntry).
  localparam integer BColWidth  = BiasWidth + MWidth + SWidth;
  localparam integer DescWidth  = {= v.desc_bits =};
  // Tile tag: {first_nt, last_nt, wfirst, wlast, image base, out_addr, ncols, cbase, baddr,
  // tile} (wfirst, wlast: the tile is the first, the last of its output window).
  localparam integer TagWidth   = 4 + ImageWidth + AAddrWidth + NcolWidth + 2 * CountWidth
                                + BAddrWidth;
  // Row tag after the array: {first_nt, last_nt, wfirst, wlast, image, out_addr, ncols,
  // cbase, tile, bank}.
  localparam integer RowWidth   = 4 + ImageWidth + AAddrWidth + NcolWidth + 2 * CountWidth
                                + ColWidth;

  genvar gc;

  wire [PAddrWidth-1:0] prog_addr;
  wire [DescWidth-1:0]  desc;
  wire                  sel;
  wire                  layer_last;
  wire [BatchWidth-1:0] cur_batch;
  wire                  step;
  wire                  last_k;
  wire [WAddrWidth-1:0] w_addr;
  wire [AAddrWidth-1:0] a_addr;
  wire [ColWidth-1:0]   kel;
  wire                  t_zero, t_wfirst, t_wlast;
  wire                  t_first_nt, t_last_nt;
  wire [ImageWidth-1:0] t_ibase;
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
    .batch_o     (cur_batch),
    .step_o      (step),
    .last_k_o    (last_k),
    .w_addr_o    (w_addr),
    .a_addr_o    (a_addr),
    .zero_o      (t_zero),
    .kel_o       (kel),
    .first_nt_o  (t_first_nt),
    .last_nt_o   (t_last_nt),
    .wfirst_o    (t_wfirst),
    .wlast_o     (t_wlast),
    .ibase_o     (t_ibase),
    .out_addr_o  (t_out_addr),
    .ncols_o     (t_ncols),
    .cbase_o     (t_cbase),
    .baddr_o     (t_baddr),
    .tile_o      (t_tile)
  );

  wire [Cols*WCodeWidth-1:0] w_row;
  wire [Cols*BColWidth-1:0]  bias_row;
  wire [BAddrWidth-1:0]      o_baddr;
  wire                       wr_en;
  wire [ColWidth-1:0]        wr_bank;
  wire [AAddrWidth-1:0]      wr_addr;
  wire [Cols*ActWidth-1:0]   wr_row;
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

  // Stages 1 and 2: the weight and activation memories' data arrive, each bank's word
  // registered beside its block RAM ({= v.bram =}); the step's control and the tile tag meet
  // them.
  reg                s1_step_q, s1_last_q, s2_step_q, s2_last_q;
  reg [ColWidth-1:0] s1_kel_q, s2_kel_q;
  reg                s1_zero_q, s2_zero_q;
  reg [TagWidth-1:0] s1_tag_q, s2_tag_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s1_step_q <= 1'b0;
      s1_last_q <= 1'b0;
      s2_step_q <= 1'b0;
      s2_last_q <= 1'b0;
    end else begin
      s1_step_q <= step;
      s1_last_q <= last_k;
      s2_step_q <= s1_step_q;
      s2_last_q <= s1_last_q;
    end
  end
  always @(posedge clk_i) begin
    s1_kel_q  <= kel;
    s1_zero_q <= t_zero;
    s1_tag_q  <= {t_first_nt, t_last_nt, t_wfirst, t_wlast, t_ibase, t_out_addr, t_ncols,
                  t_cbase, t_baddr, t_tile};
    s2_kel_q  <= s1_kel_q;
    s2_zero_q <= s1_zero_q;
    s2_tag_q <= s1_tag_q;
  end

  // Activation banks, two buffers of Cols banks; layer L reads buffer sel, writes the other.
  wire [Cols*ActWidth-1:0] in_act;
  wire [Cols-1:0]          host_bank = {{(Cols-1){1'b0}}, 1'b1} << in_bank_i;
  wire [Cols-1:0]          wr_banks  = {{(Cols-1){1'b0}}, 1'b1} << wr_bank;
  generate
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_bank
      wire [Cols*ActWidth-1:0] rd0, rd1, rd;
      // A layer's write into buffer 0 wins; the host waits (act0_busy_o).
      wire                     wr_here   = wr_en & wr_banks[gc];
      wire                     host_here = in_we_i & host_bank[gc] & ~wr_act0;
      // Registered once when a bank is deeper than one block RAM (as in the
      // weight-stationary datapath).
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
          a0_we_q <= host_here | (wr_here & sel);
          a1_we_q <= wr_here & ~sel;
        end
      end
      always @(posedge clk_i) begin
        a0_addr_q <= host_here ? in_addr_i : wr_addr;
        a0_data_q <= host_here ? in_data_i : wr_row;
        a1_addr_q <= wr_addr[{= v.a1_addr =}-1:0];
        a1_data_q <= wr_row;
      end
      assign {a0_we, a0_addr, a0_data} = {a0_we_q, a0_addr_q, a0_data_q};
      assign {a1_we, a1_addr, a1_data} = {a1_we_q, a1_addr_q, a1_data_q};
{%- else %}
      assign a0_we   = host_here | (wr_here & sel);
      assign a0_addr = host_here ? in_addr_i : wr_addr;
      assign a0_data = host_here ? in_data_i : wr_row;
      assign a1_we   = wr_here & ~sel;
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
        .rdata_o (rd0)
      );
      // Buffer 1 has no input halves: its addresses are below HalfWords.
      {= v.bram =} #(.Width(Cols*ActWidth), .Depth({= v.bank_words =}), .AddrWidth({= v.a1_addr =}),
        .BankAddrWidth({= v.bank_bits =})) u_act1 (
        .clk_i   (clk_i),
        .we_i    (a1_we),
        .waddr_i (a1_addr),
        .wdata_i (a1_data),
        .raddr_i (a_addr[{= v.a1_addr =}-1:0]),
        .rdata_o (rd1)
      );
      reg  [ActWidth-1:0]      act;
      integer                  e;
      assign rd = sel ? rd1 : rd0;
      // Element k mod Cols of the word: this bank's image's feature k.
      always @(*) begin
        act = rd[ActWidth-1:0];
        for (e = 1; e < Cols; e = e + 1) begin
          if (s2_kel_q == e[ColWidth-1:0]) begin
            act = rd[e*ActWidth +: ActWidth];
          end
        end
      end
      assign in_act[gc*ActWidth +: ActWidth] = act;
    end
  endgenerate

  wire                     out_valid;
  wire [Cols*AccWidth-1:0] out_row;
  // Stage 3: the memories' words selected and registered, with the step's control and the
  // tile tag: the array's inputs. A kernel position in the padding gives zeros.
  reg                        s3_step_q, s3_last_q;
  reg [TagWidth-1:0]         s3_tag_q;
  reg [Cols*ActWidth-1:0]    s3_act_q;
  reg [Cols*WCodeWidth-1:0]  s3_w_row_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      s3_step_q <= 1'b0;
      s3_last_q <= 1'b0;
    end else begin
      s3_step_q <= s2_step_q;
      s3_last_q <= s2_last_q;
    end
  end
  always @(posedge clk_i) begin
    s3_tag_q   <= s2_tag_q;
    s3_act_q   <= s2_zero_q ? {(Cols*ActWidth){1'b0}} : in_act;
    s3_w_row_q <= w_row;
  end

  {= v.array =} u_array (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .in_valid_i  (s3_step_q),
    .in_last_i   (s3_last_q),
    .in_act_i    (s3_act_q),
    .in_w_i      (s3_w_row_q),
    .out_valid_o (out_valid),
    .out_row_o   (out_row)
  );

  // The tile tag waits Rows+Cols cycles after the tile's last step: the first output row.
  // The strobe in a delay line with reset, the tag beside it in one without.
  wire                o_tile;
  wire [TagWidth-1:0] o_tag;
  {= v.delay =} #(.Width(1), .Depth({= v.latency =})) u_tile_delay (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .d_i    (s3_step_q & s3_last_q),
    .q_o    (o_tile)
  );
  {= v.delay =} #(.Width(TagWidth), .Depth({= v.latency =}), .Reset(0)) u_tag_delay (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .d_i    (s3_tag_q),
    .q_o    (o_tag)
  );
  reg  [TagWidth-1:0] cur_tag_d, cur_tag_q;
  reg  [ColWidth-1:0] row_d, row_q;
  wire [TagWidth-1:0] tag   = o_tile ? o_tag : cur_tag_q;
  wire [ColWidth-1:0] row   = o_tile ? {ColWidth{1'b0}} : row_q;
  reg  [ImageWidth-1:0] row_ext;
  reg  [ImageWidth:0]   batch_ext;
  always @(*) begin
    row_ext = {ImageWidth{1'b0}};
    row_ext[ColWidth-1:0] = row;
    batch_ext = {(ImageWidth+1){1'b0}};
    batch_ext[BatchWidth-1:0] = cur_batch;
    cur_tag_d = tag;
    row_d     = row_q;
    if (out_valid) begin
      row_d = row + {{(ColWidth-1){1'b0}}, 1'b1};
    end
  end
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      row_q <= {ColWidth{1'b0}};
    end else begin
      row_q <= row_d;
    end
  end
  always @(posedge clk_i) begin
    cur_tag_q <= cur_tag_d;
  end
  wire [ImageWidth-1:0] o_image = tag[TagWidth-5 -: ImageWidth] + row_ext;
  wire                  o_ok    = {1'b0, o_image} < batch_ext;
  assign o_baddr = tag[BAddrWidth+CountWidth-1 -: BAddrWidth];
  wire [RowWidth-1:0] o_rowtag = {tag[TagWidth-1:TagWidth-4], o_image,
                                  tag[TagWidth-5-ImageWidth:BAddrWidth+CountWidth],
                                  tag[CountWidth-1:0], row};

  // Post-op input stage: the rows of real images, with the bias word of their N-tile.
  reg                     p_valid_q;
  reg [Cols*AccWidth-1:0] p_row_q;
  reg [RowWidth-1:0]      p_tag_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      p_valid_q <= 1'b0;
    end else begin
      p_valid_q <= out_valid & o_ok;
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

  wire                  q_first_nt = q_tag[RowWidth-1];
  wire                  q_last_nt  = q_tag[RowWidth-2];
  wire                  q_wfirst   = q_tag[RowWidth-3];
  wire                  q_wlast    = q_tag[RowWidth-4];
  wire [ImageWidth-1:0] q_image    = q_tag[RowWidth-5 -: ImageWidth];
  wire [AAddrWidth-1:0] q_out_addr = q_tag[RowWidth-5-ImageWidth -: AAddrWidth];
  wire [NcolWidth-1:0]  q_ncols    = q_tag[2*CountWidth+ColWidth+NcolWidth-1 -: NcolWidth];
  wire [CountWidth-1:0] q_cbase    = q_tag[2*CountWidth+ColWidth-1 -: CountWidth];
  wire [CountWidth-1:0] q_tile     = q_tag[CountWidth+ColWidth-1 -: CountWidth];
  wire [ColWidth-1:0]   q_bank     = q_tag[ColWidth-1:0];
  wire [Cols-1:0]       q_cols     = ~({Cols{1'b1}} << q_ncols);
  wire [Cols*SumWidth-1:0] q_masked;
  wire [Cols*ActWidth-1:0] pooled;
  wire [Cols*SumWidth-1:0] q_written;
{%- if v.conv %}
  // Per array row (image of the group), its window's largest activations so far: the
  // window's tiles leave one after another, each a row per image (no reset: a window's
  // first tile replaces them).
  reg  [Cols*ActWidth-1:0] pmax_q [0:Cols-1];
  wire [Cols*ActWidth-1:0] pold = pmax_q[q_bank];
{%- endif %}
  generate
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_mask
      wire [ActWidth-1:0] act = q_masked[gc*SumWidth +: ActWidth];
      assign q_masked[gc*SumWidth +: SumWidth] = q_out[gc*SumWidth +: SumWidth]
                                               & {SumWidth{q_cols[gc]}};
{%- if v.conv %}
      wire [ActWidth-1:0] old = pold[gc*ActWidth +: ActWidth];
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
      pmax_q[q_bank] <= pooled;
    end
  end
{%- else %}
  wire unused_first = q_wfirst;
{%- endif %}
  assign wr_row  = pooled;
  assign wr_en   = q_valid[0] & q_wlast & ~layer_last;
  assign wr_bank = q_bank;
  assign wr_addr = q_out_addr;

  // The post-op valids of columns 1.. (all equal column 0's).
  wire unused_valid = ^q_valid;

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
