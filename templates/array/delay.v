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
  // One register per stage, each in its own generate block (g_stage[k].line_q is stage k,
  // k = 0 nearest d_i): a simulator copies each stage's word instead of shifting one
  // Width*Depth-bit vector (Verilator's wide shifts cost several times the copies).
  genvar gs;
  generate
    for (gs = 0; gs < Depth; gs = gs + 1) begin : g_stage
      wire [Width-1:0] line_d;
      reg  [Width-1:0] line_q;
      if (gs == 0) begin : g_first
        assign line_d = d_i;
      end else begin : g_next
        assign line_d = g_stage[gs-1].line_q;
      end
      if (Reset != 0) begin : g_rst
        always @(posedge clk_i or negedge rst_ni) begin
          if (!rst_ni) begin
            line_q <= {Width{1'b0}};
          end else begin
            line_q <= line_d;
          end
        end
      end else begin : g_norst
        always @(posedge clk_i) begin
          line_q <= line_d;
        end
      end
    end
    if (Reset == 0) begin : g_unused_rst
      wire unused_rst = rst_ni;
    end
  endgenerate

  assign q_o = g_stage[Depth-1].line_q;
endmodule
{% include "partials/epilogue.v" %}
