module {= c.module =} (
  input  wire                   clk_i,
  input  wire                   rst_ni,
  input  wire                   en_i,
  input  wire                   clr_i,
{%- if c.psum %}
  input  wire [{= c.acc - 1 =}:0]            psum_i,
{%- endif %}
  input  wire [{= c.act_bits - 1 =}:0]             act_i,
  input  wire [{= c.w_bits - 1 =}:0]             wcode_i,
  output wire [{= c.acc - 1 =}:0]            acc_o
);
  localparam integer W   = {= c.w_bits =};  // weight code bits
  localparam integer AX  = {= c.act_ext =};  // activation as a signed number
  localparam integer P   = {= c.product =};  // exact product width
  localparam integer ACC = {= c.acc =};  // accumulator width

  // Activation ({= c.act_bits =} bits, {% if c.act_signed %}signed{% else %}unsigned{% endif %}) as a signed AX-bit number, sign-extended to the product width.
  wire signed [AX-1:0] act_s = $signed({% if c.act_signed %}act_i{% else %}{1'b0, act_i}{% endif %});
  wire signed [P-1:0]  act_p = {% if c.product > c.act_ext %}{{{= c.product - c.act_ext =}{act_s[AX-1]}}, act_s}{% else %}act_s{% endif %};
