{% include "partials/prologue.v" %}

// Baseline for area comparisons: the uniform MAC as a user would write it by hand, one
// behavioural statement, every width left to the synthesis tool. Same ports and behaviour as
// {= c.module =}.
module {= top =} (
{%- include "partials/ports.v" %}
);
  reg signed [{= c.acc_msb =}:0] acc_q;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) acc_q <= 0;
    else if (en_i) acc_q <= (clr_i ? 0 : acc_q) + {% if c.act_signed %}$signed(act_i){% else %}$signed({1'b0, act_i}){% endif %} * $signed(wcode_i);
    else if (clr_i) acc_q <= 0;
  end

  assign acc_o = $unsigned(acc_q);
endmodule
{% include "partials/epilogue.v" %}
