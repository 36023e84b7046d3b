{% include "partials/prologue.v" %}

// Inference accelerator ({= v.side =} x {= v.side =} {= v.dataflow_name =} array): the datapath {= v.core =} behind its host
// interface (docs/accelerator.md, "Host interface"). A host writes the program, weights and
// biases and starts runs over the AXI4-Lite slave s_axil_* ({= v.ctrl =}; register map in
// docs/reference/registers.md), streams images into s_axis_* ({= v.load =}: one beat = one
// activation word) while earlier images compute, and takes classes, logits and pass ends
// from m_axis_* ({= v.out =}). irq_o signals a finished run or an error. rst_ni is
// synchronized here ({= v.rstsync =}).
module {= v.top =} #(
  // $readmemh files that fill the program, weight and bias memories at configuration
  // (a network baked into a bitstream); "" leaves them to the bus. WeightInit is a prefix:
  // the weight memory's banks read <WeightInit>_b000.hex, ... (potmac infer writes them).
  parameter ProgramInit = "",
  parameter WeightInit  = "",
  parameter BiasInit    = "",
  // The post-op units' product: 1 for DSP blocks (potmac synth --dsp sets it), 0 for LUTs.
  parameter integer PostopDsp = 0,
  // The weight memory: 1 for single-port RAM (an iCE40 UP5K's SPRAM; potmac synth --dsp sets
  // it on iCE40), 0 for block RAM. The bias memory is block RAM either way.
  parameter integer Spram = 0
) (
{%- include "partials/ports.v" %}
);
  localparam integer BatchWidth = {= v.batch_bits =};
  localparam integer PAddrWidth = {= v.p_addr =};
  localparam integer WAddrWidth = {= v.w_addr =};
  localparam integer BAddrWidth = {= v.b_addr =};
  localparam integer AAddrWidth = {= v.a_addr =};
  localparam integer CountWidth = {= v.count_bits =};
  localparam integer ImageWidth = {= v.image_bits =};
  localparam integer Cols       = {= v.side =};
  localparam integer SumWidth   = {= v.sum_bits =};

  wire rst_n;
  {= v.rstsync =} u_rstsync (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .rst_no (rst_n)
  );

  // Control <-> loader, datapath, output writer.
  wire                        pm_we, wm_we, bm_we;
  wire [PAddrWidth-1:0]       pm_addr;
  wire [WAddrWidth-1:0]       wm_addr;
  wire [BAddrWidth-1:0]       bm_addr;
  wire [{= v.desc_bits =}-1:0]         pm_data;
  wire [{= v.wmem_bits =}-1:0]         wm_data;
  wire [{= v.bmem_bits =}-1:0]         bm_data;
  wire                        ld_start, ld_abort, ld_free, ld_free_half, ld_framing;
  wire [31:0]                 ld_images;
  wire [BatchWidth-1:0]       ld_batch, ld_n0, ld_n1;
  wire [15:0]                 ld_words;
  wire [1:0]                  ld_full;
  wire                        start, half, logits, trace, busy, done, fail, stall;
  wire [BatchWidth-1:0]       batch;
  wire [3:0]                  err;
  wire                        pass, out_room, overflow;
  wire [31:0]                 pass_cycles;
  wire [BatchWidth-1:0]       pass_images;
  wire                        in_we, act0_busy;
  wire [AAddrWidth-1:0]       in_addr;
  wire [Cols*{= v.act_bits =}-1:0]       in_data;
{%- if v.os %}
  wire [{= v.col_bits =}-1:0]          in_bank;
{%- endif %}
  wire                        row_valid, row_last, row_lnt;
  wire [PAddrWidth-1:0]       row_layer;
  wire [ImageWidth-1:0]       row_image;
  wire [CountWidth-1:0]       row_tile;
  wire [Cols*SumWidth-1:0]    row;
  wire                        class_valid;
  wire [ImageWidth-1:0]       class_image;
  wire [CountWidth-1:0]       class_idx;

  {= v.ctrl =} u_ctrl (
    .clk_i            (clk_i),
    .rst_ni           (rst_n),
    .s_axil_awaddr_i  (s_axil_awaddr_i),
    .s_axil_awprot_i  (s_axil_awprot_i),
    .s_axil_awvalid_i (s_axil_awvalid_i),
    .s_axil_awready_o (s_axil_awready_o),
    .s_axil_wdata_i   (s_axil_wdata_i),
    .s_axil_wstrb_i   (s_axil_wstrb_i),
    .s_axil_wvalid_i  (s_axil_wvalid_i),
    .s_axil_wready_o  (s_axil_wready_o),
    .s_axil_bresp_o   (s_axil_bresp_o),
    .s_axil_bvalid_o  (s_axil_bvalid_o),
    .s_axil_bready_i  (s_axil_bready_i),
    .s_axil_araddr_i  (s_axil_araddr_i),
    .s_axil_arprot_i  (s_axil_arprot_i),
    .s_axil_arvalid_i (s_axil_arvalid_i),
    .s_axil_arready_o (s_axil_arready_o),
    .s_axil_rdata_o   (s_axil_rdata_o),
    .s_axil_rresp_o   (s_axil_rresp_o),
    .s_axil_rvalid_o  (s_axil_rvalid_o),
    .s_axil_rready_i  (s_axil_rready_i),
    .irq_o            (irq_o),
    .pm_we_o          (pm_we),
    .pm_addr_o        (pm_addr),
    .pm_data_o        (pm_data),
    .wm_we_o          (wm_we),
    .wm_addr_o        (wm_addr),
    .wm_data_o        (wm_data),
    .bm_we_o          (bm_we),
    .bm_addr_o        (bm_addr),
    .bm_data_o        (bm_data),
    .ld_start_o       (ld_start),
    .ld_abort_o       (ld_abort),
    .ld_images_o      (ld_images),
    .ld_batch_o       (ld_batch),
    .ld_words_o       (ld_words),
    .ld_full_i        (ld_full),
    .ld_n0_i          (ld_n0),
    .ld_n1_i          (ld_n1),
    .ld_free_o        (ld_free),
    .ld_free_half_o   (ld_free_half),
    .ld_framing_i     (ld_framing),
    .start_o          (start),
    .batch_o          (batch),
    .half_o           (half),
    .logits_o         (logits),
    .trace_o          (trace),
    .busy_i           (busy),
    .done_i           (done),
    .fail_i           (fail),
    .err_i            (err),
    .stall_i          (stall),
    .pass_o           (pass),
    .pass_cycles_o    (pass_cycles),
    .pass_images_o    (pass_images),
    .out_room_i       (out_room),
    .overflow_i       (overflow)
  );

  {= v.load =} u_load (
    .clk_i           (clk_i),
    .rst_ni          (rst_n),
    .start_i         (ld_start),
    .abort_i         (ld_abort),
    .images_i        (ld_images),
    .batch_i         (ld_batch),
    .words_i         (ld_words),
    .free_i          (ld_free),
    .free_half_i     (ld_free_half),
    .busy_i          (act0_busy),
    .s_axis_tdata_i  (s_axis_tdata_i),
    .s_axis_tvalid_i (s_axis_tvalid_i),
    .s_axis_tready_o (s_axis_tready_o),
    .s_axis_tlast_i  (s_axis_tlast_i),
    .full_o          (ld_full),
    .n0_o            (ld_n0),
    .n1_o            (ld_n1),
    .framing_o       (ld_framing),
    .we_o            (in_we),
{%- if v.os %}
    .bank_o          (in_bank),
{%- endif %}
    .addr_o          (in_addr),
    .data_o          (in_data)
  );

  {= v.core =} #(
    .ProgramInit (ProgramInit),
    .WeightInit  (WeightInit),
    .BiasInit    (BiasInit),
    .PostopDsp   (PostopDsp),
    .Spram       (Spram)
  ) u_core (
    .clk_i         (clk_i),
    .rst_ni        (rst_n),
    .start_i       (start),
    .batch_i       (batch),
    .half_i        (half),
    .out_room_i    (out_room),
    .busy_o        (busy),
    .done_o        (done),
    .stall_o       (stall),
    .fail_o        (fail),
    .err_o         (err),
    .pm_we_i       (pm_we),
    .pm_addr_i     (pm_addr),
    .pm_data_i     (pm_data),
    .wm_we_i       (wm_we),
    .wm_addr_i     (wm_addr),
    .wm_data_i     (wm_data),
    .bm_we_i       (bm_we),
    .bm_addr_i     (bm_addr),
    .bm_data_i     (bm_data),
    .in_we_i       (in_we),
{%- if v.os %}
    .in_bank_i     (in_bank),
{%- endif %}
    .in_addr_i     (in_addr),
    .in_data_i     (in_data),
    .act0_busy_o   (act0_busy),
    .row_valid_o   (row_valid),
    .row_last_o    (row_last),
    .row_lnt_o     (row_lnt),
    .row_layer_o   (row_layer),
    .row_image_o   (row_image),
    .row_tile_o    (row_tile),
    .row_o         (row),
    .class_valid_o (class_valid),
    .class_image_o (class_image),
    .class_o       (class_idx)
  );

  {= v.out =} u_out (
    .clk_i           (clk_i),
    .rst_ni          (rst_n),
    .logits_i        (logits),
    .trace_i         (trace),
    .row_valid_i     (row_valid),
    .row_last_i      (row_last),
    .row_lnt_i       (row_lnt),
    .row_layer_i     (row_layer),
    .row_image_i     (row_image),
    .row_tile_i      (row_tile),
    .row_i           (row),
    .class_i         (class_idx),
    .pass_i          (pass),
    .pass_cycles_i   (pass_cycles),
    .pass_images_i   (pass_images),
    .m_axis_tdata_o  (m_axis_tdata_o),
    .m_axis_tuser_o  (m_axis_tuser_o),
    .m_axis_tvalid_o (m_axis_tvalid_o),
    .m_axis_tready_i (m_axis_tready_i),
    .m_axis_tlast_o  (m_axis_tlast_o),
    .room_o          (out_room),
    .overflow_o      (overflow)
  );

  // The class's image index and validity equal the row's the writer delayed to meet it.
  wire unused_class = ^{class_valid, class_image};
endmodule
{% include "partials/epilogue.v" %}
