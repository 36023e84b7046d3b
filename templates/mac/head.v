{% include "partials/prologue.v" %}

module {= c.module =} #(
  // 1: the accumulator has the asynchronous reset (the unit on its own); 0: no reset, for a
  // processing element that always starts a sum with clr_i (a datapath register).
  parameter integer ResetAcc = 1
) (
{%- include "partials/ports.v" %}
);
  // Widths: weight code, activation as a signed number, exact product, accumulator.
  localparam integer WCodeWidth  = {= c.w_bits =};
  localparam integer ActExtWidth = {= c.act_ext =};
  localparam integer ProdWidth   = {= c.product =};
  localparam integer AccWidth    = {= c.acc =};

  // Activation ({= c.act_bits =} bits, {% if c.act_signed %}signed{% else %}unsigned{% endif %}) as a signed ActExtWidth-bit number, sign-extended to the product width.
  wire signed [ActExtWidth-1:0] act_s = $signed({% if c.act_signed %}act_i{% else %}{1'b0, act_i}{% endif %});
  wire signed [ProdWidth-1:0]   act_p = {% if let Some(n) = c.act_pad %}$signed({{{= n =}{act_s[ActExtWidth-1]}}, act_s}){% else %}act_s{% endif %};

{%- if c.psum %}

  // Accumulator: en_i accumulates (starting from psum_i when clr_i), clr_i alone loads psum_i.
{%- else %}

  // Accumulator: en_i accumulates (clearing first when clr_i), clr_i alone clears.
{%- endif %}
  reg  [AccWidth-1:0] acc_d, acc_q;
  wire [AccWidth-1:0] base = clr_i ? {% if c.psum %}psum_i{% else %}{AccWidth{1'b0}}{% endif %} : acc_q;
