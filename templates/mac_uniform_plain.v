{% include "header.v" %}
// Baseline for area comparisons: the uniform MAC as a user would write it by hand, one
// behavioural statement, every width left to the synthesis tool. Same ports and behaviour as
// {= c.module =}.
module {= top =} (
  input  wire                   clk_i,
  input  wire                   rst_ni,
  input  wire                   en_i,
  input  wire                   clr_i,
  input  wire [{= c.act_bits - 1 =}:0]             act_i,
  input  wire [{= c.w_bits - 1 =}:0]             wcode_i,
  output reg  signed [{= c.acc - 1 =}:0]     acc_o
);
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) acc_o <= 0;
    else if (en_i) acc_o <= (clr_i ? 0 : acc_o) + {% if c.act_signed %}$signed(act_i){% else %}$signed({1'b0, act_i}){% endif %} * $signed(wcode_i);
    else if (clr_i) acc_o <= 0;
  end
endmodule
