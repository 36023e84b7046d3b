{% include "partials/prologue.v" %}

// Sequencer (output-stationary array): runs the layer program from the program memory, one
// descriptor {last, k, n_tiles, n, w_base, b_base} per layer (docs/accelerator.md; for
// os the second field is K itself). A pass starts with CHECK (5 cycles per descriptor up to
// the one with `last`; an invalid program ends the pass there with fail_o and err_o, as in
// the weight-stationary sequencer). Per layer: FETCH (2 cycles; the last layer's waits while
// out_room_i is low), then the tiles, image group
// outer (Rows images each, groups = ceil(batch / Rows)) and N-tile inner, Period = K + Rows - 1
// cycles each: step k in tile cycle k (k = 0..K-1) reads the activation word k / Cols of the
// group's images from every bank (element k mod Cols) and the weight word
// w_base + n_tile * K + k; then DRAIN ({= v.drain_last + 1 =} cycles, hw::accel::drain) until the last output is
// written and the last class has left the argmax.
// The outputs here address the memories; their data reach the array one cycle later. The last
// step of a tile carries the tile's tag (image group, output word, N-tile) down the pipeline.
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
  localparam integer NcolWidth  = {= v.ncol_bits =};
  localparam integer ColWidth   = {= v.col_bits =};
  // Bits of the number of image groups, ceil(batch / Cols).
  localparam integer GroupWidth = {= v.group_bits =};
  localparam integer DrainWidth = {= v.drain_bits =};
  // The program memory's last address, and the logit N-tiles the output buffer holds.
  localparam [PAddrWidth-1:0] LastPc   = {= v.p_addr =}'d{= v.layers_minus_1 =};
  localparam [CountWidth-1:0] OutTiles = {= v.count_bits =}'d{= v.out_tiles =};
  // Words of one input half of a bank of buffer 0.
  localparam [AAddrWidth-1:0] HalfWords = {= v.a_addr =}'d{= v.half_words =};

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

  wire                  d_last;
  wire [CountWidth-1:0] d_k;
  wire [CountWidth-1:0] d_n_tiles;
  wire [CountWidth-1:0] d_n;
  wire [WAddrWidth-1:0] d_w_base;
  wire [BAddrWidth-1:0] d_b_base;
  assign {d_last, d_k, d_n_tiles, d_n, d_w_base, d_b_base} = desc_i;

  reg [3:0]            state_d, state_q;
  reg [PAddrWidth-1:0] pc_d, pc_q;
  reg                  sel_d, sel_q;
  reg [BatchWidth-1:0] batch_d, batch_q;
  reg [AAddrWidth-1:0] groups_d, groups_q;
  reg [TcWidth-1:0]    tc_end_d, tc_end_q;
  reg                  last_d, last_q;
  reg [CountWidth-1:0] k_d, k_q;
  reg [CountWidth-1:0] nt_end_d, nt_end_q;
  reg [CountWidth-1:0] n_d, n_q;
  reg [WAddrWidth-1:0] wbase_d, wbase_q;
  reg [BAddrWidth-1:0] bbase_d, bbase_q;
  reg [AAddrWidth-1:0] mt_d, mt_q;
  reg [ImageWidth-1:0] ibase_d, ibase_q;
  reg [CountWidth-1:0] nt_d, nt_q;
  reg [TcWidth-1:0]    tc_d, tc_q;
  reg [ColWidth-1:0]   kel_d, kel_q;
  reg [AAddrWidth-1:0] arow_d, arow_q;
  reg [WAddrWidth-1:0] wptr_d, wptr_q;
  reg [AAddrWidth-1:0] obase_d, obase_q;
  reg [CountWidth-1:0] colrem_d, colrem_q;
  reg [CountWidth-1:0] cbase_d, cbase_q;
  reg [BAddrWidth-1:0] baddr_d, baddr_q;
  reg [DrainWidth-1:0] drain_d, drain_q;
  reg                  half_d, half_q;
  reg [AAddrWidth-1:0] rbase_d, rbase_q;
  reg [AAddrWidth-1:0] obase0_d, obase0_q;
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
  wire [TcWidth-1:0] groups_tc = (batch_tc + {= v.tc_bits =}'d{= v.side_minus_1 =}) / {= v.tc_bits =}'d{= v.side =};
  reg  [AAddrWidth-1:0] groups_a;
  always @(*) begin
    groups_a = {AAddrWidth{1'b0}};
    groups_a[GroupWidth-1:0] = groups_tc[GroupWidth-1:0];
  end
  // The quotient is below 2^GroupWidth.
  wire unused_groups = ^groups_tc[TcWidth-1:GroupWidth];
  wire [TcWidth-1:0] k_tc = {{(TcWidth-CountWidth){1'b0}}, d_k};
  wire [TcWidth-1:0] k_q_tc = {{(TcWidth-CountWidth){1'b0}}, k_q};

  wire running  = (state_q == StRun);
  wire step     = running && (tc_q < k_q_tc);
  wire last_k   = running && (tc_q == k_q_tc - {{(TcWidth-1){1'b0}}, 1'b1});
  wire tile_end = running && (tc_q == tc_end_q);
  // The tile counters count from 1, so their ends are the descriptor's counts (no subtraction
  // on the memory's output); the tile cycle's end is stored less one.
  wire nt_last  = (nt_q == nt_end_q);
  wire mt_last  = (mt_q == groups_q - {{(AAddrWidth-1){1'b0}}, 1'b1});

{% include "partials/seq_check.v" %}
  // The last layer's FETCH waits for an empty output buffer.
  wire stall    = (state_q == StFetch1) && flast_q && !out_room_i;
  wire [AAddrWidth-1:0] half_base = half_q ? HalfWords : {AAddrWidth{1'b0}};

  always @(*) begin
    state_d   = state_q;
    pc_d      = pc_q;
    sel_d     = sel_q;
    batch_d   = batch_q;
    groups_d  = groups_q;
    tc_end_d  = tc_end_q;
    last_d    = last_q;
    k_d       = k_q;
    nt_end_d = nt_end_q;
    n_d       = n_q;
    wbase_d   = wbase_q;
    bbase_d   = bbase_q;
    mt_d      = mt_q;
    ibase_d   = ibase_q;
    nt_d      = nt_q;
    tc_d      = tc_q;
    kel_d     = kel_q;
    arow_d    = arow_q;
    wptr_d    = wptr_q;
    obase_d   = obase_q;
    colrem_d  = colrem_q;
    cbase_d   = cbase_q;
    baddr_d   = baddr_q;
    drain_d   = drain_q;
    half_d    = half_q;
    rbase_d   = rbase_q;
    obase0_d  = obase0_q;
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
          groups_d = groups_a;
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
        chk_k_d    = d_k;
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
        // Buffer 0 is read (sel = 0) or written in the pass's input half.
        rbase_d   = sel_q ? {AAddrWidth{1'b0}} : half_base;
        obase0_d  = sel_q ? half_base : {AAddrWidth{1'b0}};
        last_d    = d_last;
        k_d       = d_k;
        nt_end_d  = d_n_tiles;
        n_d       = d_n;
        wbase_d   = d_w_base;
        bbase_d   = d_b_base;
        tc_end_d  = k_tc + {= v.tc_bits =}'d{= v.side_minus_1 =} - {{(TcWidth-1){1'b0}}, 1'b1};
        mt_d      = {AAddrWidth{1'b0}};
        ibase_d   = {ImageWidth{1'b0}};
        nt_d      = {{(CountWidth-1){1'b0}}, 1'b1};
        tc_d      = {TcWidth{1'b0}};
        kel_d     = {ColWidth{1'b0}};
        arow_d    = {AAddrWidth{1'b0}};
        wptr_d    = d_w_base;
        obase_d   = {AAddrWidth{1'b0}};
        colrem_d  = d_n;
        cbase_d   = {CountWidth{1'b0}};
        baddr_d   = d_b_base;
        state_d   = StRun;
      end
      StRun: begin
        tc_d = tc_q + {{(TcWidth-1){1'b0}}, 1'b1};
        if (step) begin
          wptr_d = wptr_q + {{(WAddrWidth-1){1'b0}}, 1'b1};
          if (kel_q == {= v.col_bits =}'d{= v.side_minus_1 =}) begin
            kel_d  = {ColWidth{1'b0}};
            arow_d = arow_q + groups_q;
          end else begin
            kel_d = kel_q + {{(ColWidth-1){1'b0}}, 1'b1};
          end
        end
        if (tile_end) begin
          tc_d  = {TcWidth{1'b0}};
          kel_d = {ColWidth{1'b0}};
          if (nt_last) begin
            nt_d     = {{(CountWidth-1){1'b0}}, 1'b1};
            obase_d  = mt_q + {{(AAddrWidth-1){1'b0}}, 1'b1};
            colrem_d = n_q;
            cbase_d  = {CountWidth{1'b0}};
            baddr_d  = bbase_q;
            wptr_d   = wbase_q;
            mt_d     = mt_q + {{(AAddrWidth-1){1'b0}}, 1'b1};
            arow_d   = mt_q + {{(AAddrWidth-1){1'b0}}, 1'b1};
            ibase_d  = ibase_q + {= v.image_bits =}'d{= v.side =};
            if (mt_last) begin
              drain_d = {DrainWidth{1'b0}};
              state_d = StDrain;
            end
          end else begin
            nt_d     = nt_q + {{(CountWidth-1){1'b0}}, 1'b1};
            obase_d  = obase_q + groups_q;
            colrem_d = colrem_q - {= v.count_bits =}'d{= v.side =};
            cbase_d  = cbase_q + {= v.count_bits =}'d{= v.side =};
            baddr_d  = baddr_q + {{(BAddrWidth-1){1'b0}}, 1'b1};
            arow_d   = mt_q;
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
      groups_q  <= {AAddrWidth{1'b0}};
      tc_end_q  <= {TcWidth{1'b0}};
      last_q    <= 1'b0;
      k_q       <= {CountWidth{1'b0}};
      nt_end_q <= {CountWidth{1'b0}};
      n_q       <= {CountWidth{1'b0}};
      wbase_q   <= {WAddrWidth{1'b0}};
      bbase_q   <= {BAddrWidth{1'b0}};
      mt_q      <= {AAddrWidth{1'b0}};
      ibase_q   <= {ImageWidth{1'b0}};
      nt_q      <= {CountWidth{1'b0}};
      tc_q      <= {TcWidth{1'b0}};
      kel_q     <= {ColWidth{1'b0}};
      arow_q    <= {AAddrWidth{1'b0}};
      wptr_q    <= {WAddrWidth{1'b0}};
      obase_q   <= {AAddrWidth{1'b0}};
      colrem_q  <= {CountWidth{1'b0}};
      cbase_q   <= {CountWidth{1'b0}};
      baddr_q   <= {BAddrWidth{1'b0}};
      drain_q   <= {DrainWidth{1'b0}};
      half_q    <= 1'b0;
      rbase_q   <= {AAddrWidth{1'b0}};
      obase0_q  <= {AAddrWidth{1'b0}};
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
      groups_q  <= groups_d;
      tc_end_q  <= tc_end_d;
      last_q    <= last_d;
      k_q       <= k_d;
      nt_end_q <= nt_end_d;
      n_q       <= n_d;
      wbase_q   <= wbase_d;
      bbase_q   <= bbase_d;
      mt_q      <= mt_d;
      ibase_q   <= ibase_d;
      nt_q      <= nt_d;
      tc_q      <= tc_d;
      kel_q     <= kel_d;
      arow_q    <= arow_d;
      wptr_q    <= wptr_d;
      obase_q   <= obase_d;
      colrem_q  <= colrem_d;
      cbase_q   <= cbase_d;
      baddr_q   <= baddr_d;
      drain_q   <= drain_d;
      half_q    <= half_d;
      rbase_q   <= rbase_d;
      obase0_q  <= obase0_d;
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

  assign busy_o      = (state_q != StIdle);
  assign stall_o     = stall;
  assign fail_o      = fail_q;
  assign err_o       = err_q;
  assign done_o      = (state_q == StDone);
  assign prog_addr_o = pc_q;
  assign sel_o       = sel_q;
  assign last_o      = last_q;
  assign batch_o     = batch_q;
  assign step_o      = step;
  assign last_k_o    = last_k;
  assign w_addr_o    = wptr_q;
  assign a_addr_o    = rbase_q + arow_q;
  assign kel_o       = kel_q;
  assign first_nt_o  = (nt_q == {{(CountWidth-1){1'b0}}, 1'b1});
  assign last_nt_o   = nt_last;
  assign ibase_o     = ibase_q;
  assign out_addr_o  = obase0_q + obase_q;
  assign ncols_o     = (colrem_q >= {= v.count_bits =}'d{= v.side =}) ? {= v.ncol_bits =}'d{= v.side =} : colrem_q[NcolWidth-1:0];
  assign cbase_o     = cbase_q;
  assign baddr_o     = baddr_q;
  assign tile_o      = nt_q - {{(CountWidth-1){1'b0}}, 1'b1};
endmodule
{% include "partials/epilogue.v" %}
