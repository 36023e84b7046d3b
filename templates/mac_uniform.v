{% include "mac_head.v" %}

  // Uniform weight: the code is a two's-complement integer; one signed multiplier.
  wire signed [WCodeWidth-1:0] w_s  = $signed(wcode_i);
  wire signed [ProdWidth-1:0]  w_p  = {% if let Some(n) = c.w_pad %}$signed({{{= n =}{w_s[WCodeWidth-1]}}, w_s}){% else %}w_s{% endif %};
  wire signed [ProdWidth-1:0]  prod = act_p * w_p;

  wire [AccWidth-1:0] prod_x = {% if let Some(n) = c.prod_pad %}{{{= n =}{prod[ProdWidth-1]}}, prod}{% else %}$unsigned(prod){% endif %};
  wire [AccWidth-1:0] sum    = base + prod_x;
{% include "mac_seq.v" %}
