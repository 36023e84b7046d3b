{% include "mac/head.v" %}

  // PoT weight {s, e}: value (-1)^s * 2^e{% if has_zero %}, exponent {= exp_bits =}'d{= zero_exp =} means zero{% endif %}.
  localparam integer ExpWidth = {= exp_bits =};
  wire                w_sign = wcode_i[WCodeWidth-1];
  wire [ExpWidth-1:0] w_exp  = wcode_i[ExpWidth-1:0];
{%- if has_zero %}
  wire                w_zero = (w_exp == {= exp_bits =}'d{= zero_exp =});
{%- endif %}

  // One shifter: |product| before the sign is applied.
  wire [ProdWidth-1:0] shifted = $unsigned(act_p) << w_exp;
  wire [ProdWidth-1:0] mag     = {% if has_zero %}w_zero ? {ProdWidth{1'b0}} : shifted{% else %}shifted{% endif %};
{% include "mac/fused.v" %}
{% include "mac/seq.v" %}
