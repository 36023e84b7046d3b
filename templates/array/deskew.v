
  // Output de-skew: column c waits Cols-1-c cycles, so a whole row leaves together (data
  // only, no reset: out_valid_o marks the rows).
  generate
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_out_deskew
      if (gc == Cols - 1) begin : g_direct
        assign out_row_o[gc*AccWidth +: AccWidth] = mesh_out[gc*AccWidth +: AccWidth];
      end else begin : g_delay
        {= v.delay =} #(.Width(AccWidth), .Depth(Cols - 1 - gc), .Reset(0)) u_delay (
          .clk_i  (clk_i),
          .rst_ni (rst_ni),
          .d_i    (mesh_out[gc*AccWidth +: AccWidth]),
          .q_o    (out_row_o[gc*AccWidth +: AccWidth])
        );
      end
    end
  endgenerate
endmodule
{% include "partials/epilogue.v" %}
