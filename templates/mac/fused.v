{%- if c.saturate %}
  // Fused add/subtract, one carry chain, one bit wider than the saturating accumulator:
  // {base} + (x ^ {s}) + s == base + (s ? -x : x).
  wire [AccWidth:0]   x     = {{{= c.sat_pad =}{mag[ProdWidth-1]}}, mag};
  wire [AccWidth:0]   sum_w = {base[AccWidth-1], base} + (x ^ {(AccWidth+1){w_sign}})
                              + {{AccWidth{1'b0}}, w_sign};
{% include "mac/saturate.v" %}
{%- else if c.invert %}
  // Add/subtract around a plain adder: s ? ~(~base + x) : base + x == base + (s ? -x : x).
  wire [AccWidth-1:0] x      = {% if let Some(n) = c.prod_pad %}{{{= n =}{mag[ProdWidth-1]}}, mag}{% else %}mag{% endif %};
  wire [AccWidth-1:0] base_s = base ^ {AccWidth{w_sign}};
  wire [AccWidth-1:0] sum_s  = base_s + x;
  wire [AccWidth-1:0] sum    = sum_s ^ {AccWidth{w_sign}};
{%- else %}
  // Fused add/subtract, one carry chain: base + (x ^ {AccWidth{s}}) + s == base + (s ? -x : x).
  wire [AccWidth-1:0] x   = {% if let Some(n) = c.prod_pad %}{{{= n =}{mag[ProdWidth-1]}}, mag}{% else %}mag{% endif %};
  wire [AccWidth-1:0] sum = base + (x ^ {AccWidth{w_sign}}) + {{(AccWidth-1){1'b0}}, w_sign};
{%- endif %}
