
  // Fused add/subtract, one carry chain: acc + (x ^ {ACC{s}}) + s == acc + (s ? -x : x).
  wire [ACC-1:0] base = clr_i ? {% if c.psum %}psum_i{% else %}{ACC{1'b0}}{% endif %} : acc_q;
  wire [ACC-1:0] x    = {% if c.acc > c.product %}{{{= c.acc - c.product =}{mag[P-1]}}, mag}{% else %}mag{% endif %};
  wire [ACC-1:0] sum  = base + (x ^ {ACC{w_sign}}) + {{(ACC-1){1'b0}}, w_sign};
