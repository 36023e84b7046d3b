{% include "partials/prologue.v" %}

// Simulation models of potmac's cell library (synth/potmac_cells.lib) for `potmac power`:
// {= what =}
// One module per cell; pin names as in the Liberty file.
module INV (input wire A, output wire Y);
  assign {= d =}Y = ~A;
endmodule

module BUF (input wire A, output wire Y);
  assign {= d =}Y = A;
endmodule

module NAND2 (input wire A, input wire B, output wire Y);
  assign {= d =}Y = ~(A & B);
endmodule

module NAND3 (input wire A, input wire B, input wire C, output wire Y);
  assign {= d =}Y = ~(A & B & C);
endmodule

module NOR2 (input wire A, input wire B, output wire Y);
  assign {= d =}Y = ~(A | B);
endmodule

module NOR3 (input wire A, input wire B, input wire C, output wire Y);
  assign {= d =}Y = ~(A | B | C);
endmodule

module AOI21 (input wire A, input wire B, input wire C, output wire Y);
  assign {= d =}Y = ~((A & B) | C);
endmodule

module OAI21 (input wire A, input wire B, input wire C, output wire Y);
  assign {= d =}Y = ~((A | B) & C);
endmodule

module AOI22 (input wire A, input wire B, input wire C, input wire D, output wire Y);
  assign {= d =}Y = ~((A & B) | (C & D));
endmodule

module OAI22 (input wire A, input wire B, input wire C, input wire D, output wire Y);
  assign {= d =}Y = ~((A | B) & (C | D));
endmodule

module XOR2 (input wire A, input wire B, output wire Y);
  assign {= d =}Y = A ^ B;
endmodule

module XNOR2 (input wire A, input wire B, output wire Y);
  assign {= d =}Y = ~(A ^ B);
endmodule

module MUX2 (input wire A, input wire B, input wire S, output wire Y);
  assign {= d =}Y = S ? B : A;
endmodule

module DFF (input wire CLK, input wire D, output reg Q);
  always @(posedge CLK) begin
    Q <= {= d =}D;
  end
endmodule

module DFFR (input wire CLK, input wire D, input wire RN, output reg Q);
  always @(posedge CLK or negedge RN) begin
    if (!RN) begin
      Q <= {= d =}1'b0;
    end else begin
      Q <= {= d =}D;
    end
  end
endmodule
{% include "partials/epilogue.v" %}
