{% include "partials/prologue.v" %}

// {= v.rows =} x {= v.cols =} mesh of {= v.pe =} (weight stationary). Wiring only: each PE passes its
// activation to the right neighbour and its partial sum to the PE below; the edges connect to
// the ports. Element i of a packed port is bits [i*width +: width].
module {= v.mesh =} (
{%- include "partials/ports.v" %}
);
  localparam integer Rows       = {= v.rows =};
  localparam integer Cols       = {= v.cols =};
  localparam integer ActWidth   = {= v.act_bits =};
  localparam integer WCodeWidth = {= v.w_bits =};
  localparam integer AccWidth   = {= v.acc =};

  // One net per link (an event-driven simulator wakes only the PE a link feeds), indexed as
  // the diagram reads: h_*[r][c] enters PE (r, c) from the left, v_psum[r][c] from above.
  // Column Cols is the right edge, row Rows the bottom edge.
  wire                h_valid [0:Rows-1][0:Cols];
  wire [ActWidth-1:0] h_act   [0:Rows-1][0:Cols];
  wire [AccWidth-1:0] v_psum  [0:Rows][0:Cols-1];

  // The operands forwarded past the right edge have no consumer.
  wire [Rows-1:0] unused_right;

  genvar gr, gc;
  generate
    for (gr = 0; gr < Rows; gr = gr + 1) begin : g_row_edge
      assign h_valid[gr][0]   = valid_i[gr];
      assign h_act[gr][0]     = act_i[gr*ActWidth +: ActWidth];
      assign unused_right[gr] = ^{h_valid[gr][Cols], h_act[gr][Cols]};
    end
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_col_edge
      assign v_psum[0][gc]                   = psum_i[gc*AccWidth +: AccWidth];
      assign psum_o[gc*AccWidth +: AccWidth] = v_psum[Rows][gc];
    end
    for (gr = 0; gr < Rows; gr = gr + 1) begin : g_pe_row
      for (gc = 0; gc < Cols; gc = gc + 1) begin : g_pe_col
        {= v.pe =} u_pe (
          .clk_i   (clk_i),
          .rst_ni  (rst_ni),
          .valid_i (h_valid[gr][gc]),
          .act_i   (h_act[gr][gc]),
          .psum_i  (v_psum[gr][gc]),
          .w_we_i  (w_we_i[gr]),
          .w_i     (w_i[gc*WCodeWidth +: WCodeWidth]),
          .valid_o (h_valid[gr][gc+1]),
          .act_o   (h_act[gr][gc+1]),
          .psum_o  (v_psum[gr+1][gc])
        );
      end
    end
  endgenerate
endmodule
{% include "partials/epilogue.v" %}
