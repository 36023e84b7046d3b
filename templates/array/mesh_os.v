{% include "partials/prologue.v" %}

// {= v.rows =} x {= v.cols =} mesh of {= v.pe =} (output stationary). Wiring only: each PE passes its
// activation to the right neighbour and its weight code to the PE below, and results shift up
// the output chain; the edges connect to the ports. Element i of a packed port is bits
// [i*width +: width].
module {= v.mesh =} (
{%- include "partials/ports.v" %}
);
  localparam integer Rows       = {= v.rows =};
  localparam integer Cols       = {= v.cols =};
  localparam integer ActWidth   = {= v.act_bits =};
  localparam integer WCodeWidth = {= v.w_bits =};
  localparam integer AccWidth   = {= v.acc =};

  // The operands forwarded past the right and bottom edges have no consumer.
  wire [Rows-1:0] unused_right;
  wire [Cols-1:0] unused_bottom;

  // One net per link (an event-driven simulator wakes only the PE a link feeds), in one
  // generate block per PE, named by the side of the PE it crosses as the diagram reads:
  // g_pe_row[r].g_pe_col[c].act_right leaves PE (r, c) to the right and is
  // g_pe_row[r].g_pe_col[c+1].act_left; w_bottom enters the PE below as its w_top, and the
  // output chain runs up: out_top leaves PE (r, c) into the PE above as its out_bottom.
  // Not 2-D arrays of nets: Verilator 5.006 keeps those as arrays and compiles the PEs' logic
  // twice, which doubled the array's build time (docs/results/arrays.md).
  genvar gr, gc;
  generate
    for (gr = 0; gr < Rows; gr = gr + 1) begin : g_pe_row
      for (gc = 0; gc < Cols; gc = gc + 1) begin : g_pe_col
        wire                  valid_left, valid_right;
        wire                  first_left, first_right;
        wire [ActWidth-1:0]   act_left, act_right;
        wire [WCodeWidth-1:0] w_top, w_bottom;
        wire [AccWidth-1:0]   out_bottom, out_top;

        if (gc == 0) begin : g_left_edge
          assign valid_left = valid_i[gr];
          assign first_left = first_i[gr];
          assign act_left   = act_i[gr*ActWidth +: ActWidth];
        end else begin : g_left_pe
          assign valid_left = g_pe_row[gr].g_pe_col[gc-1].valid_right;
          assign first_left = g_pe_row[gr].g_pe_col[gc-1].first_right;
          assign act_left   = g_pe_row[gr].g_pe_col[gc-1].act_right;
        end
        if (gr == 0) begin : g_top_edge
          assign w_top = w_i[gc*WCodeWidth +: WCodeWidth];
        end else begin : g_top_pe
          assign w_top = g_pe_row[gr-1].g_pe_col[gc].w_bottom;
        end
        if (gr == Rows-1) begin : g_bottom_edge
          assign out_bottom = {AccWidth{1'b0}};
        end else begin : g_bottom_pe
          assign out_bottom = g_pe_row[gr+1].g_pe_col[gc].out_top;
        end

        {= v.pe =} u_pe (
          .clk_i   (clk_i),
          .rst_ni  (rst_ni),
          .valid_i (valid_left),
          .first_i (first_left),
          .act_i   (act_left),
          .w_i     (w_top),
          .cap_i   (cap_i[gc]),
          .out_i   (out_bottom),
          .valid_o (valid_right),
          .first_o (first_right),
          .act_o   (act_right),
          .w_o     (w_bottom),
          .out_o   (out_top)
        );
      end
    end
    for (gr = 0; gr < Rows; gr = gr + 1) begin : g_right_edge
      assign unused_right[gr] = ^{g_pe_row[gr].g_pe_col[Cols-1].valid_right,
                                  g_pe_row[gr].g_pe_col[Cols-1].first_right,
                                  g_pe_row[gr].g_pe_col[Cols-1].act_right};
    end
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_col_edge
      assign unused_bottom[gc]              = ^g_pe_row[Rows-1].g_pe_col[gc].w_bottom;
      assign out_o[gc*AccWidth +: AccWidth] = g_pe_row[0].g_pe_col[gc].out_top;
    end
  endgenerate
endmodule
{% include "partials/epilogue.v" %}
