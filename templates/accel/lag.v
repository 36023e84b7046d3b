{% include "partials/prologue.v" %}

// Delay line in a memory: q_o is d_i delayed by Depth rising edges (Depth >= 3), as the
// flip-flop delay line gives it, for wide data that needs no reset (the valids beside it stay
// in flip-flops). A ring of 2^AddrWidth >= Depth words is written every cycle at wptr_q and
// read synchronously Depth - 2 words behind, and the word read is registered once more: on
// an iCE40, which has no shift-register primitive, Depth x Width flip-flops would take as many
// logic cells, and the ring takes block RAM. q_o comes from a flip-flop.
module {= v.lag =} #(
  // Bits per stage.
  parameter integer Width     = 1,
  // Rising edges of delay, at least 3.
  parameter integer Depth     = 3,
  // Ring address bits: 2^AddrWidth >= Depth.
  parameter integer AddrWidth = 2
) (
  input  wire             clk_i,
  input  wire             rst_ni,
  input  wire [Width-1:0] d_i,
  output wire [Width-1:0] q_o
);
  localparam integer Back   = Depth - 2;
  localparam [31:0]  Back32 = Back;

  reg  [AddrWidth-1:0] wptr_q;
  wire [Width-1:0]     ring_q;
  reg  [Width-1:0]     q_q;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wptr_q <= {AddrWidth{1'b0}};
    end else begin
      wptr_q <= wptr_q + {{(AddrWidth-1){1'b0}}, 1'b1};
    end
  end

  {= v.ram =} #(.Width(Width), .Depth(1 << AddrWidth), .AddrWidth(AddrWidth)) u_ring (
    .clk_i   (clk_i),
    .we_i    (1'b1),
    .waddr_i (wptr_q),
    .wdata_i (d_i),
    .raddr_i (wptr_q - Back32[AddrWidth-1:0]),
    .rdata_o (ring_q)
  );

  always @(posedge clk_i) begin
    q_q <= ring_q;
  end

  assign q_o = q_q;
endmodule
{% include "partials/epilogue.v" %}
