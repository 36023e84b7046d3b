{% include "partials/prologue.v" %}

// Reset synchronizer: rst_no falls with rst_ni (asynchronously) and rises two rising edges
// of clk_i after rst_ni has risen, so every flip-flop leaves reset on the same edge.
module {= v.rstsync =} (
{%- include "partials/ports.v" %}
);
  reg [1:0] sync_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sync_q <= 2'b00;
    end else begin
      sync_q <= {sync_q[0], 1'b1};
    end
  end
  assign rst_no = sync_q[1];
endmodule
{% include "partials/epilogue.v" %}
