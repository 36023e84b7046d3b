{% include "header.v" %}
// Delay line: q_o is d_i delayed by DEPTH rising edges (DEPTH >= 1). Moves data only; the
// array uses it for input skew, output de-skew and control timing.
module {= module =} #(
  parameter integer WIDTH = 1,
  parameter integer DEPTH = 1
) (
  input  wire             clk_i,
  input  wire             rst_ni,
  input  wire [WIDTH-1:0] d_i,
  output wire [WIDTH-1:0] q_o
);
  wire [WIDTH*DEPTH-1:0] line_d;
  reg  [WIDTH*DEPTH-1:0] line_q;

  generate
    if (DEPTH == 1) begin : g_single
      assign line_d = d_i;
    end else begin : g_chain
      assign line_d = {line_q[WIDTH*(DEPTH-1)-1:0], d_i};
    end
  endgenerate

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      line_q <= {(WIDTH*DEPTH){1'b0}};
    end else begin
      line_q <= line_d;
    end
  end

  assign q_o = line_q[WIDTH*DEPTH-1 -: WIDTH];
endmodule
