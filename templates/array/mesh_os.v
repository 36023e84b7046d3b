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

  // One net per link (an event-driven simulator wakes only the PE a link feeds), indexed as
  // the diagram reads: h_*[r][c] enters PE (r, c) from the left, v_w[r][c] from above, and
  // o_acc[r][c] leaves PE (r, c) upwards. Column Cols is the right edge, row Rows the bottom
  // edge (where the output chain starts from zero).
  wire                  h_valid [0:Rows-1][0:Cols];
  wire                  h_first [0:Rows-1][0:Cols];
  wire [ActWidth-1:0]   h_act   [0:Rows-1][0:Cols];
  wire [WCodeWidth-1:0] v_w     [0:Rows][0:Cols-1];
  wire [AccWidth-1:0]   o_acc   [0:Rows][0:Cols-1];

  // The operands forwarded past the right and bottom edges have no consumer.
  wire [Rows-1:0] unused_right;
  wire [Cols-1:0] unused_bottom;

  genvar gr, gc;
  generate
    for (gr = 0; gr < Rows; gr = gr + 1) begin : g_row_edge
      assign h_valid[gr][0]   = valid_i[gr];
      assign h_first[gr][0]   = first_i[gr];
      assign h_act[gr][0]     = act_i[gr*ActWidth +: ActWidth];
      assign unused_right[gr] = ^{h_valid[gr][Cols], h_first[gr][Cols], h_act[gr][Cols]};
    end
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_col_edge
      assign v_w[0][gc]                     = w_i[gc*WCodeWidth +: WCodeWidth];
      assign unused_bottom[gc]              = ^v_w[Rows][gc];
      assign o_acc[Rows][gc]                = {AccWidth{1'b0}};
      assign out_o[gc*AccWidth +: AccWidth] = o_acc[0][gc];
    end
    for (gr = 0; gr < Rows; gr = gr + 1) begin : g_pe_row
      for (gc = 0; gc < Cols; gc = gc + 1) begin : g_pe_col
        {= v.pe =} u_pe (
          .clk_i   (clk_i),
          .rst_ni  (rst_ni),
          .valid_i (h_valid[gr][gc]),
          .first_i (h_first[gr][gc]),
          .act_i   (h_act[gr][gc]),
          .w_i     (v_w[gr][gc]),
          .cap_i   (cap_i[gc]),
          .out_i   (o_acc[gr+1][gc]),
          .valid_o (h_valid[gr][gc+1]),
          .first_o (h_first[gr][gc+1]),
          .act_o   (h_act[gr][gc+1]),
          .w_o     (v_w[gr+1][gc]),
          .out_o   (o_acc[gr][gc])
        );
      end
    end
  endgenerate
endmodule
{% include "partials/epilogue.v" %}
