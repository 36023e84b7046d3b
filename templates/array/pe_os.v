{% include "partials/prologue.v" %}

// Output-stationary processing element: its MAC accumulates one output over the K operand
// steps (clr_i on the first step); activations (with valid and first) move right, weight codes
// move down. On cap_i the accumulator is copied into out_q, which otherwise takes out_i from
// the PE below: the column's results shift up to row 0 while the MACs already work on the
// next tile. No arithmetic here: the MAC unit does it all.
module {= v.pe =} (
{%- include "partials/ports.v" %}
);
  localparam integer ActWidth   = {= v.act_bits =};
  localparam integer WCodeWidth = {= v.w_bits =};
  localparam integer AccWidth   = {= v.acc =};

  reg                   valid_q, first_q;
  reg  [ActWidth-1:0]   act_q;
  reg  [WCodeWidth-1:0] w_q;
  reg  [AccWidth-1:0]   out_d, out_q;
  wire [AccWidth-1:0]   acc;

  always @(*) begin
    out_d = out_i;
    if (cap_i) begin
      out_d = acc;
    end
  end

  // The flags reset; the operands and the output chain do not (datapath registers: no reset
  // fanout, and a tool may pack them): act_q and w_q count only with valid_q, out_q only in
  // the rows the top marks valid.
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
      first_q <= 1'b0;
    end else begin
      valid_q <= valid_i;
      first_q <= first_i;
    end
  end

  always @(posedge clk_i) begin
    act_q <= act_i;
    w_q   <= w_i;
    out_q <= out_d;
  end

  assign valid_o = valid_q;
  assign first_o = first_q;
  assign act_o   = act_q;
  assign w_o     = w_q;
  assign out_o   = out_q;

  {= v.mac =} #(.ResetAcc(0)) u_mac (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .en_i    (valid_i),
    .clr_i   (first_i),
    .act_i   (act_i),
    .wcode_i (w_i),
    .acc_o   (acc)
  );
endmodule
{% include "partials/epilogue.v" %}
