{%- for p in ports %}
{%- if let Some(n) = p.note %}
  // {= n =}
{%- endif %}
  {% if p.input %}input  wire{% else %}output wire{% endif %} {% if let Some(m) = p.msb %}[{= m =}:0]{% endif %}{= p.pad =}{= p.name =}{% if !p.last %},{% endif %}
{%- endfor %}
