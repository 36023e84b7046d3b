{% include "partials/prologue.v" %}

// Testbench of {= v.top =}: loads a network and images with $readmemh from the files named
// by plusargs, runs them through the accelerator in passes of +batch images and prints what
// the hardware computed; potmac compares it with the integer model (docs/accelerator.md).
//   +program=F +weights=F +bias=F  the program, weight and bias memories
//   +images=F +words=W +count=N    N images of W activation words each ({= v.side =} activations a word)
//   +batch=B                       images per pass (1..{= v.batch =})
//   +dump                          print every layer's output rows, not only the last layer's
//   +maxcycles=C                   watchdog: a pass longer than C cycles fails
// Output lines: `ROW <layer> <image> <n-tile> <row hex>` (post-op outputs, SumWidth bits per
// column, column 0 rightmost), `CLASS <image> <class>`, `CYCLES <pass> <cycles>`, then
// `PASS <images>` or `FAIL <errors>`.
module {= v.tb =};
  localparam integer ActWidth    = {= v.act_bits =};
  localparam integer Cols        = {= v.side =};
  localparam integer SumWidth    = {= v.sum_bits =};
  localparam integer CountWidth  = {= v.count_bits =};
  localparam integer ImageWidth  = {= v.image_bits =};
  localparam integer BatchWidth  = {= v.batch_bits =};
  localparam integer PAddrWidth  = {= v.p_addr =};
  localparam integer ImageWords  = {= v.image_words =};

  reg                         clk = 1'b0;
  reg                         rst_n = 1'b1;
  reg                         start = 1'b0;
  reg  [BatchWidth-1:0]       batch_in = {BatchWidth{1'b0}};
  wire                        busy;
  wire                        done;
  wire                        class_valid;
  wire [ImageWidth-1:0]       class_image;
  wire [CountWidth-1:0]       class_idx;
  wire                        obs_valid;
  wire                        obs_last;
  wire [PAddrWidth-1:0]       obs_layer;
  wire [ImageWidth-1:0]       obs_image;
  wire [CountWidth-1:0]       obs_tile;
  wire [Cols*SumWidth-1:0]    obs_row;
{%- if v.os %}
  localparam integer ColWidth   = {= v.col_bits =};
  localparam integer AAddrWidth = {= v.a_addr =};
  reg                         host_we = 1'b0;
  reg  [ColWidth-1:0]         host_bank = {ColWidth{1'b0}};
  reg  [AAddrWidth-1:0]       host_addr = {AAddrWidth{1'b0}};
  reg  [Cols*ActWidth-1:0]    host_data = {(Cols*ActWidth){1'b0}};
  integer groups, bank, addr;
{%- endif %}

  {= v.top =} dut (
    .clk_i         (clk),
    .rst_ni        (rst_n),
    .start_i       (start),
    .batch_i       (batch_in),
    .busy_o        (busy),
    .done_o        (done),
    .class_valid_o (class_valid),
    .class_image_o (class_image),
    .class_o       (class_idx),
    .obs_valid_o   (obs_valid),
    .obs_last_o    (obs_last),
    .obs_layer_o   (obs_layer),
    .obs_image_o   (obs_image),
    .obs_tile_o    (obs_tile),
    .obs_row_o     (obs_row){% if v.os %},
    .host_we_i     (host_we),
    .host_bank_i   (host_bank),
    .host_addr_i   (host_addr),
    .host_data_i   (host_data){% endif %}
  );

  reg [Cols*ActWidth-1:0] img_mem [0:ImageWords-1];
  reg [8*1024-1:0]        f_program, f_weights, f_bias, f_images;
  integer words, count, batch, maxcycles, first, n, m, w, pass, errors, cycles, start_cycle;
  integer watch;
  reg     dump;
  // Test-set index of the pass's first image in this run, for the printed image numbers.
  reg [31:0] base;
  // The cycle counter (rising edges since reset) and the watchdog of tb_clock.v.
  localparam integer Watchdog = 2147483646;
{%- let tb = v.tb.as_str() %}
{%- let waves = v.waves() %}

{% include "partials/tb_clock.v" %}

  // What the accelerator computes, printed as it happens (sampled at each rising edge).
  always @(posedge clk) begin
    if (rst_n && obs_valid && (dump || obs_last)) begin
      $display("ROW %0d %0d %0d %h", obs_layer, base + {{(32-ImageWidth){1'b0}}, obs_image},
               obs_tile, obs_row);
    end
    if (rst_n && class_valid) begin
      $display("CLASS %0d %0d", base + {{(32-ImageWidth){1'b0}}, class_image}, class_idx);
    end
  end

  initial begin
    errors = 0;
    first = 0;
    base = 32'd0;
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
    if (batch < 1 || batch > {= v.batch =} || words * count > ImageWords) begin
      $display("FAIL usage: batch %0d (1..{= v.batch =}) or %0d image words (at most %0d)", batch,
               words * count, ImageWords);
      $fatal(1, "usage");
    end
    $readmemh(f_program, dut.u_pmem.mem_q);
    $readmemh(f_weights, dut.u_wmem.mem_q);
    $readmemh(f_bias, dut.u_bmem.mem_q);
    $readmemh(f_images, img_mem, 0, words * count - 1);
    #1 rst_n = 1'b0;
    @(negedge clk);
    rst_n = 1'b1;
    @(negedge clk);
    pass = 0;
    while (first < count) begin
      n = (count - first < batch) ? count - first : batch;
{%- if v.os %}
      // The pass's images into activation buffer 0 through the host port: word w of image m
      // into bank m mod Cols at w * groups + m / Cols (one word per cycle, not counted).
      groups = (n + Cols - 1) / Cols;
      for (m = 0; m < n; m = m + 1) begin
        for (w = 0; w < words; w = w + 1) begin
          bank = m % Cols;
          addr = w * groups + m / Cols;
          host_we = 1'b1;
          host_bank = bank[ColWidth-1:0];
          host_addr = addr[AAddrWidth-1:0];
          host_data = img_mem[(first + m) * words + w];
          @(negedge clk);
        end
      end
      host_we = 1'b0;
{%- else %}
      // The pass's images into activation buffer 0: word w of image m at w * n + m.
      for (m = 0; m < n; m = m + 1) begin
        for (w = 0; w < words; w = w + 1) begin
          dut.u_act0.mem_q[w * n + m] = img_mem[(first + m) * words + w];
        end
      end
{%- endif %}
      base = first[31:0];
      start = 1'b1;
      batch_in = n[BatchWidth-1:0];
      start_cycle = cycles;
      @(negedge clk);
      start = 1'b0;
      watch = 0;
      while (done !== 1'b1 && watch <= maxcycles) begin
        @(negedge clk);
        watch = watch + 1;
      end
      if (done !== 1'b1) begin
        errors = errors + 1;
        $display("FAIL watchdog: pass %0d has not finished after %0d cycles", pass, maxcycles);
        $fatal(1, "watchdog");
      end
      $display("CYCLES %0d %0d", pass, cycles - start_cycle);
      @(negedge clk);
      first = first + n;
      pass = pass + 1;
    end
    if (errors == 0) begin
      $display("PASS %0d", count);
      $finish;
    end else begin
      $display("FAIL %0d", errors);
      $fatal(1, "%0d errors", errors);
    end
  end
endmodule
{% include "partials/epilogue.v" %}
