{% include "partials/prologue.v" %}

// Output writer: turns the datapath's post-op rows, classes and pass ends into records on an
// AXI4-Stream master, through a FIFO of Depth records (docs/accelerator.md, "Host
// interface"). Records, TUSER = {kind[1:0], layer, image, tile, class}:
//   kind 1: a last-layer row of an image's last N-tile, with the image's class in TUSER
//           (every image gives one; TDATA holds the row's {= v.side =} logits, column c in bits
//           [c*{= v.sum_bits =} +: {= v.sum_bits =}])
//   kind 0: any other last-layer row (with logits_i) or any layer's row (with trace_i)
//   kind 2: the end of a pass, TLAST set: TDATA[31:0] the pass's cycles, TUSER's class field
//           the pass's images
// A row waits ArgmaxLatency cycles so that it leaves with its class. The datapath cannot
// stall: the sequencer waits for room_o (an empty writer) before a pass's last layer, so the
// FIFO holds a whole last layer; a record that finds it full (trace mode only) is dropped
// and raises overflow_o.
module {= v.out =} (
{%- include "partials/ports.v" %}
);
  localparam integer SumWidth   = {= v.sum_bits =};
  localparam integer Cols       = {= v.side =};
  localparam integer CountWidth = {= v.count_bits =};
  localparam integer ImageWidth = {= v.image_bits =};
  localparam integer PAddrWidth = {= v.p_addr =};
  localparam integer BatchWidth = {= v.batch_bits =};
  localparam integer OutWidth   = {= v.out_width =};
  localparam integer UserWidth  = 2 + PAddrWidth + ImageWidth + 2 * CountWidth;
  localparam integer RecWidth   = OutWidth + UserWidth;
  localparam integer Depth      = {= v.fifo_depth =};
  localparam integer PtrWidth   = {= v.fifo_ptr =};
  localparam [PtrWidth-1:0] LastPtr = {= v.fifo_ptr =}'d{= v.fifo_last =};
  localparam [PtrWidth:0]   Full    = {= v.fifo_count =}'d{= v.fifo_depth =};
  localparam integer Latency    = {= v.argmax_latency =};

  // Rows that become records, delayed to meet their class.
  wire                  take = row_valid_i & (trace_i | (row_last_i & (logits_i | row_lnt_i)));
  wire [1:0]            kind = (row_last_i & row_lnt_i) ? 2'd1 : 2'd0;
  localparam integer DWidth = OutWidth + UserWidth - CountWidth;
  reg  [OutWidth-1:0]   row_ext;
  always @(*) begin
    row_ext = {OutWidth{1'b0}};
    row_ext[Cols*SumWidth-1:0] = row_i;
  end
  // The valid in flip-flops (reset), the record in a memory delay line.
  wire              r_valid;
  wire [DWidth-1:0] r_rec;
  {= v.delay =} #(.Width(1), .Depth(Latency)) u_take_delay (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .d_i    (take),
    .q_o    (r_valid)
  );
  {= v.lag =} #(.Width(DWidth), .Depth(Latency), .AddrWidth({= v.argmax_lag_addr =})) u_class_delay (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .d_i    ({kind, row_layer_i, row_image_i, row_tile_i, row_ext}),
    .q_o    (r_rec)
  );
  wire                  r_class = (r_rec[DWidth-1 -: 2] == 2'd1);
  wire [CountWidth-1:0] r_cls   = r_class ? class_i : {CountWidth{1'b0}};

  // The pass end waits for a cycle without a row record.
  reg                  pend_q;
  reg [31:0]           pcycles_q;
  reg [BatchWidth-1:0] pimages_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pend_q <= 1'b0;
    end else if (pass_i) begin
      pend_q <= 1'b1;
    end else if (!r_valid) begin
      pend_q <= 1'b0;
    end
  end
  always @(posedge clk_i) begin
    if (pass_i) begin
      pcycles_q <= pass_cycles_i;
      pimages_q <= pass_images_i;
    end
  end
  reg [CountWidth-1:0] pimages_c;
  reg [OutWidth-1:0]   pdata;
  always @(*) begin
    pimages_c = {CountWidth{1'b0}};
    pimages_c[BatchWidth-1:0] = pimages_q;
    pdata = {OutWidth{1'b0}};
    pdata[31:0] = pcycles_q;
  end
  wire                pass_rec = pend_q & ~r_valid;
  wire                push     = r_valid | pass_rec;
  // Record layout in the FIFO: {kind, layer, image, tile, class, data}.
  wire [RecWidth-1:0] w_rec    = r_valid
      ? {r_rec[DWidth-1:OutWidth], r_cls, r_rec[OutWidth-1:0]}
      : {2'd2, {(PAddrWidth + ImageWidth + CountWidth){1'b0}}, pimages_c, pdata};

  // FIFO: a memory with a synchronous read, and two output registers (o, s) so that a
  // record can leave every cycle.
  reg  [PtrWidth-1:0] wptr_q, rptr_q;
  reg  [PtrWidth:0]   count_q;
  reg                 rd_q;
  reg                 o_valid_q, s_valid_q;
  reg  [RecWidth-1:0] o_q, s_q;
  wire [RecWidth-1:0] rd_rec;
  // Records in the writer (the FIFO, the read in flight, s and o), and room_o as a register:
  // empty and no pass end pending after this edge (the same as testing every register
  // after it, without their logic in the sequencer's timing).
  reg  [PtrWidth+1:0] occ_q;
  reg                 room_q;
  wire                full  = (count_q == Full);
  wire                we    = push & ~full;
  wire                pop   = o_valid_q & m_axis_tready_i;
  wire [1:0]          held  = {1'b0, o_valid_q} + {1'b0, s_valid_q} + {1'b0, rd_q} - {1'b0, pop};
  wire                issue = (count_q != {(PtrWidth+1){1'b0}}) & (held < 2'd2);

  {= v.ram =} #(.Width(RecWidth), .Depth(Depth), .AddrWidth(PtrWidth)) u_fifo (
    .clk_i   (clk_i),
    .we_i    (we),
    .waddr_i (wptr_q),
    .wdata_i (w_rec),
    .raddr_i (rptr_q),
    .rdata_o (rd_rec)
  );

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wptr_q    <= {PtrWidth{1'b0}};
      rptr_q    <= {PtrWidth{1'b0}};
      count_q   <= {(PtrWidth+1){1'b0}};
      rd_q      <= 1'b0;
      o_valid_q <= 1'b0;
      s_valid_q <= 1'b0;
      occ_q     <= {(PtrWidth+2){1'b0}};
      room_q    <= 1'b1;
    end else begin
      occ_q  <= occ_q + {{(PtrWidth+1){1'b0}}, we} - {{(PtrWidth+1){1'b0}}, pop};
      room_q <= ~we & ((occ_q == {(PtrWidth+2){1'b0}})
                       | ((occ_q == {{(PtrWidth+1){1'b0}}, 1'b1}) & pop))
              & ~(pass_i | (pend_q & r_valid));
      if (we) begin
        wptr_q <= (wptr_q == LastPtr) ? {PtrWidth{1'b0}} : wptr_q + {{(PtrWidth-1){1'b0}}, 1'b1};
      end
      if (issue) begin
        rptr_q <= (rptr_q == LastPtr) ? {PtrWidth{1'b0}} : rptr_q + {{(PtrWidth-1){1'b0}}, 1'b1};
      end
      count_q <= count_q + {{PtrWidth{1'b0}}, we} - {{PtrWidth{1'b0}}, issue};
      rd_q    <= issue;
      // o is the stream's register: refilled from s, else from the memory's data.
      if (!o_valid_q || pop) begin
        o_valid_q <= s_valid_q | rd_q;
        s_valid_q <= s_valid_q & rd_q;
      end else if (rd_q) begin
        s_valid_q <= 1'b1;
      end
    end
  end
  always @(posedge clk_i) begin
    if (!o_valid_q || pop) begin
      o_q <= s_valid_q ? s_q : rd_rec;
      if (s_valid_q) begin
        s_q <= rd_rec;
      end
    end else if (rd_q) begin
      s_q <= rd_rec;
    end
  end

  assign m_axis_tvalid_o = o_valid_q;
  assign m_axis_tdata_o  = o_q[OutWidth-1:0];
  assign m_axis_tuser_o  = o_q[RecWidth-1:OutWidth];
  assign m_axis_tlast_o  = (o_q[RecWidth-1 -: 2] == 2'd2);
  assign room_o          = room_q;
  assign overflow_o      = push & full;
endmodule
{% include "partials/epilogue.v" %}
