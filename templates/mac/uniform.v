{% include "mac/head.v" %}

  // Uniform weight: the code is a two's-complement integer; one signed multiplier.
  wire signed [WCodeWidth-1:0] w_s  = $signed(wcode_i);
  wire signed [ProdWidth-1:0]  w_p  = {% if let Some(n) = c.w_pad %}$signed({{{= n =}{w_s[WCodeWidth-1]}}, w_s}){% else %}w_s{% endif %};
  wire signed [ProdWidth-1:0]  prod = act_p * w_p;

{%- if c.saturate %}

  // Saturating accumulator: the sum one bit wider, clamped below.
  wire [AccWidth:0]   prod_x = {{{= c.sat_pad =}{prod[ProdWidth-1]}}, prod};
  wire [AccWidth:0]   sum_w  = {base[AccWidth-1], base} + prod_x;
{% include "mac/saturate.v" %}
{%- else %}

  wire [AccWidth-1:0] prod_x = {% if let Some(n) = c.prod_pad %}{{{= n =}{prod[ProdWidth-1]}}, prod}{% else %}$unsigned(prod){% endif %};
  wire [AccWidth-1:0] sum    = base + prod_x;
{%- endif %}
{% include "mac/seq.v" %}
