{% include "partials/prologue.v" %}

// Input loader: writes the images of a run, arriving on an AXI4-Stream slave (one beat = one
// activation word of {= v.side =} activations, element c in bits [c*{= v.act_bits =} +: {= v.act_bits =}]; an image's words in order,
// TLAST on its last word), into the two input halves of activation buffer 0 while passes
// compute from the other half (docs/accelerator.md, "Host interface"). start_i begins a run
// of images_i images in batches of batch_i, words_i beats each. A half is filled with the next
// min(batch_i, images left) images and then marked full (full_o, n0_o/n1_o images); the
// controller frees it (free_i) when the pass that read it has finished. Beats wait
// (s_axis_tready_o low) while both halves are full or while a layer writes buffer 0
// (busy_i). A beat whose TLAST disagrees with the image's last word raises framing_o (the
// beat is still written).
{%- if v.os %}
// Output-stationary layout, group-major: word w of image m of a half in bank m mod {= v.side =} at
// half*HalfWords + (m / {= v.side =}) * words + w: each image's words in order, from its group's base.
{%- else %}
// Weight-stationary layout, image-major: word w of image m of a half at
// half*HalfWords + m * words + w, so the words of a half are written in order.
{%- endif %}
module {= v.load =} (
{%- include "partials/ports.v" %}
);
  localparam integer BatchWidth = {= v.batch_bits =};
  localparam integer AAddrWidth = {= v.a_addr =};
  localparam [AAddrWidth-1:0] HalfWords = {= v.a_addr =}'d{= v.half_words =};
{%- if v.os %}
  localparam integer ColWidth = {= v.col_bits =};
  localparam [ColWidth-1:0] LastBank = {= v.col_bits =}'d{= v.side_minus_1 =};
{%- endif %}

  reg  [31:0]           left_q;
  reg                   loading_q, setup_q;
  // Idle for a cycle: bn_q, the half's image count registered (out of the compare's and
  // the subtraction's timing), then holds this half's value.
  reg                   settle_q;
  reg  [BatchWidth-1:0] bn_q;
  // The images left after this half, registered (out of the end's timing): left_q and ncur_q
  // hold from the half's setup on.
  reg  [31:0]           lsub_q;
  reg                   h_q;
  reg  [1:0]            full_q;
  reg  [BatchWidth-1:0] n0_q, n1_q, ncur_q;
  reg  [BatchWidth-1:0] m_q;
  // The half's last image index (set up before the half, so that its end is an equality).
  reg  [BatchWidth-1:0] mlast_q;
  // Words of the image after this one (a down-counter, so that the image's end is a zero
  // test, not a compare with IMAGE_WORDS - 1).
  reg  [15:0]           wrem_q;
  reg  [AAddrWidth-1:0] addr_q;
{%- if v.os %}
  // The group's first word, and the bank of the image.
  reg  [AAddrWidth-1:0] istart_q;
  reg  [ColWidth-1:0]   bank_q;
{%- endif %}

  // batch_i < left_q: the high bits of left_q, then a short compare of the low ones.
  wire                  left_big  = (|left_q[31:BatchWidth]) | (left_q[BatchWidth-1:0] > batch_i);
  wire [BatchWidth-1:0] batch_n   = left_big ? batch_i : left_q[BatchWidth-1:0];
  wire [AAddrWidth-1:0] half_base = h_q ? HalfWords : {AAddrWidth{1'b0}};
  wire                  beat      = s_axis_tvalid_i & s_axis_tready_o;
  // The halves a freed half clears and a finished half sets, one-hot: written as masks, not
  // as full_q[index] <= ..., which Yosys builds with 32-bit index arithmetic (a carry chain
  // that was the ECP5-85F 8x8's critical path).
  wire [1:0]            free_mask = free_i ? (free_half_i ? 2'b10 : 2'b01) : 2'b00;
  wire [1:0]            h_mask    = h_q ? 2'b10 : 2'b01;
  // The image's last word and the half's last image, as flags set a cycle ahead (so that a
  // half's end is one gate from the stream's handshake).
  reg                   wlast_q, ilast_q;
  wire                  word_last = wlast_q;
  wire                  img_last  = ilast_q;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      left_q    <= 32'd0;
      loading_q <= 1'b0;
      setup_q   <= 1'b0;
      settle_q  <= 1'b0;
      h_q       <= 1'b0;
      full_q    <= 2'b00;
      n0_q      <= {BatchWidth{1'b0}};
      n1_q      <= {BatchWidth{1'b0}};
    end else if (abort_i) begin
      left_q    <= 32'd0;
      loading_q <= 1'b0;
      setup_q   <= 1'b0;
      settle_q  <= 1'b0;
      full_q    <= 2'b00;
    end else if (start_i) begin
      left_q    <= images_i;
      loading_q <= 1'b0;
      setup_q   <= 1'b0;
      settle_q  <= 1'b0;
      h_q       <= 1'b0;
      full_q    <= 2'b00;
    end else begin
      // A half freed and the other one filled at the same edge: both take effect.
      full_q <= full_q & ~free_mask;
      settle_q <= !loading_q && !setup_q;
      if (!loading_q && !setup_q && settle_q && left_q != 32'd0 && !full_q[h_q]) begin
        setup_q <= 1'b1;
      end
      if (setup_q) begin
        setup_q   <= 1'b0;
        loading_q <= 1'b1;
      end
      if (beat && word_last && img_last) begin
        loading_q      <= 1'b0;
        full_q         <= (full_q & ~free_mask) | h_mask;
        h_q            <= ~h_q;
        left_q         <= lsub_q;
        if (h_q) begin
          n1_q <= ncur_q;
        end else begin
          n0_q <= ncur_q;
        end
      end
    end
  end

  // Address counters (no reset: they are set up before every half).
  always @(posedge clk_i) begin
    bn_q   <= batch_n;
    lsub_q <= left_q - {{(32-BatchWidth){1'b0}}, ncur_q};
    if (!loading_q && !setup_q) begin
      ncur_q   <= bn_q;
      mlast_q  <= bn_q - {{(BatchWidth-1){1'b0}}, 1'b1};
      m_q      <= {BatchWidth{1'b0}};
      ilast_q  <= (bn_q == {{(BatchWidth-1){1'b0}}, 1'b1});
      wrem_q   <= words_i - 16'd1;
      wlast_q  <= (words_i == 16'd1);
      addr_q   <= half_base;
{%- if v.os %}
      istart_q <= half_base;
      bank_q   <= {ColWidth{1'b0}};
    end else if (beat) begin
      if (word_last) begin
        wrem_q  <= words_i - 16'd1;
        wlast_q <= (words_i == 16'd1);
        m_q     <= m_q + {{(BatchWidth-1){1'b0}}, 1'b1};
        ilast_q <= (m_q + {{(BatchWidth-1){1'b0}}, 1'b1} == mlast_q);
        if (bank_q == LastBank) begin
          // The group's last image: the next group starts after its words.
          bank_q   <= {ColWidth{1'b0}};
          istart_q <= addr_q + {{(AAddrWidth-1){1'b0}}, 1'b1};
          addr_q   <= addr_q + {{(AAddrWidth-1){1'b0}}, 1'b1};
        end else begin
          bank_q <= bank_q + {{(ColWidth-1){1'b0}}, 1'b1};
          addr_q <= istart_q;
        end
      end else begin
        wrem_q  <= wrem_q - 16'd1;
        wlast_q <= (wrem_q == 16'd1);
        addr_q  <= addr_q + {{(AAddrWidth-1){1'b0}}, 1'b1};
      end
    end
  end
  assign bank_o = bank_q;
{%- else %}
    end else if (beat) begin
      addr_q <= addr_q + {{(AAddrWidth-1){1'b0}}, 1'b1};
      if (word_last) begin
        wrem_q  <= words_i - 16'd1;
        wlast_q <= (words_i == 16'd1);
        m_q     <= m_q + {{(BatchWidth-1){1'b0}}, 1'b1};
        ilast_q <= (m_q + {{(BatchWidth-1){1'b0}}, 1'b1} == mlast_q);
      end else begin
        wrem_q  <= wrem_q - 16'd1;
        wlast_q <= (wrem_q == 16'd1);
      end
    end
  end
{%- endif %}

  assign s_axis_tready_o = loading_q & ~busy_i;
  assign framing_o       = beat & (s_axis_tlast_i != word_last);
  assign we_o            = beat;
  assign addr_o          = addr_q;
  assign data_o          = s_axis_tdata_i;
  assign full_o          = full_q;
  assign n0_o            = n0_q;
  assign n1_o            = n1_q;
endmodule
{% include "partials/epilogue.v" %}
