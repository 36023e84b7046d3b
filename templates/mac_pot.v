{% include "header.v" %}
{% include "mac_ports.v" %}

  // PoT weight {s, e}: value (-1)^s * 2^e{% if has_zero %}, exponent {= exp_bits =}'d{= zero_exp =} means zero{% endif %}.
  localparam integer E = {= exp_bits =};  // exponent field bits
  wire         w_sign = wcode_i[W-1];
  wire [E-1:0] w_exp  = wcode_i[E-1:0];
{%- if has_zero %}
  wire         w_zero = (w_exp == {= exp_bits =}'d{= zero_exp =});
{%- endif %}

  // One shifter: |product| before the sign is applied.
  wire [P-1:0] shifted = act_p <<< w_exp;
  wire [P-1:0] mag     = {% if has_zero %}w_zero ? {P{1'b0}} : shifted{% else %}shifted{% endif %};
{% include "mac_fused.v" %}
{% include "mac_seq.v" %}
