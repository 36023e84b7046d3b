{% include "partials/prologue.v" %}

// Sequencer: runs the layer program from the program memory, one descriptor per layer
// (docs/guide/03-accelerator.md, "Descriptor" and "Convolutions"). A pass starts with CHECK
// (5 cycles per descriptor up to the one with `last`): a zero kernel, stride, channel-word,
// output-size or block count (or a pool on the last layer), n_tiles = 0, n outside
// ((n_tiles-1)*Cols, n_tiles*Cols], no `last` in the program memory, or a last layer of more
// than OutTiles N-tiles ends the pass there with fail_o and err_o, before any tile.
// Per layer: FETCH (2 cycles; the last layer's FETCH waits while out_room_i is low, stall_o),
// then per N-tile, per block of ipb images, per K-tile (kernel row, kernel column, channel
// word) one tile: weight rows in tile cycles 0..Rows-1 (weight memory words in order, the
// N-tile's words again for every block), the block's rows in tile cycles 1..rows (image,
// then output window, then the pool's 2x2 pixels), and the tile lasts max(rows + 1,
// Rows + Cols) cycles (the next tile's weights follow the last row into the array); then DRAIN ({= v.drain_last + 1 =} cycles, hw::accel::drain) and the
// next layer reads the other buffer. A row's activation address is the input pixel under
// the kernel position (image-major feature maps, one word = Cols channels of a pixel), built
// from the descriptor's steps by adds only; a position in the padding reads nothing useful
// and zero_o replaces the word with zeros. The outputs here address the memories; their data
// reach the array later. Each streamed row carries a tag down the pipeline.
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
  localparam integer DrainWidth = {= v.drain_bits =};
  localparam integer DimWidth   = {= v.dim_bits =};
  localparam integer PRowWidth  = {= v.prow_bits =};
  localparam integer KWidth     = {= v.kernel_bits =};
  localparam integer StWidth    = {= v.stride_bits =};
  localparam integer PadWidth   = {= v.pad_bits =};
  // Bounds arithmetic: a position (s*q*w + s*d + k) never exceeds two dims.
  localparam integer PosWidth   = DimWidth + 2;
  // The program memory's last address, and the logit N-tiles the output buffer holds.
  localparam [PAddrWidth-1:0] LastPc   = {= v.p_addr =}'d{= v.layers_minus_1 =};
  localparam [CountWidth-1:0] OutTiles = {= v.count_bits =}'d{= v.out_tiles =};
  // Words of one input half of activation buffer 0.
  localparam [AAddrWidth-1:0] HalfWords = {= v.a_addr =}'d{= v.act_words =};
  // Tile cycles: weight rows end at Rows-1; a tile of fewer rows than Rows ends here.
  localparam [TcWidth-1:0] TcWLast  = {= v.tc_bits =}'d{= v.side_minus_1 =};
  localparam [TcWidth-1:0] TcMinEnd = {= v.tc_bits =}'d{= v.tc_min_end =};
  localparam [TcWidth-1:0] TcLate   = {= v.tc_bits =}'d{= v.tc_late =};

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
  wire [BatchWidth-1:0] d_ipb;
  wire [WAddrWidth-1:0] d_w_base;
  wire [BAddrWidth-1:0] d_b_base;
{%- if v.conv %}
  assign {d_last, d_pool, d_k, d_stride, d_pad, d_k_tiles, d_n_tiles, d_n, d_out_h, d_out_w,
          d_h_pad, d_w_pad, d_rs, d_is, d_xs, d_ys, d_k0, d_ipb, d_w_base, d_b_base} = desc_i;
{%- else %}
  // Dense layers only (accelerator.conv: false): the descriptor has no geometry; every layer
  // is a 1x1 convolution of a one-pixel image whose channel words are its K-tiles, the whole
  // batch one block. The geometry below is constant, and the pixel, window and kernel
  // stepping it would drive folds away in synthesis.
  assign {d_last, d_k_tiles, d_n_tiles, d_n, d_w_base, d_b_base} = desc_i;
  reg [AAddrWidth+CountWidth-1:0] d_cw_a;
  always @(*) begin
    d_cw_a = {(AAddrWidth+CountWidth){1'b0}};
    d_cw_a[CountWidth-1:0] = d_k_tiles;
  end
  assign d_pool   = 1'b0;
  assign d_k      = {{(KWidth-1){1'b0}}, 1'b1};
  assign d_stride = {{(StWidth-1){1'b0}}, 1'b1};
  assign d_pad    = {PadWidth{1'b0}};
  assign d_out_h  = {{(DimWidth-1){1'b0}}, 1'b1};
  assign d_out_w  = {{(DimWidth-1){1'b0}}, 1'b1};
  assign d_h_pad  = {{(DimWidth-1){1'b0}}, 1'b1};
  assign d_w_pad  = {{(DimWidth-1){1'b0}}, 1'b1};
  assign d_rs     = d_cw_a[AAddrWidth-1:0];
  assign d_is     = d_cw_a[AAddrWidth-1:0];
  assign d_xs     = d_cw_a[AAddrWidth-1:0];
  assign d_ys     = d_cw_a[AAddrWidth-1:0];
  assign d_k0     = {AAddrWidth{1'b0}};
  assign d_ipb    = {= v.batch_bits =}'d{= v.batch =};
{%- endif %}

  reg [3:0]            state_d, state_q;
  reg                  run_q;
  reg [PAddrWidth-1:0] pc_d, pc_q;
  reg                  sel_d, sel_q;
  reg [BatchWidth-1:0] bm2_d, bm2_q;
  // The image (img, bimg, nimg below) is the batch's last, kept as flags beside the
  // counters (so that a tile's end is no compare away from its registers); the batch is one
  // image.
  reg                  bl_d, bl_q, bbl_d, bbl_q, nbl_d, nbl_q, zbl_d, zbl_q;
  reg [DrainWidth-1:0] drain_d, drain_q;
  reg                  half_d, half_q;
  reg [AAddrWidth-1:0] rbase_d, rbase_q;
  reg [AAddrWidth-1:0] obase0_d, obase0_q;
  reg                  fail_d, fail_q;
  reg [3:0]            err_d, err_q;
  // The layer's descriptor.
  reg                  last_d, last_q, pool_d, pool_q;
  reg [KWidth-1:0]     km1_d, km1_q;
  reg [StWidth-1:0]    st_d, st_q;
  reg [PadWidth-1:0]   pad_d, pad_q;
  reg [CountWidth-1:0] cw_d, cw_q, nt_end_d, nt_end_q, n_d, n_q;
  reg [DimWidth-1:0]   oh_d, oh_q, ow_d, ow_q, hpad_d, hpad_q, wpad_d, wpad_q;
  reg [AAddrWidth-1:0] rs_d, rs_q, is_d, is_q, xs_d, xs_q, ys_d, ys_q, k0_d, k0_q;
  reg [AAddrWidth-1:0] qxs_d, qxs_q, qys_d, qys_q;
  reg [PosWidth-1:0]   qst_d, qst_q;
  reg [BatchWidth-1:0] ipb_d, ipb_q;
  reg [BAddrWidth-1:0] bbase_d, bbase_q;
  // Loops: N-tile, block, K-tile (kernel row, column, channel word), tile cycle.
  reg [CountWidth-1:0] nt_d, nt_q;
  reg [WAddrWidth-1:0] wptr_d, wptr_q, wnt_d, wnt_q;
  reg [ImageWidth-1:0] bimg_d, bimg_q, nimg_d, nimg_q;
  reg [AAddrWidth-1:0] bbase_a_d, bbase_a_q, nbase_d, nbase_q;
  reg                  blast_d, blast_q;
  reg [KWidth-1:0]     ky_d, ky_q, kx_d, kx_q;
  reg [CountWidth-1:0] cwc_d, cwc_q;
  reg [AAddrWidth-1:0] koff_d, koff_q, krow_d, krow_q;
  reg [TcWidth-1:0]    tc_d, tc_q;
  reg                  wre_d, wre_q, are_d, are_q, rdone_d, rdone_q, late_d, late_q;
  // The streamed row: image, its count in the block, pool pixel (dy, dx), window (wy, wx,
  // counted from 1), the window's input offsets s*q*(w-1) (yb, xb), the partial-sum row, and
  // its address with the bases it returns to (image, window row, window).
  reg [ImageWidth-1:0] img_d, img_q;
  reg [BatchWidth-1:0] icnt_d, icnt_q;
  reg                  dy_d, dy_q, dx_d, dx_q;
  reg [DimWidth-1:0]   wy_d, wy_q, wx_d, wx_q;
  reg [PosWidth-1:0]   yb_d, yb_q, xb_d, xb_q;
  reg [PRowWidth-1:0]  prow_d, prow_q;
  reg [AAddrWidth-1:0] ibase_d, ibase_q, ibk_d, ibk_q, lbase_d, lbase_q;
  reg [AAddrWidth-1:0] wbase_d, wbase_q, raddr_d, raddr_q;
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

{%- if v.conv %}
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
{%- endif %}

  // The run state's own flip-flop (run_q = state_q == StRun), so the tile's controls start
  // from a register, not from a decode of the state.
  wire running  = run_q;
  // The weight rows are read while tc < Rows, the rows while are_q (from tile cycle 1 to
  // the block's last row): flags set and cleared a cycle ahead.
  wire w_re     = running && wre_q;
  wire a_re     = running && are_q;
  // K-tiles: the kernel's last row and column, the last channel word.
  wire cw_last  = (cwc_q == cw_q);
{%- if v.conv %}
  wire kx_last  = (kx_q == km1_q);
  wire kt_first = (ky_q == {KWidth{1'b0}}) && (kx_q == {KWidth{1'b0}})
               && (cwc_q == {{(CountWidth-1){1'b0}}, 1'b1});
  wire kt_last  = cw_last && kx_last && (ky_q == km1_q);
{%- else %}
  wire kx_last  = 1'b1;
  wire kt_first = (cwc_q == {{(CountWidth-1){1'b0}}, 1'b1});
  wire kt_last  = cw_last;
{%- endif %}
  wire nt_last  = (nt_q == nt_end_q);
  // The row: last pool pixel, last window of the row and of the image, last image of the
  // block (ipb images, or the batch's last).
{%- if v.conv %}
  wire x_end    = (dx_q == pool_q);
  wire y_end    = (dy_q == pool_q);
  wire wx_end   = (wx_q == ow_q);
  wire wy_end   = (wy_q == oh_q);
{%- else %}
  wire x_end    = 1'b1;
  wire y_end    = 1'b1;
  wire wx_end   = 1'b1;
  wire wy_end   = 1'b1;
{%- endif %}
  wire img_end  = x_end && y_end && wx_end && wy_end;
  wire b_last   = bl_q;
  // The next image is the batch's last.
  reg  [BatchWidth-1:0] img_b;
  always @(*) begin
    img_b = {BatchWidth{1'b0}};
    img_b[ImageWidth-1:0] = img_q;
  end
  wire inc_last = (img_b == bm2_q);
{%- if v.conv %}
  wire blk_end  = (icnt_q == ipb_q) || b_last;
{%- else %}
  // One block: the batch.
  wire blk_end  = b_last;
{%- endif %}
  // A tile ends with its last row once it has lasted Rows + Cols cycles (late_q), else at
  // cycle Rows + Cols - 1: max(rows + 1, Rows + Cols) cycles. The next tile's weights load
  // behind the last row (they cross each array row with the activations), and the
  // partial sums a row wrote are forwarded to the next K-tile's read of them.
  wire tile_end = (running && rdone_q && (tc_q == TcMinEnd))
               || (a_re && img_end && blk_end && late_q);
{%- if v.conv %}
  // The input position under the kernel, plus the padding: inside when
  // pad <= s*oy + ky < in_h + pad (and the same across).
  wire [PosWidth-1:0] py = yb_q + (dy_q ? st_p : {PosWidth{1'b0}}) + ky_p;
  wire [PosWidth-1:0] px = xb_q + (dx_q ? st_p : {PosWidth{1'b0}}) + kx_p;
  wire in_map   = (py >= pad_p) && (py < hpad_p) && (px >= pad_p) && (px < wpad_p);
  wire wfirst   = !dx_q && !dy_q;
{%- else %}
  wire in_map   = 1'b1;
  wire wfirst   = 1'b1;
  // The geometry's registers no row reads (constant in synthesis).
  wire unused_geo = ^{pool_q, km1_q, st_q, pad_q, oh_q, ow_q, hpad_q, wpad_q, dx_q, dy_q,
                      yb_q, xb_q, ky_q, kx_q, d_cw_a, icnt_q, ipb_q, blast_q};
{%- endif %}

{% include "partials/seq_check.v" %}
  // CHECK's zero counts: kernel, stride, channel words, output size, images per block, and
  // a pool on the last layer (its rows go to the argmax, one per image).
  wire d_geo_bad = (d_k == {KWidth{1'b0}}) || (d_stride == {StWidth{1'b0}})
                || (d_k_tiles == {CountWidth{1'b0}}) || (d_out_h == {DimWidth{1'b0}})
                || (d_out_w == {DimWidth{1'b0}}) || (d_ipb == {BatchWidth{1'b0}})
                || (d_last && d_pool);
  // The last layer's FETCH waits for an empty output buffer.
  wire stall    = (state_q == StFetch1) && flast_q && !out_room_i;
  wire [AAddrWidth-1:0] half_base = half_q ? HalfWords : {AAddrWidth{1'b0}};

  always @(*) begin
    state_d   = state_q;
    pc_d      = pc_q;
    sel_d     = sel_q;
    bm2_d     = bm2_q;
    bl_d      = bl_q;
    bbl_d     = bbl_q;
    nbl_d     = nbl_q;
    zbl_d     = zbl_q;
    drain_d   = drain_q;
    half_d    = half_q;
    rbase_d   = rbase_q;
    obase0_d  = obase0_q;
    fail_d    = 1'b0;
    err_d     = err_q;
    last_d    = last_q;
    pool_d    = pool_q;
    km1_d     = km1_q;
    st_d      = st_q;
    pad_d     = pad_q;
    cw_d      = cw_q;
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
    ipb_d     = ipb_q;
    bbase_d   = bbase_q;
    nt_d      = nt_q;
    wptr_d    = wptr_q;
    wnt_d     = wnt_q;
    bimg_d    = bimg_q;
    nimg_d    = nimg_q;
    bbase_a_d = bbase_a_q;
    nbase_d   = nbase_q;
    blast_d   = blast_q;
    ky_d      = ky_q;
    kx_d      = kx_q;
    cwc_d     = cwc_q;
    koff_d    = koff_q;
    krow_d    = krow_q;
    tc_d      = tc_q;
    late_d    = late_q;
    wre_d     = wre_q;
    are_d     = are_q;
    rdone_d   = rdone_q;
    img_d     = img_q;
    icnt_d    = icnt_q;
    dy_d      = dy_q;
    dx_d      = dx_q;
    wy_d      = wy_q;
    wx_d      = wx_q;
    yb_d      = yb_q;
    xb_d      = xb_q;
    prow_d    = prow_q;
    ibase_d   = ibase_q;
    ibk_d     = ibk_q;
    lbase_d   = lbase_q;
    wbase_d   = wbase_q;
    raddr_d   = raddr_q;
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
          // batch - 2: the image before the last.
          bm2_d   = batch_i - {{(BatchWidth-1){1'b0}}, 1'b1} - {{(BatchWidth-1){1'b0}}, 1'b1};
          zbl_d   = (batch_i == {{(BatchWidth-1){1'b0}}, 1'b1});
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
        state_d = StFetch1;
      end
      StFetch1: if (!stall) begin
        last_d    = d_last;
        pool_d    = d_pool;
        km1_d     = d_k - {{(KWidth-1){1'b0}}, 1'b1};
        st_d      = d_stride;
        pad_d     = d_pad;
        cw_d      = d_k_tiles;
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
        ipb_d     = d_ipb;
        bbase_d   = d_b_base;
        nt_d      = {{(CountWidth-1){1'b0}}, 1'b1};
        wptr_d    = d_w_base;
        wnt_d     = d_w_base;
        // Buffer 0 is read (sel = 0) or written in the pass's input half.
        rbase_d   = sel_q ? {AAddrWidth{1'b0}} : half_base;
        obase0_d  = sel_q ? half_base : {AAddrWidth{1'b0}};
        bimg_d    = {ImageWidth{1'b0}};
        bbl_d     = zbl_q;
        bbase_a_d = sel_q ? {AAddrWidth{1'b0}} : half_base;
        img_d     = {ImageWidth{1'b0}};
        bl_d      = zbl_q;
        ibase_d   = sel_q ? {AAddrWidth{1'b0}} : half_base;
        ky_d      = {KWidth{1'b0}};
        kx_d      = {KWidth{1'b0}};
        cwc_d     = {{(CountWidth-1){1'b0}}, 1'b1};
        koff_d    = d_k0;
        krow_d    = d_k0;
        tc_d      = {TcWidth{1'b0}};
        late_d    = 1'b0;
        wre_d     = 1'b1;
        are_d     = 1'b0;
        rdone_d   = 1'b0;
        icnt_d    = {{(BatchWidth-1){1'b0}}, 1'b1};
        dy_d      = 1'b0;
        dx_d      = 1'b0;
        wy_d      = {{(DimWidth-1){1'b0}}, 1'b1};
        wx_d      = {{(DimWidth-1){1'b0}}, 1'b1};
        yb_d      = {PosWidth{1'b0}};
        xb_d      = {PosWidth{1'b0}};
        state_d   = StRun;
      end
      StRun: begin
        tc_d = tc_q + {{(TcWidth-1){1'b0}}, 1'b1};
        if (tc_q == TcWLast) begin
          wre_d = 1'b0;
        end
        if (tc_q == TcLate) begin
          late_d = 1'b1;
        end
        if (w_re) begin
          wptr_d = wptr_q + {{(WAddrWidth-1){1'b0}}, 1'b1};
        end
        if (tc_q == {TcWidth{1'b0}}) begin
          // The tile's first row: the image's base plus the kernel position's offset.
          are_d   = 1'b1;
          prow_d  = {PRowWidth{1'b0}};
          ibk_d   = ibase_q + koff_q;
          lbase_d = ibase_q + koff_q;
          wbase_d = ibase_q + koff_q;
          raddr_d = ibase_q + koff_q;
        end
        if (a_re) begin
          prow_d = prow_q + {{(PRowWidth-1){1'b0}}, 1'b1};
          if (!x_end) begin
            dx_d    = 1'b1;
            raddr_d = raddr_q + xs_q;
          end else if (!y_end) begin
            dx_d    = 1'b0;
            dy_d    = 1'b1;
            raddr_d = wbase_q + ys_q;
          end else if (!wx_end) begin
            dx_d    = 1'b0;
            dy_d    = 1'b0;
            wx_d    = wx_q + {{(DimWidth-1){1'b0}}, 1'b1};
            xb_d    = xb_q + qst_q;
            wbase_d = wbase_q + qxs_q;
            raddr_d = wbase_q + qxs_q;
          end else if (!wy_end) begin
            dx_d    = 1'b0;
            dy_d    = 1'b0;
            wx_d    = {{(DimWidth-1){1'b0}}, 1'b1};
            xb_d    = {PosWidth{1'b0}};
            wy_d    = wy_q + {{(DimWidth-1){1'b0}}, 1'b1};
            yb_d    = yb_q + qst_q;
            lbase_d = lbase_q + qys_q;
            wbase_d = lbase_q + qys_q;
            raddr_d = lbase_q + qys_q;
          end else begin
            dx_d    = 1'b0;
            dy_d    = 1'b0;
            wx_d    = {{(DimWidth-1){1'b0}}, 1'b1};
            xb_d    = {PosWidth{1'b0}};
            wy_d    = {{(DimWidth-1){1'b0}}, 1'b1};
            yb_d    = {PosWidth{1'b0}};
            if (!blk_end) begin
              // The block's next image.
              img_d   = img_q + {{(ImageWidth-1){1'b0}}, 1'b1};
              bl_d    = inc_last;
              icnt_d  = icnt_q + {{(BatchWidth-1){1'b0}}, 1'b1};
              ibase_d = ibase_q + is_q;
              ibk_d   = ibk_q + is_q;
              lbase_d = ibk_q + is_q;
              wbase_d = ibk_q + is_q;
              raddr_d = ibk_q + is_q;
            end else begin
              // The block's last row (the tile ends here or at TcMinEnd).
              are_d   = 1'b0;
              rdone_d = 1'b1;
              blast_d = b_last;
              nimg_d  = img_q + {{(ImageWidth-1){1'b0}}, 1'b1};
              nbl_d   = inc_last;
              nbase_d = ibase_q + is_q;
            end
          end
        end
        if (tile_end) begin
          tc_d     = {TcWidth{1'b0}};
          late_d   = 1'b0;
          wre_d    = 1'b1;
          are_d    = 1'b0;
          rdone_d  = 1'b0;
          icnt_d   = {{(BatchWidth-1){1'b0}}, 1'b1};
          if (!kt_last) begin
            // The block again, at the next K-tile.
            img_d   = bimg_q;
            bl_d    = bbl_q;
            ibase_d = bbase_a_q;
            if (!cw_last || !kx_last) begin
              koff_d = koff_q + {{(AAddrWidth-1){1'b0}}, 1'b1};
              if (!cw_last) begin
                cwc_d = cwc_q + {{(CountWidth-1){1'b0}}, 1'b1};
              end else begin
                cwc_d = {{(CountWidth-1){1'b0}}, 1'b1};
                kx_d  = kx_q + {{(KWidth-1){1'b0}}, 1'b1};
              end
            end else begin
              cwc_d  = {{(CountWidth-1){1'b0}}, 1'b1};
              kx_d   = {KWidth{1'b0}};
              ky_d   = ky_q + {{(KWidth-1){1'b0}}, 1'b1};
              krow_d = krow_q + rs_q;
              koff_d = krow_q + rs_q;
            end
          end else begin
            cwc_d  = {{(CountWidth-1){1'b0}}, 1'b1};
            kx_d   = {KWidth{1'b0}};
            ky_d   = {KWidth{1'b0}};
            koff_d = k0_q;
            krow_d = k0_q;
{%- if !v.conv %}
            if (1'b0) begin
              // (One block: never another.)
              bimg_d    = nimg_q;
              bbl_d     = nbl_q;
              bbase_a_d = nbase_q;
              img_d     = nimg_q;
              bl_d      = nbl_q;
              ibase_d   = nbase_q;
{%- else %}
            // (The _d values: a tile may end in its last row's cycle.)
            if (!blast_d) begin
              // The next block, with the N-tile's weights again.
              bimg_d    = nimg_d;
              bbl_d     = nbl_d;
              bbase_a_d = nbase_d;
              img_d     = nimg_d;
              bl_d      = nbl_d;
              ibase_d   = nbase_d;
{%- endif %}
              wptr_d    = wnt_q;
            end else begin
              bimg_d    = {ImageWidth{1'b0}};
              bbl_d     = zbl_q;
              bbase_a_d = rbase_q;
              img_d     = {ImageWidth{1'b0}};
              bl_d      = zbl_q;
              ibase_d   = rbase_q;
              wnt_d     = wptr_q;
              if (nt_last) begin
                drain_d = {DrainWidth{1'b0}};
                state_d = StDrain;
              end else begin
                nt_d = nt_q + {{(CountWidth-1){1'b0}}, 1'b1};
              end
            end
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

  // Control state: reset. The descriptor's copy, the loops' counters and the addresses:
  // no reset (FETCH sets them before any use).
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q  <= StIdle;
      run_q    <= 1'b0;
      pc_q     <= {PAddrWidth{1'b0}};
      sel_q    <= 1'b0;
      drain_q  <= {DrainWidth{1'b0}};
      half_q   <= 1'b0;
      fail_q   <= 1'b0;
      err_q    <= 4'd0;
      last_q   <= 1'b0;
      wre_q    <= 1'b0;
      are_q    <= 1'b0;
      rdone_q  <= 1'b0;
      late_q   <= 1'b0;
      lastpc_q <= {PAddrWidth{1'b0}};
      flast_q  <= 1'b0;
    end else begin
      state_q  <= state_d;
      run_q    <= (state_d == StRun);
      pc_q     <= pc_d;
      sel_q    <= sel_d;
      drain_q  <= drain_d;
      half_q   <= half_d;
      fail_q   <= fail_d;
      err_q    <= err_d;
      last_q   <= last_d;
      wre_q    <= wre_d;
      are_q    <= are_d;
      rdone_q  <= rdone_d;
      late_q   <= late_d;
      lastpc_q <= lastpc_d;
      flast_q  <= flast_d;
    end
  end

  always @(posedge clk_i) begin
    bm2_q     <= bm2_d;
    bl_q      <= bl_d;
    bbl_q     <= bbl_d;
    nbl_q     <= nbl_d;
    zbl_q     <= zbl_d;
    rbase_q   <= rbase_d;
    obase0_q  <= obase0_d;
    pool_q    <= pool_d;
    km1_q     <= km1_d;
    st_q      <= st_d;
    pad_q     <= pad_d;
    cw_q      <= cw_d;
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
    ipb_q     <= ipb_d;
    bbase_q   <= bbase_d;
    nt_q      <= nt_d;
    wptr_q    <= wptr_d;
    wnt_q     <= wnt_d;
    bimg_q    <= bimg_d;
    nimg_q    <= nimg_d;
    bbase_a_q <= bbase_a_d;
    nbase_q   <= nbase_d;
    blast_q   <= blast_d;
    ky_q      <= ky_d;
    kx_q      <= kx_d;
    cwc_q     <= cwc_d;
    koff_q    <= koff_d;
    krow_q    <= krow_d;
    tc_q      <= tc_d;
    img_q     <= img_d;
    icnt_q    <= icnt_d;
    dy_q      <= dy_d;
    dx_q      <= dx_d;
    wy_q      <= wy_d;
    wx_q      <= wx_d;
    yb_q      <= yb_d;
    xb_q      <= xb_d;
    prow_q    <= prow_d;
    ibase_q   <= ibase_d;
    ibk_q     <= ibk_d;
    lbase_q   <= lbase_d;
    wbase_q   <= wbase_d;
    raddr_q   <= raddr_d;
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
  assign fetch_o     = (state_q == StFetch1) && !stall;
  assign n_o         = n_q;
  assign n_tiles_o   = nt_end_q;
  assign b_base_o    = bbase_q;
  assign obase_o     = obase0_q;
  assign done_o      = (state_q == StDone);
  assign prog_addr_o = pc_q;
  assign sel_o       = sel_q;
  assign last_o      = last_q;
  assign w_re_o      = w_re;
  assign w_addr_o    = wptr_q;
  assign a_re_o      = a_re;
  assign a_addr_o    = raddr_q;
  assign zero_o      = !in_map;
  assign first_kt_o  = kt_first;
  assign last_kt_o   = kt_last;
  assign wfirst_o    = wfirst;
  assign wlast_o     = x_end && y_end;
  assign ntend_o     = kt_last && img_end && b_last;
  assign image_o     = img_q;
  assign prow_o      = prow_q;
endmodule
{% include "partials/epilogue.v" %}
