{% include "partials/prologue.v" %}

// {= v.rows =} x {= v.cols =} systolic array top (output stationary): input skew, the mesh, output
// de-skew and the controller. Users feed and read plain (unskewed) vectors; element i of a
// packed port is bits [i*width +: width]. Protocol and timing: docs/arrays.md.
//   Cycle t: in_valid_i with column k of an X tile (in_act_i, one activation per row) and
//   row k of a W tile (in_w_i, one weight code per column), k = 0..K-1; in_last_i on k = K-1.
//   The next tile may start R cycles after the last step ({= v.rows =} here; R-1 idle cycles).
//   Output: R rows (row 0 first) in consecutive cycles, first row {= v.os_first_out =} cycles after the
//   last step; out_valid_o marks them.
module {= v.top =} (
{%- include "partials/ports.v" %}
);
  localparam integer Rows       = {= v.rows =};
  localparam integer Cols       = {= v.cols =};
  localparam integer ActWidth   = {= v.act_bits =};
  localparam integer WCodeWidth = {= v.w_bits =};
  localparam integer AccWidth   = {= v.acc =};
  // Counts the Rows output rows of a tile.
  localparam integer DrainWidth = {= v.drain_bits =};

  genvar gr, gc;

  // Controller: first_step marks the first step of a tile (clears the MACs); the capture
  // strobe follows the last step by Rows cycles (when row Rows-1 has finished) and then sweeps
  // the columns one per cycle; a counter marks the Rows output rows.
  reg  busy_d, busy_q;
  wire first_step = in_valid_i & ~busy_q;

  always @(*) begin
    busy_d = busy_q;
    if (in_valid_i) begin
      busy_d = ~in_last_i;
    end
  end

  wire [Cols-1:0] capture;
  {= v.delay =} #(.Width(1), .Depth(Rows)) u_last_delay (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .d_i    (in_valid_i & in_last_i),
    .q_o    (capture[0])
  );
  generate
    for (gc = 1; gc < Cols; gc = gc + 1) begin : g_cap
      {= v.delay =} #(.Width(1), .Depth(1)) u_cap_delay (
        .clk_i  (clk_i),
        .rst_ni (rst_ni),
        .d_i    (capture[gc-1]),
        .q_o    (capture[gc])
      );
    end
  endgenerate

  reg [DrainWidth-1:0] drain_d, drain_q;

  always @(*) begin
    drain_d = drain_q;
    if (capture[Cols-1]) begin
      drain_d = {= v.drain_bits =}'d{= v.rows =};
    end else if (drain_q != {DrainWidth{1'b0}}) begin
      drain_d = drain_q - {= v.drain_bits =}'d1;
    end
  end

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q  <= 1'b0;
      drain_q <= {DrainWidth{1'b0}};
    end else begin
      busy_q  <= busy_d;
      drain_q <= drain_d;
    end
  end

  assign out_valid_o = (drain_q != {DrainWidth{1'b0}});

  // Input skew: row r waits r cycles, column c waits c cycles. The valid and first flags in
  // delay lines with reset; the data beside them in lines without (Reset(0)).
  wire [Rows-1:0]            sk_valid, sk_first;
  wire [Rows*ActWidth-1:0]   sk_act;
  wire [Cols*WCodeWidth-1:0] sk_w;
  generate
    for (gr = 0; gr < Rows; gr = gr + 1) begin : g_row_skew
      if (gr == 0) begin : g_direct
        assign sk_valid[gr]                    = in_valid_i;
        assign sk_first[gr]                    = first_step;
        assign sk_act[gr*ActWidth +: ActWidth] = in_act_i[gr*ActWidth +: ActWidth];
      end else begin : g_delay
        {= v.delay =} #(.Width(2), .Depth(gr)) u_valid_delay (
          .clk_i  (clk_i),
          .rst_ni (rst_ni),
          .d_i    ({in_valid_i, first_step}),
          .q_o    ({sk_valid[gr], sk_first[gr]})
        );
        {= v.delay =} #(.Width(ActWidth), .Depth(gr), .Reset(0)) u_delay (
          .clk_i  (clk_i),
          .rst_ni (rst_ni),
          .d_i    (in_act_i[gr*ActWidth +: ActWidth]),
          .q_o    (sk_act[gr*ActWidth +: ActWidth])
        );
      end
    end
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_col_skew
      if (gc == 0) begin : g_direct
        assign sk_w[gc*WCodeWidth +: WCodeWidth] = in_w_i[gc*WCodeWidth +: WCodeWidth];
      end else begin : g_delay
        {= v.delay =} #(.Width(WCodeWidth), .Depth(gc), .Reset(0)) u_delay (
          .clk_i  (clk_i),
          .rst_ni (rst_ni),
          .d_i    (in_w_i[gc*WCodeWidth +: WCodeWidth]),
          .q_o    (sk_w[gc*WCodeWidth +: WCodeWidth])
        );
      end
    end
  endgenerate

  wire [Cols*AccWidth-1:0] mesh_out;
  {= v.mesh =} u_mesh (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .valid_i (sk_valid),
    .first_i (sk_first),
    .act_i   (sk_act),
    .w_i     (sk_w),
    .cap_i   (capture),
    .out_o   (mesh_out)
  );
{%- include "array/deskew.v" %}
