{% include "partials/prologue.v" %}

// {= v.rows =} x {= v.cols =} systolic array top (weight stationary): input skew, the mesh, output
// de-skew and the controller. Users feed and read plain (unskewed) vectors; element i of a
// packed port is bits [i*width +: width]. Protocol and timing: docs/arrays.md.
//   Weight load: w_valid_i with W-tile row r on w_row_i, rows 0..R-1 in order (one per
//   cycle, R rows per tile). Stream: in_valid_i with one X row (in_row_i, one activation per
//   array row) and its initial partial sums (psum_row_i, one per column; 0 or the previous
//   K-tile's outputs); the first row may come one cycle after the first weight row.
//   Output: the row's sums on out_row_o with out_valid_o, {= v.latency =} cycles later (R+C-1).
//   A new weight load may start in the cycle of the last streamed row: PE (r, c) takes its
//   new code c cycles after PE (r, 0), when the last row has passed it.
module {= v.top =} (
{%- include "partials/ports.v" %}
);
  localparam integer Rows     = {= v.rows =};
  localparam integer Cols     = {= v.cols =};
  localparam integer ActWidth = {= v.act_bits =};
  localparam integer WCodeWidth = {= v.w_bits =};
  localparam integer AccWidth = {= v.acc =};

  genvar gr, gc;

  // Controller: a one-hot pointer selects the PE row that the next weight row is written to;
  // a delay line of Rows+Cols-1 stages turns in_valid_i into out_valid_o.
  wire [Rows-1:0] w_we;
  generate
    if (Rows == 1) begin : g_wrow_single
      assign w_we = w_valid_i;
    end else begin : g_wrow
      reg [Rows-1:0] wrow_d, wrow_q;
      always @(*) begin
        wrow_d = wrow_q;
        if (w_valid_i) begin
          wrow_d = {wrow_q[Rows-2:0], wrow_q[Rows-1]};
        end
      end
      always @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          wrow_q <= {{(Rows-1){1'b0}}, 1'b1};
        end else begin
          wrow_q <= wrow_d;
        end
      end
      assign w_we = wrow_q & {Rows{w_valid_i}};
    end
  endgenerate

  {= v.delay =} #(.Width(1), .Depth(Rows + Cols - 1)) u_valid_delay (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .d_i    (in_valid_i),
    .q_o    (out_valid_o)
  );

  // Input skew: row r's activation waits r cycles, column c's partial sum waits c cycles.
  // Valids in delay lines with reset; the data beside them in lines without (Reset(0)).
  wire [Rows-1:0]          sk_valid;
  wire [Rows*ActWidth-1:0] sk_act;
  wire [Cols*AccWidth-1:0] sk_psum;
  wire [Cols*WCodeWidth-1:0] sk_w;
  generate
    for (gr = 0; gr < Rows; gr = gr + 1) begin : g_row_skew
      if (gr == 0) begin : g_direct
        assign sk_valid[gr]                    = in_valid_i;
        assign sk_act[gr*ActWidth +: ActWidth] = in_row_i[gr*ActWidth +: ActWidth];
      end else begin : g_delay
        {= v.delay =} #(.Width(1), .Depth(gr)) u_valid_delay (
          .clk_i  (clk_i),
          .rst_ni (rst_ni),
          .d_i    (in_valid_i),
          .q_o    (sk_valid[gr])
        );
        {= v.delay =} #(.Width(ActWidth), .Depth(gr), .Reset(0)) u_delay (
          .clk_i  (clk_i),
          .rst_ni (rst_ni),
          .d_i    (in_row_i[gr*ActWidth +: ActWidth]),
          .q_o    (sk_act[gr*ActWidth +: ActWidth])
        );
      end
    end
    // Column c's weight code waits c cycles too: it meets row r's write enable, which moves
    // right one PE per cycle.
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_w_skew
      if (gc == 0) begin : g_direct
        assign sk_w[gc*WCodeWidth +: WCodeWidth] = w_row_i[gc*WCodeWidth +: WCodeWidth];
      end else begin : g_delay
        {= v.delay =} #(.Width(WCodeWidth), .Depth(gc), .Reset(0)) u_delay (
          .clk_i  (clk_i),
          .rst_ni (rst_ni),
          .d_i    (w_row_i[gc*WCodeWidth +: WCodeWidth]),
          .q_o    (sk_w[gc*WCodeWidth +: WCodeWidth])
        );
      end
    end
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_col_skew
      if (gc == 0) begin : g_direct
        assign sk_psum[gc*AccWidth +: AccWidth] = psum_row_i[gc*AccWidth +: AccWidth];
      end else begin : g_delay
        {= v.delay =} #(.Width(AccWidth), .Depth(gc), .Reset(0)) u_delay (
          .clk_i  (clk_i),
          .rst_ni (rst_ni),
          .d_i    (psum_row_i[gc*AccWidth +: AccWidth]),
          .q_o    (sk_psum[gc*AccWidth +: AccWidth])
        );
      end
    end
  endgenerate

  wire [Cols*AccWidth-1:0] mesh_out;
  {= v.mesh =} u_mesh (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .valid_i (sk_valid),
    .act_i   (sk_act),
    .psum_i  (sk_psum),
    .w_we_i  (w_we),
    .w_i     (sk_w),
    .psum_o  (mesh_out)
  );
{%- include "array/deskew.v" %}
