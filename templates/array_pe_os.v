{% include "header.v" %}
// Output-stationary processing element: its MAC accumulates one output over the K operand
// steps (clr_i on the first step); activations (with valid and first) move right, weight codes
// move down. On cap_i the accumulator is copied into out_q, which otherwise takes out_i from
// the PE below: the column's results shift up to row 0 while the MACs already work on the
// next tile. No arithmetic here: the MAC unit does it all.
module {= module =} (
  input  wire           clk_i,
  input  wire           rst_ni,
  // From the left neighbour (or the row's input skew).
  input  wire           valid_i,
  input  wire           first_i,
  input  wire [{= a - 1 =}:0]   act_i,
  // From the PE above (or the column's weight skew).
  input  wire [{= w - 1 =}:0]   w_i,
  // Column capture strobe and the output chain from the PE below.
  input  wire           cap_i,
  input  wire [{= acc - 1 =}:0]  out_i,
  // To the right neighbour.
  output wire           valid_o,
  output wire           first_o,
  output wire [{= a - 1 =}:0]   act_o,
  // To the PE below.
  output wire [{= w - 1 =}:0]   w_o,
  // Output chain, to the PE above.
  output wire [{= acc - 1 =}:0]  out_o
);
  reg           valid_q, first_q;
  reg [{= a - 1 =}:0]   act_q;
  reg [{= w - 1 =}:0]   w_q;
  reg [{= acc - 1 =}:0]  out_d, out_q;
  wire [{= acc - 1 =}:0] acc;

  always @(*) begin
    out_d = out_i;
    if (cap_i) begin
      out_d = acc;
    end
  end

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
      first_q <= 1'b0;
      act_q   <= {= a =}'d0;
      w_q     <= {= w =}'d0;
      out_q   <= {= acc =}'d0;
    end else begin
      valid_q <= valid_i;
      first_q <= first_i;
      act_q   <= act_i;
      w_q     <= w_i;
      out_q   <= out_d;
    end
  end

  assign valid_o = valid_q;
  assign first_o = first_q;
  assign act_o   = act_q;
  assign w_o     = w_q;
  assign out_o   = out_q;

  {= mac =} u_mac (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .en_i    (valid_i),
    .clr_i   (first_i),
    .act_i   (act_i),
    .wcode_i (w_i),
    .acc_o   (acc)
  );
endmodule
