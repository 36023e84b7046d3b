{% include "header.v" %}
// {= rows =} x {= cols =} systolic array top ({= dataflow_text =}): input skew, the mesh, output
// de-skew and the controller. Users feed and read plain (unskewed) vectors; element i of a
// packed port is bits [i*width +: width]. Protocol and timing: docs/arrays.md.
{%- if os %}
//   Cycle t: in_valid_i with column k of an X tile (in_act_i, one activation per row) and
//   row k of a W tile (in_w_i, one weight code per column), k = 0..K-1; in_last_i on k = K-1.
//   The next tile may start R cycles after the last step ({= rows =} here; R-1 idle cycles).
//   Output: R rows (row 0 first) in consecutive cycles, first row {= rows + cols =} cycles after the
//   last step; out_valid_o marks them.
{%- else %}
//   Weight load: w_valid_i with W-tile row r on w_row_i, rows 0..R-1 in order (one per
//   cycle, R rows per tile). Stream: in_valid_i with one X row (in_row_i, one activation per
//   array row) and its initial partial sums (psum_row_i, one per column; 0 or the previous
//   K-tile's outputs); the first row may come one cycle after the first weight row.
//   Output: the row's sums on out_row_o with out_valid_o, {= latency =} cycles later (R+C-1).
//   A new weight load may start C cycles after the last streamed row ({= cols =} here).
{%- endif %}
module {= module =} (
  input  wire                clk_i,
  input  wire                rst_ni,
{%- if os %}
  input  wire                in_valid_i,
  input  wire                in_last_i,
  input  wire [{= rows * a - 1 =}:0]         in_act_i,
  input  wire [{= cols * w - 1 =}:0]         in_w_i,
{%- else %}
  input  wire                w_valid_i,
  input  wire [{= cols * w - 1 =}:0]         w_row_i,
  input  wire                in_valid_i,
  input  wire [{= rows * a - 1 =}:0]         in_row_i,
  input  wire [{= cols * acc - 1 =}:0]        psum_row_i,
{%- endif %}
  output wire                out_valid_o,
  output wire [{= cols * acc - 1 =}:0]        out_row_o
);
  localparam integer R   = {= rows =};
  localparam integer C   = {= cols =};
  localparam integer A   = {= a =};
{%- if os %}
  localparam integer W   = {= w =};
{%- endif %}
  localparam integer ACC = {= acc =};

  genvar gr, gc;
{%- if os %}

  // Controller: first marks the first step of a tile (clears the MACs); the capture strobe
  // follows the last step by R cycles (when row R-1 has finished) and then sweeps the columns
  // one per cycle; a counter marks the R output rows.
  reg  busy_d, busy_q;
  wire first = in_valid_i & ~busy_q;

  always @(*) begin
    busy_d = busy_q;
    if (in_valid_i) begin
      busy_d = ~in_last_i;
    end
  end

  wire [C-1:0] cap;
  {= delay =} #(.WIDTH(1), .DEPTH(R)) u_last_delay (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .d_i    (in_valid_i & in_last_i),
    .q_o    (cap[0])
  );
  generate
    for (gc = 1; gc < C; gc = gc + 1) begin : g_cap
      {= delay =} #(.WIDTH(1), .DEPTH(1)) u_cap_delay (
        .clk_i  (clk_i),
        .rst_ni (rst_ni),
        .d_i    (cap[gc-1]),
        .q_o    (cap[gc])
      );
    end
  endgenerate

  reg [{= drain_bits - 1 =}:0] drain_d, drain_q;

  always @(*) begin
    drain_d = drain_q;
    if (cap[C-1]) begin
      drain_d = {= drain_bits =}'d{= rows =};
    end else if (drain_q != {= drain_bits =}'d0) begin
      drain_d = drain_q - {= drain_bits =}'d1;
    end
  end

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q  <= 1'b0;
      drain_q <= {= drain_bits =}'d0;
    end else begin
      busy_q  <= busy_d;
      drain_q <= drain_d;
    end
  end

  assign out_valid_o = (drain_q != {= drain_bits =}'d0);

  // Input skew: row r waits r cycles, column c waits c cycles.
  wire [R-1:0]   sk_valid, sk_first;
  wire [R*A-1:0] sk_act;
  wire [C*W-1:0] sk_w;
  generate
    for (gr = 0; gr < R; gr = gr + 1) begin : g_row_skew
      if (gr == 0) begin : g_direct
        assign sk_valid[gr]     = in_valid_i;
        assign sk_first[gr]     = first;
        assign sk_act[gr*A +: A] = in_act_i[gr*A +: A];
      end else begin : g_delay
        {= delay =} #(.WIDTH(A + 2), .DEPTH(gr)) u_delay (
          .clk_i  (clk_i),
          .rst_ni (rst_ni),
          .d_i    ({in_valid_i, first, in_act_i[gr*A +: A]}),
          .q_o    ({sk_valid[gr], sk_first[gr], sk_act[gr*A +: A]})
        );
      end
    end
    for (gc = 0; gc < C; gc = gc + 1) begin : g_col_skew
      if (gc == 0) begin : g_direct
        assign sk_w[gc*W +: W] = in_w_i[gc*W +: W];
      end else begin : g_delay
        {= delay =} #(.WIDTH(W), .DEPTH(gc)) u_delay (
          .clk_i  (clk_i),
          .rst_ni (rst_ni),
          .d_i    (in_w_i[gc*W +: W]),
          .q_o    (sk_w[gc*W +: W])
        );
      end
    end
  endgenerate

  wire [C*ACC-1:0] mesh_out;
  {= mesh =} u_mesh (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .valid_i (sk_valid),
    .first_i (sk_first),
    .act_i   (sk_act),
    .w_i     (sk_w),
    .cap_i   (cap),
    .out_o   (mesh_out)
  );
{%- else %}

  // Controller: a one-hot pointer selects the PE row that the next weight row is written to;
  // a delay line of L = R+C-1 stages turns in_valid_i into out_valid_o.
  wire [R-1:0] w_we;
  generate
    if (R == 1) begin : g_wrow_single
      assign w_we = w_valid_i;
    end else begin : g_wrow
      reg [R-1:0] wrow_d, wrow_q;
      always @(*) begin
        wrow_d = wrow_q;
        if (w_valid_i) begin
          wrow_d = {wrow_q[R-2:0], wrow_q[R-1]};
        end
      end
      always @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          wrow_q <= {{(R-1){1'b0}}, 1'b1};
        end else begin
          wrow_q <= wrow_d;
        end
      end
      assign w_we = wrow_q & {R{w_valid_i}};
    end
  endgenerate

  {= delay =} #(.WIDTH(1), .DEPTH(R + C - 1)) u_valid_delay (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .d_i    (in_valid_i),
    .q_o    (out_valid_o)
  );

  // Input skew: row r's activation waits r cycles, column c's partial sum waits c cycles.
  wire [R-1:0]     sk_valid;
  wire [R*A-1:0]   sk_act;
  wire [C*ACC-1:0] sk_psum;
  generate
    for (gr = 0; gr < R; gr = gr + 1) begin : g_row_skew
      if (gr == 0) begin : g_direct
        assign sk_valid[gr]      = in_valid_i;
        assign sk_act[gr*A +: A] = in_row_i[gr*A +: A];
      end else begin : g_delay
        {= delay =} #(.WIDTH(A + 1), .DEPTH(gr)) u_delay (
          .clk_i  (clk_i),
          .rst_ni (rst_ni),
          .d_i    ({in_valid_i, in_row_i[gr*A +: A]}),
          .q_o    ({sk_valid[gr], sk_act[gr*A +: A]})
        );
      end
    end
    for (gc = 0; gc < C; gc = gc + 1) begin : g_col_skew
      if (gc == 0) begin : g_direct
        assign sk_psum[gc*ACC +: ACC] = psum_row_i[gc*ACC +: ACC];
      end else begin : g_delay
        {= delay =} #(.WIDTH(ACC), .DEPTH(gc)) u_delay (
          .clk_i  (clk_i),
          .rst_ni (rst_ni),
          .d_i    (psum_row_i[gc*ACC +: ACC]),
          .q_o    (sk_psum[gc*ACC +: ACC])
        );
      end
    end
  endgenerate

  wire [C*ACC-1:0] mesh_out;
  {= mesh =} u_mesh (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .valid_i (sk_valid),
    .act_i   (sk_act),
    .psum_i  (sk_psum),
    .w_we_i  (w_we),
    .w_i     (w_row_i),
    .psum_o  (mesh_out)
  );
{%- endif %}

  // Output de-skew: column c waits C-1-c cycles, so a whole row leaves together.
  generate
    for (gc = 0; gc < C; gc = gc + 1) begin : g_out_deskew
      if (gc == C - 1) begin : g_direct
        assign out_row_o[gc*ACC +: ACC] = mesh_out[gc*ACC +: ACC];
      end else begin : g_delay
        {= delay =} #(.WIDTH(ACC), .DEPTH(C - 1 - gc)) u_delay (
          .clk_i  (clk_i),
          .rst_ni (rst_ni),
          .d_i    (mesh_out[gc*ACC +: ACC]),
          .q_o    (out_row_o[gc*ACC +: ACC])
        );
      end
    end
  endgenerate
endmodule
