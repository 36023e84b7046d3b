{% include "partials/prologue.v" %}

// Delay line: q_o is d_i delayed by Depth rising edges (Depth >= 1). Moves data only; the
// array uses it for input skew, output de-skew and control timing. Valids and other control
// keep the asynchronous reset (Reset = 1); a line of data that counts only beside a valid
// has none (Reset = 0): no reset fanout, and a tool may pack it into shift registers.
module {= v.delay =} #(
  // Bits per stage.
  parameter integer Width = 1,
  // Stages (rising edges of delay), at least 1.
  parameter integer Depth = 1,
  // 1: the stages reset to zero (asynchronous, rst_ni); 0: no reset (they start at X).
  parameter integer Reset = 1
) (
  input  wire             clk_i,
  input  wire             rst_ni,
  input  wire [Width-1:0] d_i,
  output wire [Width-1:0] q_o
);
  wire [Width*Depth-1:0] line_d;
  reg  [Width*Depth-1:0] line_q;

  generate
    if (Depth == 1) begin : g_single
      assign line_d = d_i;
    end else begin : g_chain
      assign line_d = {line_q[Width*(Depth-1)-1:0], d_i};
    end
  endgenerate

  generate
    if (Reset != 0) begin : g_rst
      always @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          line_q <= {(Width*Depth){1'b0}};
        end else begin
          line_q <= line_d;
        end
      end
    end else begin : g_norst
      wire unused_rst = rst_ni;
      always @(posedge clk_i) begin
        line_q <= line_d;
      end
    end
  endgenerate

  assign q_o = line_q[Width*Depth-1 -: Width];
endmodule
{% include "partials/epilogue.v" %}
