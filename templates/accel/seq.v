{% include "partials/prologue.v" %}

// Sequencer: runs the layer program from the program memory, one descriptor
// {last, k_tiles, n_tiles, n, w_base, b_base, m, s} per layer (docs/accelerator.md). A pass
// starts with CHECK (5 cycles per descriptor up to the one with `last`): a descriptor with
// k_tiles = 0, n_tiles = 0, n outside ((n_tiles-1)*Cols, n_tiles*Cols], no `last` in the
// program memory, or a last layer of more than OutTiles N-tiles (the output buffer's logits and
// the class fields' range) ends the pass
// there with fail_o and err_o, before any tile. Per layer:
// FETCH (2 cycles: address, then the descriptor registers; the last layer's FETCH waits while
// out_room_i is low, stall_o), then the tiles, N-tile outer and
// K-tile inner, Period = max(batch, Rows) + Cols cycles each: weight rows in tile cycles
// 0..Rows-1 (weight memory words w_base, w_base+1, ... in order), the batch's images in tile
// cycles 1..batch (activation word k_tile*batch + image of the buffer being read; buffer 0's
// words of input half half_i start at ActWords); then DRAIN ({= v.drain_last + 1 =} cycles,
// hw::accel::drain) until the last output is written and the last class has left the argmax,
// and the next layer reads the other buffer. The outputs here address the memories; their
// data reach the array one cycle later. Each streamed row carries a tag (first/last K-tile,
// image) down the pipeline.
module {= v.seq =} (
{%- include "partials/ports.v" %}
);
  localparam integer CountWidth = {= v.count_bits =};
  localparam integer TcWidth    = {= v.tc_bits =};
  localparam integer BatchWidth = {= v.batch_bits =};
  localparam integer ImageWidth = {= v.image_bits =};
  localparam integer WAddrWidth = {= v.w_addr =};
  localparam integer AAddrWidth = {= v.a_addr =};
  localparam integer BAddrWidth = {= v.b_addr =};
  localparam integer PAddrWidth = {= v.p_addr =};
  localparam integer MWidth     = {= v.m_bits =};
  localparam integer SWidth     = {= v.s_bits =};
  localparam integer DrainWidth = {= v.drain_bits =};
  // The program memory's last address, and the logit N-tiles the output buffer holds.
  localparam [PAddrWidth-1:0] LastPc   = {= v.p_addr =}'d{= v.layers_minus_1 =};
  localparam [CountWidth-1:0] OutTiles = {= v.count_bits =}'d{= v.out_tiles =};
  // Words of one input half of activation buffer 0.
  localparam [AAddrWidth-1:0] HalfWords = {= v.a_addr =}'d{= v.act_words =};

  localparam [3:0] StIdle   = 4'd0;
  localparam [3:0] StFetch0 = 4'd1;
  localparam [3:0] StFetch1 = 4'd2;
  localparam [3:0] StRun    = 4'd3;
  localparam [3:0] StDrain  = 4'd4;
  localparam [3:0] StDone   = 4'd5;
  localparam [3:0] StChk0   = 4'd6;
  localparam [3:0] StChk1   = 4'd7;
  localparam [3:0] StChk2   = 4'd8;
  localparam [3:0] StChk3   = 4'd9;
  localparam [3:0] StChk4   = 4'd10;

  // The descriptor word, as the program memory holds it.
  wire                  d_last;
  wire [CountWidth-1:0] d_k_tiles;
  wire [CountWidth-1:0] d_n_tiles;
  wire [CountWidth-1:0] d_n;
  wire [WAddrWidth-1:0] d_w_base;
  wire [BAddrWidth-1:0] d_b_base;
  wire [MWidth-1:0]     d_m;
  wire [SWidth-1:0]     d_s;
  assign {d_last, d_k_tiles, d_n_tiles, d_n, d_w_base, d_b_base, d_m, d_s} = desc_i;

  reg [3:0]            state_d, state_q;
  reg [PAddrWidth-1:0] pc_d, pc_q;
  reg                  sel_d, sel_q;
  reg [BatchWidth-1:0] batch_d, batch_q;
  reg [TcWidth-1:0]    tc_end_d, tc_end_q;
  reg                  last_d, last_q;
  reg [CountWidth-1:0] kt_end_d, kt_end_q;
  reg [CountWidth-1:0] nt_end_d, nt_end_q;
  reg [MWidth-1:0]     m_d, m_q;
  reg [SWidth-1:0]     s_d, s_q;
  reg [CountWidth-1:0] kt_d, kt_q;
  reg [CountWidth-1:0] nt_d, nt_q;
  reg [TcWidth-1:0]    tc_d, tc_q;
  reg [ImageWidth-1:0] img_d, img_q;
  reg [WAddrWidth-1:0] wptr_d, wptr_q;
  reg [AAddrWidth-1:0] abase_d, abase_q;
  reg [DrainWidth-1:0] drain_d, drain_q;
  reg                  half_d, half_q;
  reg [AAddrWidth-1:0] rbase_d, rbase_q;
  reg [AAddrWidth-1:0] obase0_d, obase0_q;
  reg [CountWidth-1:0] n_d, n_q;
  reg [BAddrWidth-1:0] bbase_d, bbase_q;
  reg                  fail_d, fail_q;
  // CHECK's copy of the descriptor's fields (the block RAM's output registered; the checks
  // are computed from it in the next cycle).
  reg [CountWidth-1:0] chk_k_d, chk_k_q;
  reg [CountWidth-1:0] chk_nt_d, chk_nt_q;
  reg [CountWidth-1:0] chk_n_d, chk_n_q;
  reg                  chk_last_d, chk_last_q;
  reg [3:0]            chk_err_d, chk_err_q;
  // The last descriptor's address (found by CHECK), and FETCH's layer is the last one
  // (registered in FETCH0, so that the output wait does not hang on the memory's output).
  reg [PAddrWidth-1:0] lastpc_d, lastpc_q;
  reg                  flast_d, flast_q;
  reg [3:0]            err_d, err_q;

  wire [TcWidth-1:0] batch_tc = {{(TcWidth-BatchWidth){1'b0}}, batch_i};
  wire [TcWidth-1:0] batch_q_tc = {{(TcWidth-BatchWidth){1'b0}}, batch_q};
  reg  [AAddrWidth-1:0] batch_a;
  reg  [AAddrWidth-1:0] img_a;
  always @(*) begin
    batch_a = {AAddrWidth{1'b0}};
    batch_a[BatchWidth-1:0] = batch_q;
    img_a = {AAddrWidth{1'b0}};
    img_a[ImageWidth-1:0] = img_q;
  end

  wire running  = (state_q == StRun);
  // The weight rows are read while tc < Rows, the activations while 1 <= tc <= batch: as
  // flags set and cleared a cycle ahead (equalities, not magnitude compares).
  reg  wre_d, wre_q, are_d, are_q;
  wire w_re     = running && wre_q;
  wire a_re     = running && are_q;
  wire tile_end = running && (tc_q == tc_end_q);
  wire kt_last  = (kt_q == kt_end_q);
  // The tile counters count from 1, so their ends are the descriptor's counts (no subtraction
  // on the memory's output); the tile cycle's end is stored less one.
  wire nt_last  = (nt_q == nt_end_q);

{% include "partials/seq_check.v" %}
  // The last layer's FETCH waits for an empty output buffer.
  wire stall    = (state_q == StFetch1) && flast_q && !out_room_i;
  wire [AAddrWidth-1:0] half_base = half_q ? HalfWords : {AAddrWidth{1'b0}};

  always @(*) begin
    state_d   = state_q;
    pc_d      = pc_q;
    sel_d     = sel_q;
    batch_d   = batch_q;
    tc_end_d  = tc_end_q;
    wre_d     = wre_q;
    are_d     = are_q;
    last_d    = last_q;
    kt_end_d = kt_end_q;
    nt_end_d = nt_end_q;
    m_d       = m_q;
    s_d       = s_q;
    kt_d      = kt_q;
    nt_d      = nt_q;
    tc_d      = tc_q;
    img_d     = img_q;
    wptr_d    = wptr_q;
    abase_d   = abase_q;
    drain_d   = drain_q;
    half_d    = half_q;
    rbase_d   = rbase_q;
    obase0_d  = obase0_q;
    n_d       = n_q;
    bbase_d   = bbase_q;
    fail_d    = 1'b0;
    err_d     = err_q;
    chk_k_d    = chk_k_q;
    chk_nt_d   = chk_nt_q;
    chk_n_d    = chk_n_q;
    chk_last_d = chk_last_q;
    chk_err_d  = chk_err_q;
    lastpc_d   = lastpc_q;
    flast_d    = flast_q;
    case (state_q)
      StIdle: begin
        if (start_i) begin
          batch_d  = batch_i;
          half_d   = half_i;
          tc_end_d = ((batch_tc > {= v.tc_bits =}'d{= v.side =}) ? batch_tc : {= v.tc_bits =}'d{= v.side =})
                   + {= v.tc_bits =}'d{= v.side_minus_1 =};
          pc_d     = {PAddrWidth{1'b0}};
          sel_d    = 1'b0;
          state_d  = StChk0;
        end
      end
      StChk0: begin
        state_d = StChk1;
      end
      StChk1: begin
        // The descriptor's fields, registered (out of the memory's read path).
        chk_k_d    = d_k_tiles;
        chk_nt_d   = d_n_tiles;
        chk_n_d    = d_n;
        chk_last_d = d_last;
        state_d    = StChk2;
      end
      StChk2: begin
        state_d = StChk3;
      end
      StChk3: begin
        // The checks, registered.
        chk_err_d = chk_err;
        state_d   = StChk4;
      end
      StChk4: begin
        if (chk_err_q != 4'd0) begin
          fail_d  = 1'b1;
          err_d   = chk_err_q;
          state_d = StIdle;
        end else if (chk_last_q) begin
          lastpc_d = pc_q;
          pc_d     = {PAddrWidth{1'b0}};
          state_d  = StFetch0;
        end else begin
          pc_d    = pc_q + {{(PAddrWidth-1){1'b0}}, 1'b1};
          state_d = StChk0;
        end
      end
      StFetch0: begin
        flast_d = (pc_q == lastpc_q);
        state_d = StFetch1;
      end
      StFetch1: if (!stall) begin
        last_d    = d_last;
        kt_end_d  = d_k_tiles;
        nt_end_d  = d_n_tiles;
        m_d       = d_m;
        s_d       = d_s;
        kt_d      = {{(CountWidth-1){1'b0}}, 1'b1};
        nt_d      = {{(CountWidth-1){1'b0}}, 1'b1};
        tc_d      = {TcWidth{1'b0}};
        wre_d     = 1'b1;
        are_d     = 1'b0;
        img_d     = {ImageWidth{1'b0}};
        wptr_d    = d_w_base;
        // Buffer 0 is read (sel = 0) or written in the pass's input half.
        rbase_d   = sel_q ? {AAddrWidth{1'b0}} : half_base;
        obase0_d  = sel_q ? half_base : {AAddrWidth{1'b0}};
        abase_d   = sel_q ? {AAddrWidth{1'b0}} : half_base;
        n_d       = d_n;
        bbase_d   = d_b_base;
        state_d   = StRun;
      end
      StRun: begin
        tc_d = tc_q + {{(TcWidth-1){1'b0}}, 1'b1};
        if (tc_q == {= v.tc_bits =}'d{= v.side_minus_1 =}) begin
          wre_d = 1'b0;
        end
        if (tc_q == {TcWidth{1'b0}}) begin
          are_d = 1'b1;
        end
        if (tc_q == batch_q_tc) begin
          are_d = 1'b0;
        end
        if (w_re) begin
          wptr_d = wptr_q + {{(WAddrWidth-1){1'b0}}, 1'b1};
        end
        if (a_re) begin
          img_d = img_q + {{(ImageWidth-1){1'b0}}, 1'b1};
        end
        if (tile_end) begin
          tc_d  = {TcWidth{1'b0}};
          wre_d = 1'b1;
          are_d = 1'b0;
          img_d = {ImageWidth{1'b0}};
          if (kt_last) begin
            kt_d    = {{(CountWidth-1){1'b0}}, 1'b1};
            abase_d = rbase_q;
            if (nt_last) begin
              drain_d = {DrainWidth{1'b0}};
              state_d = StDrain;
            end else begin
              nt_d     = nt_q + {{(CountWidth-1){1'b0}}, 1'b1};
            end
          end else begin
            kt_d    = kt_q + {{(CountWidth-1){1'b0}}, 1'b1};
            abase_d = abase_q + batch_a;
          end
        end
      end
      StDrain: begin
        drain_d = drain_q + {{(DrainWidth-1){1'b0}}, 1'b1};
        if (drain_q == {= v.drain_bits =}'d{= v.drain_last =}) begin
          if (last_q) begin
            state_d = StDone;
          end else begin
            pc_d    = pc_q + {{(PAddrWidth-1){1'b0}}, 1'b1};
            sel_d   = ~sel_q;
            state_d = StFetch0;
          end
        end
      end
      StDone: begin
        state_d = StIdle;
      end
      default: begin
        state_d = StIdle;
      end
    endcase
  end

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q   <= StIdle;
      pc_q      <= {PAddrWidth{1'b0}};
      sel_q     <= 1'b0;
      batch_q   <= {BatchWidth{1'b0}};
      tc_end_q  <= {TcWidth{1'b0}};
      wre_q     <= 1'b0;
      are_q     <= 1'b0;
      last_q    <= 1'b0;
      kt_end_q <= {CountWidth{1'b0}};
      nt_end_q <= {CountWidth{1'b0}};
      m_q       <= {MWidth{1'b0}};
      s_q       <= {SWidth{1'b0}};
      kt_q      <= {CountWidth{1'b0}};
      nt_q      <= {CountWidth{1'b0}};
      tc_q      <= {TcWidth{1'b0}};
      img_q     <= {ImageWidth{1'b0}};
      wptr_q    <= {WAddrWidth{1'b0}};
      abase_q   <= {AAddrWidth{1'b0}};
      drain_q   <= {DrainWidth{1'b0}};
      half_q    <= 1'b0;
      rbase_q   <= {AAddrWidth{1'b0}};
      obase0_q  <= {AAddrWidth{1'b0}};
      n_q       <= {CountWidth{1'b0}};
      bbase_q   <= {BAddrWidth{1'b0}};
      fail_q    <= 1'b0;
      err_q     <= 4'd0;
      chk_k_q    <= {CountWidth{1'b0}};
      chk_nt_q   <= {CountWidth{1'b0}};
      chk_n_q    <= {CountWidth{1'b0}};
      chk_last_q <= 1'b0;
      chk_err_q  <= 4'd0;
      lastpc_q   <= {PAddrWidth{1'b0}};
      flast_q    <= 1'b0;
    end else begin
      state_q   <= state_d;
      pc_q      <= pc_d;
      sel_q     <= sel_d;
      batch_q   <= batch_d;
      tc_end_q  <= tc_end_d;
      wre_q     <= wre_d;
      are_q     <= are_d;
      last_q    <= last_d;
      kt_end_q <= kt_end_d;
      nt_end_q <= nt_end_d;
      m_q       <= m_d;
      s_q       <= s_d;
      kt_q      <= kt_d;
      nt_q      <= nt_d;
      tc_q      <= tc_d;
      img_q     <= img_d;
      wptr_q    <= wptr_d;
      abase_q   <= abase_d;
      drain_q   <= drain_d;
      half_q    <= half_d;
      rbase_q   <= rbase_d;
      obase0_q  <= obase0_d;
      n_q       <= n_d;
      bbase_q   <= bbase_d;
      fail_q    <= fail_d;
      err_q     <= err_d;
      chk_k_q    <= chk_k_d;
      chk_nt_q   <= chk_nt_d;
      chk_n_q    <= chk_n_d;
      chk_last_q <= chk_last_d;
      chk_err_q  <= chk_err_d;
      lastpc_q   <= lastpc_d;
      flast_q    <= flast_d;
    end
  end

  assign busy_o     = (state_q != StIdle);
  assign stall_o    = stall;
  assign fail_o     = fail_q;
  assign err_o      = err_q;
  assign fetch_o    = (state_q == StFetch1) && !stall;
  assign batch_o    = batch_q;
  assign n_o        = n_q;
  assign b_base_o   = bbase_q;
  assign obase_o    = obase0_q;
  assign done_o     = (state_q == StDone);
  assign prog_addr_o = pc_q;
  assign sel_o      = sel_q;
  assign last_o     = last_q;
  assign m_o        = m_q;
  assign s_o        = s_q;
  assign w_re_o     = w_re;
  assign w_addr_o   = wptr_q;
  assign a_re_o     = a_re;
  assign a_addr_o   = abase_q + img_a;
  assign first_kt_o = (kt_q == {{(CountWidth-1){1'b0}}, 1'b1});
  assign last_kt_o  = kt_last;
  assign image_o    = img_q;
endmodule
{% include "partials/epilogue.v" %}
