{% include "partials/prologue.v" %}

// Self-checking testbench of {= v.argmax =}: applies vectors/argmax.hex, one word per cycle
// ({valid, first, last, image, base, ncols, row, expected class valid, expected class}; idle
// cycles have valid 0; inputs change on the falling edge), and checks class_valid_o,
// class_image_o and class_o Latency cycles after each word against the class the golden model
// (hw::accel::argmax) expects. Directed ties, masking, first rows, interleaved images and rows
// of one image back to back, then seeded random rows. Ends with `PASS <words>` or
// `FAIL <mismatches>`.
module {= v.tb_argmax =};
  localparam integer NumVectors = {= v.argmax_vectors =};
  localparam integer Cols       = {= v.side =};
  localparam integer SumWidth   = {= v.sum_bits =};
  localparam integer CountWidth = {= v.count_bits =};
  localparam integer ImageWidth = {= v.image_bits =};
  localparam integer NcolWidth  = {= v.ncol_bits =};
  localparam integer Latency    = {= v.argmax_latency =};
  localparam integer Watchdog   = NumVectors + Latency + 64;
  localparam integer VecWidth   = 3 + ImageWidth + CountWidth + NcolWidth + Cols * SumWidth + 1
                                + CountWidth;
  // argmax.hex ends with this extra word, so a truncated file cannot pass.
  localparam [VecWidth-1:0] Sentinel = {= v.argmax_sentinel =};

  reg                       clk = 1'b0;
  reg                       rst_n = 1'b1;
  reg  [VecWidth-1:0]       vec = {VecWidth{1'b0}};
  wire                      valid;
  wire                      first;
  wire                      last;
  wire [ImageWidth-1:0]     image;
  wire [CountWidth-1:0]     base;
  wire [NcolWidth-1:0]      ncols;
  wire [Cols*SumWidth-1:0]  row;
  wire                      unused_want_valid;
  wire [CountWidth-1:0]     unused_want_class;
  wire                      class_valid;
  wire [ImageWidth-1:0]     class_image;
  wire [CountWidth-1:0]     class_out;
  reg  [VecWidth-1:0]       want;
  reg                       want_valid;
  reg  [ImageWidth-1:0]     want_image;
  reg  [CountWidth-1:0]     want_class;

  assign {valid, first, last, image, base, ncols, row, unused_want_valid, unused_want_class}
    = vec;

  {= v.argmax =} dut (
    .clk_i         (clk),
    .rst_ni        (rst_n),
    .valid_i       (valid),
    .first_i       (first),
    .last_i        (last),
    .image_i       (image),
    .base_i        (base),
    .ncols_i       (ncols),
    .row_i         (row),
    .class_valid_o (class_valid),
    .class_image_o (class_image),
    .class_o       (class_out)
  );

  reg [VecWidth-1:0] mem [0:NumVectors];
  integer i;
  integer errors;
  integer classes;
  integer cycles;
{%- let tb = v.tb_argmax.as_str() %}
{%- let waves = v.waves() %}

{% include "partials/tb_clock.v" %}

  initial begin
    errors  = 0;
    classes = 0;
    $readmemh("vectors/argmax.hex", mem);
    if (mem[NumVectors] !== Sentinel) begin
      $display("FAIL vectors: vectors/argmax.hex does not end with the sentinel word");
      $fatal(1, "bad vectors");
    end
    #1 rst_n = 1'b0;
    @(negedge clk);
    rst_n = 1'b1;
    // Cycle i applies word i and checks the outputs of word i - Latency.
    for (i = 0; i < NumVectors + Latency; i = i + 1) begin
      if (i >= Latency) begin
        want       = mem[i-Latency];
        want_valid = want[CountWidth];
        want_image = want[VecWidth-4 -: ImageWidth];
        want_class = want[CountWidth-1:0];
        if (class_valid !== want_valid
            || (want_valid && (class_image !== want_image || class_out !== want_class))) begin
          errors = errors + 1;
          if (errors <= 10) begin
            $display("MISMATCH word %0d: expected valid %b image %0d class %0d, got %b %0d %0d",
                     i - Latency, want_valid, want_image, want_class, class_valid, class_image,
                     class_out);
          end
        end
        if (want_valid) begin
          classes = classes + 1;
        end
      end
      if (i < NumVectors) begin
        vec = mem[i];
      end else begin
        vec = {VecWidth{1'b0}};
      end
      @(negedge clk);
    end
    if (errors == 0) begin
      $display("PASS %0d", NumVectors);
      $display("classes checked: %0d", classes);
      $finish;
    end else begin
      $display("FAIL %0d", errors);
      $fatal(1, "%0d mismatches", errors);
    end
  end
endmodule
{% include "partials/epilogue.v" %}
