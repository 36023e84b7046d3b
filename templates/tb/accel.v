{% include "partials/prologue.v" %}

// Testbench of {= v.top =}, through its bus only (no reference into the design): writes the
// program, weight and bias memories read from the files named by plusargs over AXI4-Lite,
// streams the images into the AXI4-Stream input, runs them in passes of +batch images (one
// run, ap_start) and prints every record of the output stream; potmac compares them with
// the integer model (docs/accelerator.md).
//   +program=F +weights=F +bias=F  the program, weight and bias memories ($readmemh)
//   +images=F +words=W +count=N    N images of W activation words each ({= v.side =} activations a word)
//   +batch=B                       images per pass (1..{= v.batch =})
//   +preloaded                     skip writing the memories: the design was built with
//                                  ProgramInit, WeightInit and BiasInit naming the same files
//   +dump                          trace: every layer's rows, not only the last layer's
//   +stall=P +seed=S               hold TVALID (input) and TREADY (output) low in P % of the
//                                  cycles, at random (seed S)
//   +maxcycles=C                   watchdog: C cycles per pass
//   +batch_reg=N +words_reg=N      write N into BATCH / IMAGE_WORDS instead of +batch / +words,
//                                  unchecked (tests of the accelerator's own error bits)
// Output lines: `ROW <layer> <image> <n-tile> <row hex>` (SumWidth bits per column, column 0
// rightmost), `CLASS <image> <class>`, `CYCLES <pass> <cycles>`, `RUN <run> <busy> <stall-in>
// <stall-out> <passes>` (the counters), then `PASS <images>` or `FAIL <errors>`.
module {= v.tb =};
  localparam integer ActWidth   = {= v.act_bits =};
  localparam integer Cols       = {= v.side =};
  localparam integer SumWidth   = {= v.sum_bits =};
  localparam integer CountWidth = {= v.count_bits =};
  localparam integer ImageWidth = {= v.image_bits =};
  localparam integer PAddrWidth = {= v.p_addr =};
  localparam integer ImageWords = {= v.image_words =};
  localparam integer AW         = {= v.axil_addr =};
  localparam integer OutWidth   = {= v.out_width =};
  localparam integer UserWidth  = {= v.user_width =};
  localparam integer PWidth     = {= v.desc_bits =};
  localparam integer WWidth     = {= v.wmem_bits =};
  localparam integer BWidth     = {= v.bmem_bits =};
  localparam integer PChunks    = {= v.p_chunks =};
  localparam integer WChunks    = {= v.w_chunks =};
  localparam integer BChunks    = {= v.b_chunks =};
  localparam integer PWords     = {= v.layers =};
  localparam integer WWords     = {= v.weight_words =};
  localparam integer BWords     = {= v.bias_words =};
{%- for r in v.regs %}
  localparam [AW-1:0] Reg{= r.0 =} = {= v.axil_addr =}'h{= r.2 =};
{%- endfor %}

  reg                        clk = 1'b0;
  reg                        rst_n = 1'b0;
  reg  [AW-1:0]              awaddr = {AW{1'b0}};
  reg                        awvalid = 1'b0;
  wire                       awready;
  reg  [31:0]                wdata = 32'd0;
  reg                        wvalid = 1'b0;
  wire                       wready;
  wire [1:0]                 bresp;
  wire                       bvalid;
  reg  [AW-1:0]              araddr = {AW{1'b0}};
  reg                        arvalid = 1'b0;
  wire                       arready;
  wire [31:0]                rdata;
  wire [1:0]                 rresp;
  wire                       rvalid;
  reg                        s_valid = 1'b0;
  wire                       s_ready;
  wire [Cols*ActWidth-1:0]   s_data;
  wire                       s_last;
  wire [OutWidth-1:0]        m_data;
  wire [UserWidth-1:0]       m_user;
  wire                       m_valid;
  reg                        m_ready = 1'b0;
  wire                       m_last;
  wire                       irq;

  {= v.top =} dut (
    .clk_i            (clk),
    .rst_ni           (rst_n),
    .s_axil_awaddr_i  (awaddr),
    .s_axil_awprot_i  (3'b000),
    .s_axil_awvalid_i (awvalid),
    .s_axil_awready_o (awready),
    .s_axil_wdata_i   (wdata),
    .s_axil_wstrb_i   (4'hf),
    .s_axil_wvalid_i  (wvalid),
    .s_axil_wready_o  (wready),
    .s_axil_bresp_o   (bresp),
    .s_axil_bvalid_o  (bvalid),
    .s_axil_bready_i  (1'b1),
    .s_axil_araddr_i  (araddr),
    .s_axil_arprot_i  (3'b000),
    .s_axil_arvalid_i (arvalid),
    .s_axil_arready_o (arready),
    .s_axil_rdata_o   (rdata),
    .s_axil_rresp_o   (rresp),
    .s_axil_rvalid_o  (rvalid),
    .s_axil_rready_i  (1'b1),
    .s_axis_tdata_i   (s_data),
    .s_axis_tvalid_i  (s_valid),
    .s_axis_tready_o  (s_ready),
    .s_axis_tlast_i   (s_last),
    .m_axis_tdata_o   (m_data),
    .m_axis_tuser_o   (m_user),
    .m_axis_tvalid_o  (m_valid),
    .m_axis_tready_i  (m_ready),
    .m_axis_tlast_o   (m_last),
    .irq_o            (irq)
  );

  reg [Cols*ActWidth-1:0] img_mem [0:ImageWords-1];
  reg [PWidth-1:0]        p_mem [0:PWords-1];
  reg [WWidth-1:0]        w_mem [0:WWords-1];
  reg [BWidth-1:0]        b_mem [0:BWords-1];
  reg [8*1024-1:0]        f_program, f_weights, f_bias, f_images;
  integer words, count, batch, maxcycles, stall, seed, errors, cycles, watch, i, passes;
  integer in_idx, in_total, classes, pass, batch_reg,
          words_reg;
  reg     dump, streaming, go_in, go_out;
  reg  [31:0] rng, stall_u;
  reg  [32*{= v.max_chunks =}-1:0] word;
  // Test-set index of the current pass's first image in this run, for the printed numbers.
  reg  [31:0] base;
  reg     w_fire, b_fire, ar_fire, r_fire;
  reg  [31:0] rd_q, status, run_c, busy_c, in_c, out_c, pass_c;
  localparam integer Watchdog = 2147483646;
{%- let tb = v.tb.as_str() %}
{%- let waves = v.waves() %}

{% include "partials/tb_clock.v" %}

  // Handshakes seen at each rising edge (read at the next falling edge).
  always @(posedge clk) begin
    w_fire  <= awvalid & awready & wvalid & wready;
    b_fire  <= bvalid;
    ar_fire <= arvalid & arready;
    r_fire  <= rvalid;
    if (rvalid) begin
      rd_q <= rdata;
    end
  end

  // One AXI4-Lite write (called just after a falling edge).
  task automatic axil_write;
    input [AW-1:0] addr;
    input [31:0]   data;
    begin
      awaddr = addr;
      wdata = data;
      awvalid = 1'b1;
      wvalid = 1'b1;
      @(negedge clk);
      while (!w_fire) @(negedge clk);
      awvalid = 1'b0;
      wvalid = 1'b0;
      while (!b_fire) @(negedge clk);
    end
  endtask

  // One AXI4-Lite read into rd_q.
  task automatic axil_read;
    input [AW-1:0] addr;
    begin
      araddr = addr;
      arvalid = 1'b1;
      @(negedge clk);
      while (!ar_fire) @(negedge clk);
      arvalid = 1'b0;
      while (!r_fire) @(negedge clk);
    end
  endtask

  // The input stream: the images in order, TLAST on each image's last word; TVALID, once
  // high, stays high until the beat is taken.
  assign s_data = img_mem[in_idx];
  assign s_last = ((in_idx % words) == words - 1);
  always @(posedge clk) begin
    if (streaming) begin
      // xorshift32, one draw per stream and cycle.
      rng = rng ^ (rng << 13);
      rng = rng ^ (rng >> 17);
      rng = rng ^ (rng << 5);
      go_in = (rng % 32'd100) >= stall_u;
      rng = rng ^ (rng << 13);
      rng = rng ^ (rng >> 17);
      rng = rng ^ (rng << 5);
      go_out = (rng % 32'd100) >= stall_u;
      if (s_valid && s_ready) begin
        in_idx <= in_idx + 1;
        s_valid <= (in_idx + 1 < in_total) && go_in;
      end else if (!s_valid) begin
        s_valid <= (in_idx < in_total) && go_in;
      end
      m_ready <= go_out;
    end
  end

  // The output stream's records, printed as they are taken; a record's test-set image index.
  wire [ImageWidth-1:0] m_pass_image = m_user[2*CountWidth+ImageWidth-1 -: ImageWidth];
  wire [31:0]           m_image      = base + {{(32-ImageWidth){1'b0}}, m_pass_image};
  always @(posedge clk) begin
    if (m_valid && m_ready) begin
      case (m_user[UserWidth-1 -: 2])
        2'd2: begin
          $display("CYCLES %0d %0d", pass, m_data[31:0]);
          if (!m_last) begin
            errors = errors + 1;
            $display("FAIL a pass end without TLAST");
          end
          base = base + {{(32-CountWidth){1'b0}}, m_user[CountWidth-1:0]};
          pass = pass + 1;
        end
        default: begin
          $display("ROW %0d %0d %0d %h", m_user[UserWidth-3 -: PAddrWidth], m_image,
                   m_user[2*CountWidth-1 -: CountWidth], m_data[Cols*SumWidth-1:0]);
          if (m_user[UserWidth-1 -: 2] == 2'd1) begin
            $display("CLASS %0d %0d", m_image, m_user[CountWidth-1:0]);
            classes = classes + 1;
          end
        end
      endcase
    end
  end

  initial begin
    errors = 0;
    pass = 0;
    base = 32'd0;
    classes = 0;
    in_idx = 0;
    in_total = 0;
    streaming = 1'b0;
    stall = 0;
    seed = 1;
    dump = $test$plusargs("dump");
    if (!($value$plusargs("program=%s", f_program) && $value$plusargs("weights=%s", f_weights)
          && $value$plusargs("bias=%s", f_bias) && $value$plusargs("images=%s", f_images)
          && $value$plusargs("words=%d", words) && $value$plusargs("count=%d", count)
          && $value$plusargs("batch=%d", batch)
          && $value$plusargs("maxcycles=%d", maxcycles))) begin
      $display({"FAIL usage: +program= +weights= +bias= +images= +words= +count= +batch= ",
                "+maxcycles= are required"});
      $fatal(1, "usage");
    end
    if ($value$plusargs("stall=%d", stall) && (stall < 0 || stall > 90)) begin
      $display("FAIL usage: stall %0d (0..90 %%)", stall);
      $fatal(1, "usage");
    end
    if ($value$plusargs("seed=%d", seed)) begin
      seed = seed;
    end
    // The stall generator's state: never 0 (xorshift would stay there).
    rng = $unsigned(seed) ^ 32'h9e3779b9;
    rng = (rng == 32'd0) ? 32'd1 : rng;
    stall_u = $unsigned(stall);
    if (!$value$plusargs("batch_reg=%d", batch_reg)) begin
      batch_reg = batch;
    end
    if (!$value$plusargs("words_reg=%d", words_reg)) begin
      words_reg = words;
    end
    if (batch < 1 || batch > {= v.batch =} || words < 1 || count < 1 || words * count > ImageWords) begin
      $display("FAIL usage: batch %0d (1..{= v.batch =}), %0d words, %0d images (at most %0d words)",
               batch, words, count, ImageWords);
      $fatal(1, "usage");
    end
    for (i = 0; i < PWords; i = i + 1) p_mem[i] = {PWidth{1'b0}};
    for (i = 0; i < WWords; i = i + 1) w_mem[i] = {WWidth{1'b0}};
    for (i = 0; i < BWords; i = i + 1) b_mem[i] = {BWidth{1'b0}};
    $readmemh(f_program, p_mem);
    $readmemh(f_weights, w_mem);
    $readmemh(f_bias, b_mem);
    $readmemh(f_images, img_mem, 0, words * count - 1);
    in_total = words * count;
    passes = (count + batch - 1) / batch;
    @(negedge clk);
    @(negedge clk);
    rst_n = 1'b1;
    @(negedge clk);
    axil_read(RegId);
    if (rd_q !== 32'h{= v.id_hex =}) begin
      $display("FAIL the ID register reads %h", rd_q);
      $fatal(1, "id");
    end
    // The memories, word by word, 32-bit chunks least significant first (unless
    // +preloaded: the design's ProgramInit, WeightInit and BiasInit filled them).
    if (!$test$plusargs("preloaded")) begin
      axil_write(RegMemAddr, 32'h00000000);
      for (i = 0; i < PWords; i = i + 1) begin
        word = {(32*{= v.max_chunks =}){1'b0}};
        word[PWidth-1:0] = p_mem[i];
        write_word(word, PChunks);
      end
      axil_write(RegMemAddr, 32'h10000000);
      for (i = 0; i < WWords; i = i + 1) begin
        word = {(32*{= v.max_chunks =}){1'b0}};
        word[WWidth-1:0] = w_mem[i];
        write_word(word, WChunks);
      end
      axil_write(RegMemAddr, 32'h20000000);
      for (i = 0; i < BWords; i = i + 1) begin
        word = {(32*{= v.max_chunks =}){1'b0}};
        word[BWidth-1:0] = b_mem[i];
        write_word(word, BChunks);
      end
    end
    axil_write(RegBatch, $unsigned(batch_reg));
    axil_write(RegImages, $unsigned(count));
    axil_write(RegImageWords, $unsigned(words_reg));
    axil_write(RegOptions, dump ? 32'd3 : 32'd1);
    axil_write(RegIer, 32'd3);
    axil_write(RegGie, 32'd1);
    axil_write(RegCtrl, 32'd1);
    streaming = 1'b1;
    watch = 0;
    while (irq !== 1'b1 && watch <= maxcycles * passes + 16 * in_total + 1000) begin
      @(negedge clk);
      watch = watch + 1;
    end
    if (irq !== 1'b1) begin
      $display("FAIL watchdog: the run has not finished after %0d cycles", watch);
      $fatal(1, "watchdog");
    end
    axil_read(RegError);
    if (rd_q != 32'd0) begin
      errors = errors + 1;
      $display("FAIL error bits %h", rd_q);
    end
    axil_read(RegCtrl);
    status = rd_q;
    if (status[1] !== 1'b1) begin
      errors = errors + 1;
      $display("FAIL the interrupt came without ap_done (CTRL %h)", status);
    end
    axil_read(RegRunCycles);
    run_c = rd_q;
    axil_read(RegBusyCycles);
    busy_c = rd_q;
    axil_read(RegStallIn);
    in_c = rd_q;
    axil_read(RegStallOut);
    out_c = rd_q;
    axil_read(RegPasses);
    pass_c = rd_q;
    $display("RUN %0d %0d %0d %0d %0d", run_c, busy_c, in_c, out_c, pass_c);
    if (classes != count || pass != passes || pass_c != $unsigned(passes)) begin
      errors = errors + 1;
      $display("FAIL %0d classes, %0d pass ends, %0d passes counted (expected %0d, %0d)", classes,
               pass, pass_c, count, passes);
    end
    if (errors == 0) begin
      $display("PASS %0d", count);
      $finish;
    end else begin
      $display("FAIL %0d", errors);
      $fatal(1, "%0d errors", errors);
    end
  end

  // One memory word as `chunks` writes of MEM_DATA.
  task automatic write_word;
    input [32*{= v.max_chunks =}-1:0] word;
    input integer                  chunks;
    integer c;
    begin
      for (c = 0; c < chunks; c = c + 1) begin
        axil_write(RegMemData, word[32*c +: 32]);
      end
    end
  endtask
endmodule
{% include "partials/epilogue.v" %}
