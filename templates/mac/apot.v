{% include "mac/head.v" %}

  // APoT weight {s, fields}: value (-1)^s * (sum of the terms the fields select).
  // Each field decodes to one shifted copy of the activation (constant shifts: wiring + mux).
  wire w_sign = wcode_i[WCodeWidth-1];
{%- for t in terms %}

  // Term {= t.index =}: field wcode_i[{= t.msb =}:{= t.lsb =}] selects {= t.choices =}.
  reg [ProdWidth-1:0] term{= t.index =};
  always @(*) begin
    case (wcode_i[{= t.msb =}:{= t.lsb =}])
{%- for c in t.cases %}
      {= t.width =}'d{= c.value =}: term{= t.index =} = $unsigned(act_p) << {= c.shift =};
{%- endfor %}
      default: term{= t.index =} = {ProdWidth{1'b0}};
    endcase
  end
{%- endfor %}

  // Magnitude at product width (narrow carry chains), then one fused add/subtract.
  wire [ProdWidth-1:0] mag = {% for t in terms %}{% if !loop.first %} + {% endif %}term{= t.index =}{% endfor %};
{% include "mac/fused.v" %}
{% include "mac/seq.v" %}
