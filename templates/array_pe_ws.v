{% include "header.v" %}
// Weight-stationary processing element: holds one weight code, forwards its activation (and
// valid) to the right neighbour and its partial sum down to the PE below. The arithmetic is
// the MAC unit's: with clr_i = en_i = valid_i the MAC computes
// psum_o <= psum_i + act_i * value(w_q) on every valid cycle and holds otherwise.
module {= module =} (
  input  wire           clk_i,
  input  wire           rst_ni,
  // From the left neighbour (or the row's input skew).
  input  wire           valid_i,
  input  wire [{= a - 1 =}:0]   act_i,
  // From the PE above (or the column's partial-sum input skew).
  input  wire [{= acc - 1 =}:0]  psum_i,
  // Weight load: w_we_i writes w_i into the weight register.
  input  wire           w_we_i,
  input  wire [{= w - 1 =}:0]   w_i,
  // To the right neighbour.
  output wire           valid_o,
  output wire [{= a - 1 =}:0]   act_o,
  // To the PE below (registered in the MAC).
  output wire [{= acc - 1 =}:0]  psum_o
);
  reg           valid_q;
  reg [{= a - 1 =}:0]   act_q;
  reg [{= w - 1 =}:0]   w_d, w_q;

  always @(*) begin
    w_d = w_q;
    if (w_we_i) begin
      w_d = w_i;
    end
  end

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
      act_q   <= {= a =}'d0;
      w_q     <= {= w =}'d0;
    end else begin
      valid_q <= valid_i;
      act_q   <= act_i;
      w_q     <= w_d;
    end
  end

  assign valid_o = valid_q;
  assign act_o   = act_q;

  {= mac =} u_mac (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .en_i    (valid_i),
    .clr_i   (valid_i),
    .psum_i  (psum_i),
    .act_i   (act_i),
    .wcode_i (w_q),
    .acc_o   (psum_o)
  );
endmodule
