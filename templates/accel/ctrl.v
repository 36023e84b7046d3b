{% include "partials/prologue.v" %}

// Control: the AXI4-Lite slave (32-bit data, {= v.axil_addr =}-bit addresses) with the register map of
// docs/reference/registers.md (the Vitis/XRT kernel control map at 0x00-0x0C, user registers
// from 0x10), the memory write port behind MEM_ADDR/MEM_DATA, and the run controller: a run
// (ap_start) checks BATCH, IMAGES and IMAGE_WORDS, then starts a pass on each input half the
// loader fills, frees the half when the pass is done, and finishes (ap_done) when the last
// pass's records have left the output stream. Registers are written whole (WSTRB ignored);
// one transaction at a time; responses are OKAY.
module {= v.ctrl =} (
{%- include "partials/ports.v" %}
);
  localparam integer AW         = {= v.axil_addr =};
  localparam integer BatchWidth = {= v.batch_bits =};
  localparam integer PAddrWidth = {= v.p_addr =};
  localparam integer WAddrWidth = {= v.w_addr =};
  localparam integer BAddrWidth = {= v.b_addr =};
  localparam integer PWidth     = {= v.desc_bits =};
  localparam integer WWidth     = {= v.wmem_bits =};
  localparam integer BWidth     = {= v.bmem_bits =};
  // Chunks of the memories' words, and the staging register (the widest word's chunks).
  localparam integer PChunks    = {= v.p_chunks =};
  localparam integer WChunks    = {= v.w_chunks =};
  localparam integer BChunks    = {= v.b_chunks =};
  localparam integer StageWidth = 32 * {= v.max_chunks =};
  localparam [23:0] PWords = 24'd{= v.layers =};
  localparam [23:0] WWords = 24'd{= v.weight_words =};
  localparam [23:0] BWords = 24'd{= v.bias_words =};
  localparam [15:0] MaxBatch  = 16'd{= v.batch =};
  // Input capacity: words of a half (ws), or of a bank's half (os; images in groups of Cols).
  localparam [31:0] HalfWords = 32'd{= v.half_words =};
  localparam [15:0] CapStep   = 16'd{= v.cap_step =};
{%- for r in v.regs %}
  localparam [AW-1:2] Reg{= r.0 =} = {= v.axil_addr_m2 =}'d{= r.1 =};
{%- endfor %}

  // ---- AXI4-Lite: one write and one read at a time.
  // No handshake in reset: live_q rises on the first edge after it.
  reg         live_q, bvalid_q, rvalid_q;
  reg  [31:0] rdata_q;
  wire        wr = live_q & s_axil_awvalid_i & s_axil_wvalid_i & ~bvalid_q;
  wire        rd = live_q & s_axil_arvalid_i & ~rvalid_q;
  wire [AW-3:0] wa = s_axil_awaddr_i[AW-1:2];
  wire [AW-3:0] ra = s_axil_araddr_i[AW-1:2];
  wire [31:0] wd = s_axil_wdata_i;
  wire        unused_axil = ^{s_axil_awaddr_i[1:0], s_axil_araddr_i[1:0], s_axil_awprot_i,
                              s_axil_arprot_i, s_axil_wstrb_i};

  // ---- Registers.
  reg         ap_start_q, ap_done_q, ap_ready_q, auto_q;
  reg         gie_q;
  reg  [1:0]  ier_q, isr_q;
  reg  [15:0] batch_q, words_q;
  reg  [31:0] images_q;
  reg         logits_q, trace_q;
  reg  [11:0] err_q;
  reg  [23:0] maddr_q;
  reg  [1:0]  msel_q;
  reg  [7:0]  chunk_q;
  reg  [StageWidth-1:0] stage_q;
  reg  [31:0] run_cycles_q, busy_cycles_q, stall_in_q, stall_out_q, passes_q;

  // ---- Run state.
  localparam [1:0] RunIdle  = 2'd0;
  localparam [1:0] RunCheck = 2'd1;
  localparam [1:0] RunGo    = 2'd2;
  reg  [1:0]  run_q;
  reg  [31:0] cap_q;
  reg  [15:0] caprem_q;
  // The checks, registered (out of the error and start logic's timing): they show the
  // previous cycle's values. chk_q counts the check's first cycles: the first loads the
  // capacity count, the second makes the first registered result; from the third, each
  // result is this run's (nothing a check reads changes while it runs, and the capacity
  // count holds once all its steps are added).
  reg  [1:0]  chk_q;
  reg         over_q, capzero_q, bad_batch_q, bad_images_q, zero_words_q;
  reg  [31:0] left_q;
  reg         pass_q, rh_q;
  reg  [31:0] pcount_q;
  wire [BatchWidth-1:0] rh_n = rh_q ? ld_n1_i : ld_n0_i;
  // The same, registered, and the images left after the pass (out of the subtraction's
  // timing): a pass ends long after its half was filled.
  reg  [BatchWidth-1:0] rhn_q;
  reg  [31:0]           lsub_q;
  // The loader starts a cycle after the run is accepted (out of the checks' timing).
  reg                   ld_start_q;
  wire        running  = (run_q == RunGo);
  wire        start_ok = (run_q == RunIdle) & ap_start_q;
  wire        bad_batch  = bad_batch_q;
  wire        bad_images = bad_images_q;
  wire        bad_words  = zero_words_q | over_q;
  // The capacity check adds IMAGE_WORDS once per image (ws) or group of Cols images (os).
  wire        check_done = (run_q == RunCheck) & chk_q[1] & (capzero_q | over_q | bad_batch
                                                              | bad_images);
  wire        check_fail = bad_batch | bad_images | bad_words;
  wire        go         = check_done & ~check_fail;
  // left_zero_q: no images left to compute, one cycle after left_q (out of the start's
  // timing; a pass cannot start early on it, since no half fills once no images are left).
  reg         left_zero_q;
  wire        pass_start = running & ~pass_q & ~busy_i & ~left_zero_q & ld_full_i[rh_q];
  wire        run_end    = running & ~pass_q & left_zero_q & out_room_i;
  wire        fail_end   = running & fail_i;

  // ---- The memory write port: a word after its last chunk.
  // LSB chunk first: each chunk enters at the top and the word ends at the bottom.
  wire [StageWidth+31:0] stage_x = {wd, stage_q};
  wire [StageWidth-1:0]  stage_d = stage_x[StageWidth+31:32];
  wire                   unused_stage = ^stage_x[31:0];
  wire        mem_wr   = wr & (wa == RegMemData);
  // The selected memory's chunks (less one) and depth, registered when MEM_ADDR is written
  // (out of the write path's timing).
  // (Continuous assignments: an `always @(*)` on them would not run before MEM_ADDR's data
  // first changes, in event-driven simulators.)
  localparam [7:0] PChunksM1 = PChunks[7:0] - 8'd1;
  localparam [7:0] WChunksM1 = WChunks[7:0] - 8'd1;
  localparam [7:0] BChunksM1 = BChunks[7:0] - 8'd1;
  wire [1:0]  wsel        = wd[29:28];
  wire [7:0]  chunks_m1_d = (wsel == 2'd0) ? PChunksM1 : (wsel == 2'd1) ? WChunksM1
                          : (wsel == 2'd2) ? BChunksM1 : 8'd0;
  wire [23:0] depth_d     = (wsel == 2'd0) ? PWords : (wsel == 2'd1) ? WWords
                          : (wsel == 2'd2) ? BWords : 24'd0;
  reg  [7:0]  chunks_m1_q;
  reg  [23:0] depth_q;
  wire        commit    = mem_wr & (chunk_q == chunks_m1_q);
  // MEM_ADDR past the memory's depth, registered (out of the write enable's timing): MEM_ADDR
  // changes only with a write, and two writes are at least two cycles apart (the response).
  reg         past_q;
  wire        mem_range = commit & past_q;
  wire        mem_busy  = commit & (run_q != RunIdle);
  reg         mwe_q;
  reg  [1:0]  msel_w_q;
  reg  [23:0] maddr_w_q;
  // The word written, from the staging register: no register of its own, as the stage holds
  // still in the cycle after a commit (the write's response is pending: no write is taken).
  wire [StageWidth-1:0] mdata = (msel_w_q == 2'd0) ? stage_q >> (StageWidth - 32 * PChunks)
                              : (msel_w_q == 2'd1) ? stage_q >> (StageWidth - 32 * WChunks)
                              : stage_q >> (StageWidth - 32 * BChunks);

  // ---- Error bits raised this cycle.
  wire        cfg_wr  = wr & ((wa == RegBatch) | (wa == RegImages) | (wa == RegImageWords)
                              | (wa == RegOptions));
  wire        reg_busy = cfg_wr & (run_q != RunIdle);
  wire [11:0] err_new = {reg_busy, overflow_i, ld_framing_i, mem_busy, mem_range,
                         fail_end ? err_i : 4'd0,
                         check_done & bad_words, check_done & bad_images, check_done & bad_batch};

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      live_q     <= 1'b0;
      bvalid_q   <= 1'b0;
      rvalid_q   <= 1'b0;
      ap_start_q <= 1'b0;
      ap_done_q  <= 1'b0;
      ap_ready_q <= 1'b0;
      auto_q     <= 1'b0;
      gie_q      <= 1'b0;
      ier_q      <= 2'b00;
      isr_q      <= 2'b00;
      batch_q    <= 16'd0;
      words_q    <= 16'd0;
      images_q   <= 32'd0;
      logits_q   <= 1'b0;
      trace_q    <= 1'b0;
      err_q      <= 12'd0;
      maddr_q    <= 24'd0;
      msel_q     <= 2'd0;
      chunks_m1_q <= PChunksM1;
      depth_q    <= PWords;
      chunk_q    <= 8'd0;
      mwe_q      <= 1'b0;
      run_q      <= RunIdle;
      chk_q      <= 2'd0;
      ld_start_q <= 1'b0;
      pass_q     <= 1'b0;
      rh_q       <= 1'b0;
      left_q     <= 32'd0;
      left_zero_q <= 1'b1;
    end else begin
      left_zero_q <= (left_q == 32'd0);
      ld_start_q  <= go;
      live_q <= 1'b1;
      // AXI handshakes.
      if (wr) begin
        bvalid_q <= 1'b1;
      end else if (s_axil_bready_i) begin
        bvalid_q <= 1'b0;
      end
      if (rd) begin
        rvalid_q <= 1'b1;
      end else if (s_axil_rready_i) begin
        rvalid_q <= 1'b0;
      end
      // Register writes.
      if (wr && wa == RegCtrl) begin
        if (wd[0]) begin
          ap_start_q <= 1'b1;
        end
        auto_q <= wd[7];
      end
      if (wr && wa == RegGie) begin
        gie_q <= wd[0];
      end
      if (wr && wa == RegIer) begin
        ier_q <= wd[1:0];
      end
      if (wr && run_q == RunIdle) begin
        if (wa == RegBatch) begin
          batch_q <= wd[15:0];
        end
        if (wa == RegImages) begin
          images_q <= wd;
        end
        if (wa == RegImageWords) begin
          words_q <= wd[15:0];
        end
        if (wa == RegOptions) begin
          logits_q <= wd[0];
          trace_q  <= wd[1];
        end
      end
      if (wr && wa == RegMemAddr) begin
        maddr_q     <= wd[23:0];
        msel_q      <= wd[29:28];
        chunk_q     <= 8'd0;
        chunks_m1_q <= chunks_m1_d;
        depth_q     <= depth_d;
      end
      if (mem_wr) begin
        if (commit) begin
          chunk_q <= 8'd0;
          maddr_q <= maddr_q + 24'd1;
        end else begin
          chunk_q <= chunk_q + 8'd1;
        end
      end
      mwe_q <= commit & ~mem_range & ~mem_busy;
      // Reads of CTRL clear ap_done and ap_ready.
      if (rd && ra == RegCtrl) begin
        ap_done_q  <= 1'b0;
        ap_ready_q <= 1'b0;
      end
      // Errors (sticky; W1C) and interrupt status (set by events, toggled by writes).
      err_q <= (err_q & ~((wr && wa == RegError) ? wd[11:0] : 12'd0)) | err_new;
      isr_q <= (isr_q ^ ((wr && wa == RegIsr) ? wd[1:0] : 2'b00))
             | (ier_q & {|err_new, run_end | fail_end | (check_done & check_fail)});
      // The run.
      case (run_q)
        RunIdle: begin
          if (start_ok) begin
            ap_start_q <= 1'b0;
            ap_ready_q <= 1'b1;
            run_q      <= RunCheck;
          end
        end
        RunCheck: begin
          if (!chk_q[1]) begin
            chk_q <= chk_q + 2'd1;
          end
          if (check_done) begin
            chk_q <= 2'd0;
            if (check_fail) begin
              ap_done_q <= 1'b1;
              run_q     <= RunIdle;
            end else begin
              run_q       <= RunGo;
              left_q      <= images_q;
              left_zero_q <= 1'b0;
              rh_q   <= 1'b0;
              pass_q <= 1'b0;
            end
          end
        end
        default: begin
          if (pass_start) begin
            pass_q <= 1'b1;
          end
          if (done_i) begin
            pass_q <= 1'b0;
            rh_q   <= ~rh_q;
            left_q <= lsub_q;
          end
          if (fail_end || run_end) begin
            ap_done_q <= 1'b1;
            run_q     <= RunIdle;
            pass_q    <= 1'b0;
            if (auto_q && run_end) begin
              ap_start_q <= 1'b1;
            end
          end
        end
      endcase
    end
  end

  // Datapath registers (no reset): read data, the staging register, the memory write,
  // the capacity check, the counters (cleared when a run starts).
  always @(posedge clk_i) begin
    if (rd) begin
      case (ra)
        RegCtrl:         rdata_q <= {24'd0, auto_q, 3'd0, ap_ready_q, ~(|run_q), ap_done_q,
                                     ap_start_q};
        RegGie:          rdata_q <= {31'd0, gie_q};
        RegIer:          rdata_q <= {30'd0, ier_q};
        RegIsr:          rdata_q <= {30'd0, isr_q};
        RegId:           rdata_q <= 32'h{= v.id_hex =};
        RegVersion:      rdata_q <= 32'h{= v.version_hex =};
        RegHwcfg0:       rdata_q <= 32'h{= v.hwcfg0 =};
        RegHwcfg1:       rdata_q <= 32'h{= v.hwcfg1 =};
        RegHwcfg2:       rdata_q <= 32'h{= v.hwcfg2 =};
        RegWeightWords: rdata_q <= 32'h{= v.words_hex[0] =};
        RegActWords:    rdata_q <= 32'h{= v.words_hex[1] =};
        RegBiasWords:   rdata_q <= 32'h{= v.words_hex[2] =};
        RegBatch:        rdata_q <= {16'd0, batch_q};
        RegImages:       rdata_q <= images_q;
        RegImageWords:  rdata_q <= {16'd0, words_q};
        RegOptions:      rdata_q <= {30'd0, trace_q, logits_q};
        RegError:        rdata_q <= {20'd0, err_q};
        RegMemAddr:     rdata_q <= {2'd0, msel_q, 4'd0, maddr_q};
        RegMemChunks:   rdata_q <= 32'h{= v.chunks_hex =};
        RegStatus:       rdata_q <= {28'd0, ld_full_i, pass_q, |run_q};
        RegRunCycles:   rdata_q <= run_cycles_q;
        RegBusyCycles:  rdata_q <= busy_cycles_q;
        RegStallIn:     rdata_q <= stall_in_q;
        RegStallOut:    rdata_q <= stall_out_q;
        RegPasses:       rdata_q <= passes_q;
        default:         rdata_q <= 32'd0;
      endcase
    end
    if (mem_wr) begin
      stage_q <= stage_d;
    end
    msel_w_q  <= msel_q;
    maddr_w_q <= maddr_q;
    rhn_q     <= rh_n;
    past_q    <= (maddr_q >= depth_q);
    lsub_q    <= left_q - {{(32-BatchWidth){1'b0}}, rhn_q};
    if (run_q == RunCheck && chk_q == 2'd0) begin
      cap_q    <= 32'd0;
      caprem_q <= batch_q;
    end else if (run_q == RunCheck && caprem_q != 16'd0) begin
      cap_q    <= cap_q + {16'd0, words_q};
      caprem_q <= (caprem_q <= CapStep) ? 16'd0 : caprem_q - CapStep;
    end
    over_q       <= cap_q > HalfWords;
    capzero_q    <= caprem_q == 16'd0;
    bad_batch_q  <= (batch_q == 16'd0) | (batch_q > MaxBatch);
    bad_images_q <= images_q == 32'd0;
    zero_words_q <= words_q == 16'd0;
    if (pass_start) begin
      pcount_q <= 32'd1;
    end else if (pass_q && !stall_i && !done_i) begin
      pcount_q <= pcount_q + 32'd1;
    end
    // Cleared when a run is accepted, so that a refused run reads zeros (not the previous
    // run's counts, nor X after reset); nothing counts before RunGo.
    if (start_ok) begin
      run_cycles_q  <= 32'd0;
      busy_cycles_q <= 32'd0;
      stall_in_q    <= 32'd0;
      stall_out_q   <= 32'd0;
      passes_q      <= 32'd0;
    end else if (running) begin
      run_cycles_q <= run_cycles_q + 32'd1;
      if (pass_q) begin
        busy_cycles_q <= busy_cycles_q + 32'd1;
      end
      if (!pass_q && !left_zero_q) begin
        stall_in_q <= stall_in_q + 32'd1;
      end
      if (stall_i) begin
        stall_out_q <= stall_out_q + 32'd1;
      end
      if (done_i) begin
        passes_q <= passes_q + 32'd1;
      end
    end
  end

  assign s_axil_awready_o = wr;
  assign s_axil_wready_o  = wr;
  assign s_axil_bvalid_o  = bvalid_q;
  assign s_axil_bresp_o   = 2'b00;
  assign s_axil_arready_o = rd;
  assign s_axil_rvalid_o  = rvalid_q;
  assign s_axil_rdata_o   = rdata_q;
  assign s_axil_rresp_o   = 2'b00;
  assign irq_o            = gie_q & (|isr_q);
  wire   unused_mem       = ^{mdata, maddr_w_q};

  assign pm_we_o   = mwe_q & (msel_w_q == 2'd0);
  assign pm_addr_o = maddr_w_q[PAddrWidth-1:0];
  assign pm_data_o = mdata[PWidth-1:0];
  assign wm_we_o   = mwe_q & (msel_w_q == 2'd1);
  assign wm_addr_o = maddr_w_q[WAddrWidth-1:0];
  assign wm_data_o = mdata[WWidth-1:0];
  assign bm_we_o   = mwe_q & (msel_w_q == 2'd2);
  assign bm_addr_o = maddr_w_q[BAddrWidth-1:0];
  assign bm_data_o = mdata[BWidth-1:0];

  assign ld_start_o     = ld_start_q;
  assign ld_abort_o     = fail_end;
  assign ld_images_o    = images_q;
  assign ld_batch_o     = batch_q[BatchWidth-1:0];
  assign ld_words_o     = words_q;
  assign ld_free_o      = running & done_i;
  assign ld_free_half_o = rh_q;

  assign start_o  = pass_start;
  assign batch_o  = rh_n;
  assign half_o   = rh_q;
  assign logits_o = logits_q;
  assign trace_o  = trace_q;

  assign pass_o        = running & done_i;
  assign pass_cycles_o = pcount_q;
  assign pass_images_o = rh_n;
endmodule
{% include "partials/epilogue.v" %}
