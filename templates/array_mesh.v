{% include "header.v" %}
// {= rows =} x {= cols =} mesh of {= pe =} ({= dataflow_text =}). Wiring only: each PE talks to
// its right neighbour and the PE below{% if os %} (and passes results up){% endif %}; the edges connect to the ports.
// Element i of a packed port is bits [i*width +: width].
module {= module =} (
  input  wire                clk_i,
  input  wire                rst_ni,
  // Left edge, one per row.
  input  wire [{= rows - 1 =}:0]          valid_i,
{%- if os %}
  input  wire [{= rows - 1 =}:0]          first_i,
{%- endif %}
  input  wire [{= rows * a - 1 =}:0]         act_i,
{%- if os %}
  // Top edge, one per column.
  input  wire [{= cols * w - 1 =}:0]         w_i,
  // Capture strobe per column; results leave at the top edge.
  input  wire [{= cols - 1 =}:0]          cap_i,
  output wire [{= cols * acc - 1 =}:0]        out_o
{%- else %}
  // Top edge, one per column: partial sums entering row 0.
  input  wire [{= cols * acc - 1 =}:0]        psum_i,
  // Weight load: write enable per row, weight code per column.
  input  wire [{= rows - 1 =}:0]          w_we_i,
  input  wire [{= cols * w - 1 =}:0]         w_i,
  // Bottom edge, one per column.
  output wire [{= cols * acc - 1 =}:0]        psum_o
{%- endif %}
);
  localparam integer R   = {= rows =};
  localparam integer C   = {= cols =};
  localparam integer A   = {= a =};
  localparam integer W   = {= w =};
  localparam integer ACC = {= acc =};

  // One net per link (arrays of nets, not slices of one wide vector, so an event-driven
  // simulator wakes only the PE a link feeds).
  // Horizontal links: h_*[r*(C+1) + c] enters PE (r, c); column C is the right edge, where
  // the forwarded operands leave the array unused.
  // verilator lint_off UNUSED
  wire           h_valid [0:R*(C+1)-1];
{%- if os %}
  wire           h_first [0:R*(C+1)-1];
{%- endif %}
  wire [A-1:0]   h_act   [0:R*(C+1)-1];
{%- if os %}
  // Vertical links: v_w[r*C + c] enters PE (r, c) from above; row R is the bottom edge.
  wire [W-1:0]   v_w     [0:(R+1)*C-1];
  // verilator lint_on UNUSED
  // Output chain: o_acc[r*C + c] leaves PE (r, c) upwards; row R (below the array) is zero.
  wire [ACC-1:0] o_acc   [0:(R+1)*C-1];
{%- else %}
  // verilator lint_on UNUSED
  // Vertical links: v_psum[r*C + c] enters PE (r, c) from above; row R is the bottom edge.
  wire [ACC-1:0] v_psum  [0:(R+1)*C-1];
{%- endif %}

  genvar gr, gc;
  generate
    for (gr = 0; gr < R; gr = gr + 1) begin : g_row
      assign h_valid[gr*(C+1)]        = valid_i[gr];
{%- if os %}
      assign h_first[gr*(C+1)]        = first_i[gr];
{%- endif %}
      assign h_act[gr*(C+1)]          = act_i[gr*A +: A];
    end
    for (gc = 0; gc < C; gc = gc + 1) begin : g_col_edge
{%- if os %}
      assign v_w[gc]                       = w_i[gc*W +: W];
      assign o_acc[R*C + gc]                = {ACC{1'b0}};
      assign out_o[gc*ACC +: ACC]          = o_acc[gc];
{%- else %}
      assign v_psum[gc]                    = psum_i[gc*ACC +: ACC];
      assign psum_o[gc*ACC +: ACC]         = v_psum[R*C + gc];
{%- endif %}
    end
    for (gr = 0; gr < R; gr = gr + 1) begin : g_pe_row
      for (gc = 0; gc < C; gc = gc + 1) begin : g_pe_col
        {= pe =} u_pe (
          .clk_i   (clk_i),
          .rst_ni  (rst_ni),
          .valid_i (h_valid[gr*(C+1) + gc]),
{%- if os %}
          .first_i (h_first[gr*(C+1) + gc]),
{%- endif %}
          .act_i   (h_act[gr*(C+1) + gc]),
{%- if os %}
          .w_i     (v_w[gr*C + gc]),
          .cap_i   (cap_i[gc]),
          .out_i   (o_acc[(gr+1)*C + gc]),
          .valid_o (h_valid[gr*(C+1) + gc + 1]),
          .first_o (h_first[gr*(C+1) + gc + 1]),
          .act_o   (h_act[gr*(C+1) + gc + 1]),
          .w_o     (v_w[(gr+1)*C + gc]),
          .out_o   (o_acc[gr*C + gc])
{%- else %}
          .psum_i  (v_psum[gr*C + gc]),
          .w_we_i  (w_we_i[gr]),
          .w_i     (w_i[gc*W +: W]),
          .valid_o (h_valid[gr*(C+1) + gc + 1]),
          .act_o   (h_act[gr*(C+1) + gc + 1]),
          .psum_o  (v_psum[(gr+1)*C + gc])
{%- endif %}
        );
      end
    end
  endgenerate
endmodule
