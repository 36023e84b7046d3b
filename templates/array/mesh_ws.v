{% include "partials/prologue.v" %}

// {= v.rows =} x {= v.cols =} mesh of {= v.pe =} (weight stationary). Wiring only: each PE passes its
// activation and its weight write enable to the right neighbour and its partial sum to the PE
// below; the edges connect to the ports (column c's weight code arrives c cycles after row
// r's enable, skewed in the top, so PE (r, c) writes row r's code). Element i of a packed port is bits [i*width +: width].
module {= v.mesh =} (
{%- include "partials/ports.v" %}
);
  localparam integer Rows       = {= v.rows =};
  localparam integer Cols       = {= v.cols =};
  localparam integer ActWidth   = {= v.act_bits =};
  localparam integer WCodeWidth = {= v.w_bits =};
  localparam integer AccWidth   = {= v.acc =};

  // The operands forwarded past the right edge have no consumer.
  wire [Rows-1:0] unused_right;

  // One net per link (an event-driven simulator wakes only the PE a link feeds), in one
  // generate block per PE, named by the side of the PE it crosses as the diagram reads:
  // g_pe_row[r].g_pe_col[c].act_right leaves PE (r, c) to the right and is
  // g_pe_row[r].g_pe_col[c+1].act_left; psum_bottom enters the PE below as its psum_top.
  // Not 2-D arrays of nets: Verilator 5.006 keeps those as arrays and compiles the PEs' logic
  // twice, which doubled the array's build time (docs/results/arrays.md).
  genvar gr, gc;
  generate
    for (gr = 0; gr < Rows; gr = gr + 1) begin : g_pe_row
      for (gc = 0; gc < Cols; gc = gc + 1) begin : g_pe_col
        wire                valid_left, valid_right, we_left, we_right;
        wire [ActWidth-1:0] act_left, act_right;
        wire [AccWidth-1:0] psum_top, psum_bottom;

        if (gc == 0) begin : g_left_edge
          assign valid_left = valid_i[gr];
          assign act_left   = act_i[gr*ActWidth +: ActWidth];
          assign we_left    = w_we_i[gr];
        end else begin : g_left_pe
          assign valid_left = g_pe_row[gr].g_pe_col[gc-1].valid_right;
          assign act_left   = g_pe_row[gr].g_pe_col[gc-1].act_right;
          assign we_left    = g_pe_row[gr].g_pe_col[gc-1].we_right;
        end
        if (gr == 0) begin : g_top_edge
          assign psum_top = psum_i[gc*AccWidth +: AccWidth];
        end else begin : g_top_pe
          assign psum_top = g_pe_row[gr-1].g_pe_col[gc].psum_bottom;
        end

        {= v.pe =} u_pe (
          .clk_i   (clk_i),
          .rst_ni  (rst_ni),
          .valid_i (valid_left),
          .act_i   (act_left),
          .psum_i  (psum_top),
          .w_we_i  (we_left),
          .w_i     (w_i[gc*WCodeWidth +: WCodeWidth]),
          .valid_o (valid_right),
          .act_o   (act_right),
          .w_we_o  (we_right),
          .psum_o  (psum_bottom)
        );
      end
    end
    for (gr = 0; gr < Rows; gr = gr + 1) begin : g_right_edge
      assign unused_right[gr] = ^{g_pe_row[gr].g_pe_col[Cols-1].valid_right,
                                  g_pe_row[gr].g_pe_col[Cols-1].act_right,
                                  g_pe_row[gr].g_pe_col[Cols-1].we_right};
    end
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_bottom_edge
      assign psum_o[gc*AccWidth +: AccWidth] = g_pe_row[Rows-1].g_pe_col[gc].psum_bottom;
    end
  endgenerate
endmodule
{% include "partials/epilogue.v" %}
