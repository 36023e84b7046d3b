{% include "partials/prologue.v" %}

// Sequencer (output-stationary array): runs the layer program from the program memory, one
// descriptor per layer (docs/guide/03-accelerator.md, "Descriptor" and "Convolutions"). A
// pass starts with CHECK (5 cycles per descriptor up to the one with `last`; an invalid
// program ends the pass there with fail_o and err_o, as in the weight-stationary sequencer).
// Per layer: FETCH (2 cycles; the last layer's waits while out_room_i is low), then the
// tiles: per group of Rows images (bank r holds image r of the group), per output window,
// per N-tile, per pool pixel (2x2 with the pool, else one), one tile of K + Rows - 1 cycles.
// Its K steps, one a cycle, walk the kernel positions (row, column) and per position the
// input's channels (k_tiles of them, Cols to a word): each step reads one word at the same
// address of every bank (element kel of it) and the N-tile's next weight word. A position
// in the padding reads nothing useful and zero_o replaces the word with zeros. Then DRAIN
// ({= v.drain_last + 1 =} cycles, hw::accel::drain) and the next layer reads the other buffer.
// Feature maps are group-major: word w of image i (pixel-major, channel word minor) in bank
// i mod Rows at base + (i / Rows) * is + w. The outputs here address the memories; their
// data reach the array one cycle later. The last step of a tile carries the tile's tag down
// the pipeline.
module {= v.seq =} (
{%- include "partials/ports.v" %}
);
  localparam integer CountWidth = {= v.count_bits =};
  localparam integer BatchWidth = {= v.batch_bits =};
  localparam integer ImageWidth = {= v.image_bits =};
  localparam integer WAddrWidth = {= v.w_addr =};
  localparam integer AAddrWidth = {= v.a_addr =};
  localparam integer BAddrWidth = {= v.b_addr =};
  localparam integer PAddrWidth = {= v.p_addr =};
  localparam integer NcolWidth  = {= v.ncol_bits =};
  localparam integer ColWidth   = {= v.col_bits =};
  localparam integer DrainWidth = {= v.drain_bits =};
  localparam integer DimWidth   = {= v.dim_bits =};
  localparam integer KWidth     = {= v.kernel_bits =};
  localparam integer StWidth    = {= v.stride_bits =};
  localparam integer PadWidth   = {= v.pad_bits =};
  // Bounds arithmetic: a position (s*q*w + s*d + k) never exceeds two dims.
  localparam integer PosWidth   = DimWidth + 2;
  // The program memory's last address, and the logit N-tiles the output buffer holds.
  localparam [PAddrWidth-1:0] LastPc   = {= v.p_addr =}'d{= v.layers_minus_1 =};
  localparam [CountWidth-1:0] OutTiles = {= v.count_bits =}'d{= v.out_tiles =};
  // Words of one input half of a bank of buffer 0.
  localparam [AAddrWidth-1:0] HalfWords = {= v.a_addr =}'d{= v.half_words =};
  localparam [ColWidth-1:0]   LastEl    = {= v.col_bits =}'d{= v.side_minus_1 =};
  // Two groups of images: the next group is the last when its first image + Rows passes
  // the batch.
  localparam [ImageWidth:0]   TwoGroups = {= v.image_bits_p1 =}'d{= v.two_side =};

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
  wire                  d_last, d_pool;
  wire [KWidth-1:0]     d_k;
  wire [StWidth-1:0]    d_stride;
  wire [PadWidth-1:0]   d_pad;
  wire [CountWidth-1:0] d_k_tiles;
  wire [CountWidth-1:0] d_n_tiles;
  wire [CountWidth-1:0] d_n;
  wire [DimWidth-1:0]   d_out_h, d_out_w, d_h_pad, d_w_pad;
  wire [AAddrWidth-1:0] d_rs, d_is, d_xs, d_ys, d_k0;
  wire [WAddrWidth-1:0] d_w_base;
  wire [BAddrWidth-1:0] d_b_base;
{%- if v.conv %}
  assign {d_last, d_pool, d_k, d_stride, d_pad, d_k_tiles, d_n_tiles, d_n, d_out_h, d_out_w,
          d_h_pad, d_w_pad, d_rs, d_is, d_xs, d_ys, d_k0, d_w_base, d_b_base} = desc_i;
{%- else %}
  // Dense layers only (accelerator.conv: false): every layer is a 1x1 convolution of a
  // one-pixel image of `is` words; the geometry below is constant, and the window and
  // kernel stepping it would drive folds away in synthesis.
  assign {d_last, d_k_tiles, d_n_tiles, d_n, d_is, d_w_base, d_b_base} = desc_i;
  assign d_pool   = 1'b0;
  assign d_k      = {{(KWidth-1){1'b0}}, 1'b1};
  assign d_stride = {{(StWidth-1){1'b0}}, 1'b1};
  assign d_pad    = {PadWidth{1'b0}};
  assign d_out_h  = {{(DimWidth-1){1'b0}}, 1'b1};
  assign d_out_w  = {{(DimWidth-1){1'b0}}, 1'b1};
  assign d_h_pad  = {{(DimWidth-1){1'b0}}, 1'b1};
  assign d_w_pad  = {{(DimWidth-1){1'b0}}, 1'b1};
  assign d_rs     = {AAddrWidth{1'b0}};
  assign d_xs     = {AAddrWidth{1'b0}};
  assign d_ys     = {AAddrWidth{1'b0}};
  assign d_k0     = {AAddrWidth{1'b0}};
{%- endif %}

  reg [3:0]            state_d, state_q;
  reg [PAddrWidth-1:0] pc_d, pc_q;
  reg                  sel_d, sel_q;
  reg [BatchWidth-1:0] batch_d, batch_q;
  reg [DrainWidth-1:0] drain_d, drain_q;
  reg                  half_d, half_q;
  reg                  fail_d, fail_q;
  reg [3:0]            err_d, err_q;
  // The layer's descriptor.
  reg                  last_d, last_q, pool_d, pool_q;
  reg [KWidth-1:0]     km1_d, km1_q;
  reg [StWidth-1:0]    st_d, st_q;
  reg [PadWidth-1:0]   pad_d, pad_q;
  reg [CountWidth-1:0] kp_d, kp_q, nt_end_d, nt_end_q, n_d, n_q;
  reg [DimWidth-1:0]   oh_d, oh_q, ow_d, ow_q, hpad_d, hpad_q, wpad_d, wpad_q;
  reg [AAddrWidth-1:0] rs_d, rs_q, is_d, is_q, xs_d, xs_q, ys_d, ys_q, k0_d, k0_q;
  reg [AAddrWidth-1:0] qxs_d, qxs_q, qys_d, qys_q;
  reg [PosWidth-1:0]   qst_d, qst_q;
  reg [WAddrWidth-1:0] wb_d, wb_q;
  reg [BAddrWidth-1:0] bbase_d, bbase_q;
  // Loops: group (its first image, its map's base, the last group), window (wy, wx counted
  // from 1; the input offsets s*q*(w-1), yb and xb; the window row's and the window's
  // bases), N-tile (its first weight word, column base, columns left, bias word), pool
  // pixel (dy, dx; the tile's base).
  reg [ImageWidth-1:0] ibase_d, ibase_q;
  reg [AAddrWidth-1:0] gbase_d, gbase_q;
  reg                  glast_d, glast_q;
  reg [DimWidth-1:0]   wy_d, wy_q, wx_d, wx_q;
  reg [PosWidth-1:0]   yb_d, yb_q, xb_d, xb_q;
  reg [AAddrWidth-1:0] lbase_d, lbase_q, wbase_d, wbase_q, tbase_d, tbase_q;
  reg [CountWidth-1:0] nt_d, nt_q;
  reg [WAddrWidth-1:0] wnt_d, wnt_q, wptr_d, wptr_q;
  reg [CountWidth-1:0] colrem_d, colrem_q, cbase_d, cbase_q;
  reg [BAddrWidth-1:0] baddr_d, baddr_q;
  reg                  dy_d, dy_q, dx_d, dx_q;
  reg [AAddrWidth-1:0] oaddr_d, oaddr_q;
  // The tile's steps: kernel position (ky, kx), the element of it (kpc, counted from 1),
  // the element of the word (kel); the position row's base and the word's address; steps
  // left (stp), then the tile's Rows - 1 cycles after its last step (tl).
  reg [KWidth-1:0]     ky_d, ky_q, kx_d, kx_q;
  reg [CountWidth-1:0] kpc_d, kpc_q;
  reg [ColWidth-1:0]   kel_d, kel_q;
  reg [AAddrWidth-1:0] prow_d, prow_q, raddr_d, raddr_q;
  reg                  stp_d, stp_q;
  reg [ColWidth-1:0]   tl_d, tl_q;
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

  wire running  = (state_q == StRun);
  wire step     = running && stp_q;
  wire kx_last  = (kx_q == km1_q);
  wire pos_end  = (kpc_q == kp_q);
  wire last_k   = step && pos_end && kx_last && (ky_q == km1_q);
{%- if v.side == 1 %}
  // One row: a tile ends with its last step.
  wire tile_end = last_k;
  wire unused_tl = ^tl_q;
{%- else %}
  // A tile ends Rows - 1 cycles after its last step (the array's rows leave one a cycle).
  wire tile_end = running && !stp_q && (tl_q == {= v.col_bits =}'d{= v.side_minus_2 =});
{%- endif %}
  wire nt_last  = (nt_q == nt_end_q);
{%- if v.conv %}
  wire x_end    = (dx_q == pool_q);
  wire y_end    = (dy_q == pool_q);
  wire wx_end   = (wx_q == ow_q);
  wire wy_end   = (wy_q == oh_q);
  reg [PosWidth-1:0]   st_p, ky_p, kx_p, pad_p, hpad_p, wpad_p;
  always @(*) begin
    st_p   = {PosWidth{1'b0}};
    st_p[StWidth-1:0] = st_q;
    ky_p   = {PosWidth{1'b0}};
    ky_p[KWidth-1:0] = ky_q;
    kx_p   = {PosWidth{1'b0}};
    kx_p[KWidth-1:0] = kx_q;
    pad_p  = {PosWidth{1'b0}};
    pad_p[PadWidth-1:0] = pad_q;
    hpad_p = {PosWidth{1'b0}};
    hpad_p[DimWidth-1:0] = hpad_q;
    wpad_p = {PosWidth{1'b0}};
    wpad_p[DimWidth-1:0] = wpad_q;
  end
  // The input position under the kernel, plus the padding: inside when
  // pad <= s*oy + ky < in_h + pad (and the same across).
  wire [PosWidth-1:0] py = yb_q + (dy_q ? st_p : {PosWidth{1'b0}}) + ky_p;
  wire [PosWidth-1:0] px = xb_q + (dx_q ? st_p : {PosWidth{1'b0}}) + kx_p;
  wire in_map   = (py >= pad_p) && (py < hpad_p) && (px >= pad_p) && (px < wpad_p);
{%- else %}
  wire x_end    = 1'b1;
  wire y_end    = 1'b1;
  wire wx_end   = 1'b1;
  wire wy_end   = 1'b1;
  wire in_map   = 1'b1;
  // The geometry's registers no step reads (constant in synthesis).
  wire unused_geo = ^{pool_q, st_q, pad_q, oh_q, ow_q, hpad_q, wpad_q, yb_q, xb_q, qst_q};
{%- endif %}
  // The next group is the last one (its first image + Rows >= the batch).
  wire [ImageWidth:0] inext2 = {1'b0, ibase_q} + TwoGroups;
  wire [ImageWidth:0] batch_e = {{(ImageWidth+1-BatchWidth){1'b0}}, batch_q};
  wire glast_next = (inext2 >= batch_e);

{% include "partials/seq_check.v" %}
  // CHECK's zero counts: kernel, stride, output size, and a pool on the last layer (its
  // rows go to the argmax, one per image).
  wire d_geo_bad = (d_k == {KWidth{1'b0}}) || (d_stride == {StWidth{1'b0}})
                || (d_out_h == {DimWidth{1'b0}}) || (d_out_w == {DimWidth{1'b0}})
                || (d_last && d_pool);
  // The last layer's FETCH waits for an empty output buffer.
  wire stall    = (state_q == StFetch1) && flast_q && !out_room_i;
  wire [AAddrWidth-1:0] half_base = half_q ? HalfWords : {AAddrWidth{1'b0}};
  wire [AAddrWidth-1:0] rbase_f   = sel_q ? {AAddrWidth{1'b0}} : half_base;

  always @(*) begin
    state_d   = state_q;
    pc_d      = pc_q;
    sel_d     = sel_q;
    batch_d   = batch_q;
    drain_d   = drain_q;
    half_d    = half_q;
    fail_d    = 1'b0;
    err_d     = err_q;
    last_d    = last_q;
    pool_d    = pool_q;
    km1_d     = km1_q;
    st_d      = st_q;
    pad_d     = pad_q;
    kp_d      = kp_q;
    nt_end_d  = nt_end_q;
    n_d       = n_q;
    oh_d      = oh_q;
    ow_d      = ow_q;
    hpad_d    = hpad_q;
    wpad_d    = wpad_q;
    rs_d      = rs_q;
    is_d      = is_q;
    xs_d      = xs_q;
    ys_d      = ys_q;
    k0_d      = k0_q;
    qxs_d     = qxs_q;
    qys_d     = qys_q;
    qst_d     = qst_q;
    wb_d      = wb_q;
    bbase_d   = bbase_q;
    ibase_d   = ibase_q;
    gbase_d   = gbase_q;
    glast_d   = glast_q;
    wy_d      = wy_q;
    wx_d      = wx_q;
    yb_d      = yb_q;
    xb_d      = xb_q;
    lbase_d   = lbase_q;
    wbase_d   = wbase_q;
    tbase_d   = tbase_q;
    nt_d      = nt_q;
    wnt_d     = wnt_q;
    wptr_d    = wptr_q;
    colrem_d  = colrem_q;
    cbase_d   = cbase_q;
    baddr_d   = baddr_q;
    dy_d      = dy_q;
    dx_d      = dx_q;
    oaddr_d   = oaddr_q;
    ky_d      = ky_q;
    kx_d      = kx_q;
    kpc_d     = kpc_q;
    kel_d     = kel_q;
    prow_d    = prow_q;
    raddr_d   = raddr_q;
    stp_d     = stp_q;
    tl_d      = tl_q;
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
          batch_d = batch_i;
          half_d  = half_i;
          pc_d    = {PAddrWidth{1'b0}};
          sel_d   = 1'b0;
          state_d = StChk0;
        end
      end
      StChk0: begin
        state_d = StChk1;
      end
      StChk1: begin
        // The descriptor's fields, registered (out of the memory's read path); a bad
        // geometry counts as k_tiles = 0.
        chk_k_d    = d_geo_bad ? {CountWidth{1'b0}} : d_k_tiles;
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
        // The first group is the last when the batch is at most Rows images.
        ibase_d = {ImageWidth{1'b0}};
        glast_d = ({{(ImageWidth+1-BatchWidth){1'b0}}, batch_q}
                   <= {= v.image_bits_p1 =}'d{= v.side =});
        state_d = StFetch1;
      end
      StFetch1: if (!stall) begin
        last_d    = d_last;
        pool_d    = d_pool;
        km1_d     = d_k - {{(KWidth-1){1'b0}}, 1'b1};
        st_d      = d_stride;
        pad_d     = d_pad;
        kp_d      = d_k_tiles;
        nt_end_d  = d_n_tiles;
        n_d       = d_n;
        oh_d      = d_out_h;
        ow_d      = d_out_w;
        hpad_d    = d_h_pad;
        wpad_d    = d_w_pad;
        rs_d      = d_rs;
        is_d      = d_is;
        xs_d      = d_xs;
        ys_d      = d_ys;
        k0_d      = d_k0;
        // A window's step: q = 2 pixels with the pool.
        qxs_d     = d_pool ? {d_xs[AAddrWidth-2:0], 1'b0} : d_xs;
        qys_d     = d_pool ? {d_ys[AAddrWidth-2:0], 1'b0} : d_ys;
        qst_d     = {PosWidth{1'b0}};
        qst_d[StWidth:0] = d_pool ? {d_stride, 1'b0} : {1'b0, d_stride};
        wb_d      = d_w_base;
        bbase_d   = d_b_base;
        // Buffer 0 is read (sel = 0) or written in the pass's input half.
        oaddr_d   = sel_q ? half_base : {AAddrWidth{1'b0}};
        gbase_d   = rbase_f;
        wy_d      = {{(DimWidth-1){1'b0}}, 1'b1};
        wx_d      = {{(DimWidth-1){1'b0}}, 1'b1};
        yb_d      = {PosWidth{1'b0}};
        xb_d      = {PosWidth{1'b0}};
        lbase_d   = rbase_f + d_k0;
        wbase_d   = rbase_f + d_k0;
        tbase_d   = rbase_f + d_k0;
        nt_d      = {{(CountWidth-1){1'b0}}, 1'b1};
        wnt_d     = d_w_base;
        wptr_d    = d_w_base;
        colrem_d  = d_n;
        cbase_d   = {CountWidth{1'b0}};
        baddr_d   = d_b_base;
        dy_d      = 1'b0;
        dx_d      = 1'b0;
        ky_d      = {KWidth{1'b0}};
        kx_d      = {KWidth{1'b0}};
        kpc_d     = {{(CountWidth-1){1'b0}}, 1'b1};
        kel_d     = {ColWidth{1'b0}};
        prow_d    = rbase_f + d_k0;
        raddr_d   = rbase_f + d_k0;
        stp_d     = 1'b1;
        state_d   = StRun;
      end
      StRun: begin
        if (step) begin
          wptr_d = wptr_q + {{(WAddrWidth-1){1'b0}}, 1'b1};
          if (pos_end) begin
            // The position's last element: the next position's word 0 (the next pixel
            // across, or the next kernel row).
            kpc_d = {{(CountWidth-1){1'b0}}, 1'b1};
            kel_d = {ColWidth{1'b0}};
            if (!kx_last) begin
              kx_d    = kx_q + {{(KWidth-1){1'b0}}, 1'b1};
              raddr_d = raddr_q + {{(AAddrWidth-1){1'b0}}, 1'b1};
            end else begin
              kx_d    = {KWidth{1'b0}};
              ky_d    = ky_q + {{(KWidth-1){1'b0}}, 1'b1};
              prow_d  = prow_q + rs_q;
              raddr_d = prow_q + rs_q;
            end
            if (last_k) begin
              stp_d = 1'b0;
              tl_d  = {ColWidth{1'b0}};
            end
          end else begin
            kpc_d = kpc_q + {{(CountWidth-1){1'b0}}, 1'b1};
            if (kel_q == LastEl) begin
              kel_d   = {ColWidth{1'b0}};
              raddr_d = raddr_q + {{(AAddrWidth-1){1'b0}}, 1'b1};
            end else begin
              kel_d = kel_q + {{(ColWidth-1){1'b0}}, 1'b1};
            end
          end
        end else begin
          tl_d = tl_q + {{(ColWidth-1){1'b0}}, 1'b1};
        end
        if (tile_end) begin
          // The next tile: the window's next pool pixel, else the next N-tile, else the next
          // window, else the next group.
          stp_d = 1'b1;
          ky_d  = {KWidth{1'b0}};
          kx_d  = {KWidth{1'b0}};
          kpc_d = {{(CountWidth-1){1'b0}}, 1'b1};
          kel_d = {ColWidth{1'b0}};
          if (!x_end || !y_end) begin
            wptr_d = wnt_q;
            if (!x_end) begin
              dx_d    = 1'b1;
              tbase_d = tbase_q + xs_q;
            end else begin
              dx_d    = 1'b0;
              dy_d    = 1'b1;
              tbase_d = wbase_q + ys_q;
            end
          end else begin
            dx_d    = 1'b0;
            dy_d    = 1'b0;
            oaddr_d = oaddr_q + {{(AAddrWidth-1){1'b0}}, 1'b1};
            tbase_d = wbase_q;
            if (!nt_last) begin
              nt_d     = nt_q + {{(CountWidth-1){1'b0}}, 1'b1};
              wnt_d    = wptr_d;
              colrem_d = colrem_q - {= v.count_bits =}'d{= v.side =};
              cbase_d  = cbase_q + {= v.count_bits =}'d{= v.side =};
              baddr_d  = baddr_q + {{(BAddrWidth-1){1'b0}}, 1'b1};
            end else begin
              nt_d     = {{(CountWidth-1){1'b0}}, 1'b1};
              wnt_d    = wb_q;
              wptr_d   = wb_q;
              colrem_d = n_q;
              cbase_d  = {CountWidth{1'b0}};
              baddr_d  = bbase_q;
              if (!wx_end) begin
                wx_d    = wx_q + {{(DimWidth-1){1'b0}}, 1'b1};
                xb_d    = xb_q + qst_q;
                wbase_d = wbase_q + qxs_q;
                tbase_d = wbase_q + qxs_q;
              end else if (!wy_end) begin
                wx_d    = {{(DimWidth-1){1'b0}}, 1'b1};
                xb_d    = {PosWidth{1'b0}};
                wy_d    = wy_q + {{(DimWidth-1){1'b0}}, 1'b1};
                yb_d    = yb_q + qst_q;
                lbase_d = lbase_q + qys_q;
                wbase_d = lbase_q + qys_q;
                tbase_d = lbase_q + qys_q;
              end else begin
                wx_d    = {{(DimWidth-1){1'b0}}, 1'b1};
                xb_d    = {PosWidth{1'b0}};
                wy_d    = {{(DimWidth-1){1'b0}}, 1'b1};
                yb_d    = {PosWidth{1'b0}};
                // The next group of Rows images, its map is words on.
                ibase_d = ibase_q + {= v.image_bits =}'d{= v.side =};
                glast_d = glast_next;
                gbase_d = gbase_q + is_q;
                lbase_d = gbase_q + is_q + k0_q;
                wbase_d = gbase_q + is_q + k0_q;
                tbase_d = gbase_q + is_q + k0_q;
                if (glast_q) begin
                  stp_d   = 1'b0;
                  drain_d = {DrainWidth{1'b0}};
                  state_d = StDrain;
                end
              end
            end
          end
          prow_d  = tbase_d;
          raddr_d = tbase_d;
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

  // Control state: reset. The descriptor's copy, the loops' counters and the addresses:
  // no reset (FETCH sets them before any use).
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q  <= StIdle;
      pc_q     <= {PAddrWidth{1'b0}};
      sel_q    <= 1'b0;
      drain_q  <= {DrainWidth{1'b0}};
      half_q   <= 1'b0;
      fail_q   <= 1'b0;
      err_q    <= 4'd0;
      last_q   <= 1'b0;
      stp_q    <= 1'b0;
      lastpc_q <= {PAddrWidth{1'b0}};
      flast_q  <= 1'b0;
    end else begin
      state_q  <= state_d;
      pc_q     <= pc_d;
      sel_q    <= sel_d;
      drain_q  <= drain_d;
      half_q   <= half_d;
      fail_q   <= fail_d;
      err_q    <= err_d;
      last_q   <= last_d;
      stp_q    <= stp_d;
      lastpc_q <= lastpc_d;
      flast_q  <= flast_d;
    end
  end

  always @(posedge clk_i) begin
    batch_q   <= batch_d;
    pool_q    <= pool_d;
    km1_q     <= km1_d;
    st_q      <= st_d;
    pad_q     <= pad_d;
    kp_q      <= kp_d;
    nt_end_q  <= nt_end_d;
    n_q       <= n_d;
    oh_q      <= oh_d;
    ow_q      <= ow_d;
    hpad_q    <= hpad_d;
    wpad_q    <= wpad_d;
    rs_q      <= rs_d;
    is_q      <= is_d;
    xs_q      <= xs_d;
    ys_q      <= ys_d;
    k0_q      <= k0_d;
    qxs_q     <= qxs_d;
    qys_q     <= qys_d;
    qst_q     <= qst_d;
    wb_q      <= wb_d;
    bbase_q   <= bbase_d;
    ibase_q   <= ibase_d;
    gbase_q   <= gbase_d;
    glast_q   <= glast_d;
    wy_q      <= wy_d;
    wx_q      <= wx_d;
    yb_q      <= yb_d;
    xb_q      <= xb_d;
    lbase_q   <= lbase_d;
    wbase_q   <= wbase_d;
    tbase_q   <= tbase_d;
    nt_q      <= nt_d;
    wnt_q     <= wnt_d;
    wptr_q    <= wptr_d;
    colrem_q  <= colrem_d;
    cbase_q   <= cbase_d;
    baddr_q   <= baddr_d;
    dy_q      <= dy_d;
    dx_q      <= dx_d;
    oaddr_q   <= oaddr_d;
    ky_q      <= ky_d;
    kx_q      <= kx_d;
    kpc_q     <= kpc_d;
    kel_q     <= kel_d;
    prow_q    <= prow_d;
    raddr_q   <= raddr_d;
    tl_q      <= tl_d;
    chk_k_q    <= chk_k_d;
    chk_nt_q   <= chk_nt_d;
    chk_n_q    <= chk_n_d;
    chk_last_q <= chk_last_d;
    chk_err_q  <= chk_err_d;
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
  assign a_addr_o    = raddr_q;
  assign zero_o      = !in_map;
  assign kel_o       = kel_q;
  assign first_nt_o  = (nt_q == {{(CountWidth-1){1'b0}}, 1'b1});
  assign last_nt_o   = nt_last;
  assign wfirst_o    = !dx_q && !dy_q;
  assign wlast_o     = x_end && y_end;
  assign ibase_o     = ibase_q;
  assign out_addr_o  = oaddr_q;
  assign ncols_o     = (colrem_q >= {= v.count_bits =}'d{= v.side =}) ? {= v.ncol_bits =}'d{= v.side =} : colrem_q[NcolWidth-1:0];
  assign cbase_o     = cbase_q;
  assign baddr_o     = baddr_q;
  assign tile_o      = nt_q - {{(CountWidth-1){1'b0}}, 1'b1};
endmodule
{% include "partials/epilogue.v" %}
