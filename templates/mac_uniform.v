{% include "header.v" %}
{% include "mac_ports.v" %}

  // Uniform weight: the code is a two's-complement integer; one signed multiplier.
  wire signed [W-1:0] w_s  = $signed(wcode_i);
  wire signed [P-1:0] w_p  = {% if c.product > c.w_bits %}{{{= c.product - c.w_bits =}{w_s[W-1]}}, w_s}{% else %}w_s{% endif %};
  wire signed [P-1:0] prod = act_p * w_p;

  wire [ACC-1:0] base = clr_i ? {% if c.psum %}psum_i{% else %}{ACC{1'b0}}{% endif %} : acc_q;
  wire [ACC-1:0] prod_x = {% if c.acc > c.product %}{{{= c.acc - c.product =}{prod[P-1]}}, prod}{% else %}prod{% endif %};
  wire [ACC-1:0] sum  = base + prod_x;
{% include "mac_seq.v" %}
