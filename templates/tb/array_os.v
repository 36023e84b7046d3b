{%- let tb = v.tb.as_str() %}
{%- let waves = v.waves() %}
{% include "tb/array_head.v" %}
  wire                       in_valid;
  wire                       in_last;
  wire [Rows*ActWidth-1:0]   in_act;
  wire [Cols*WCodeWidth-1:0] in_w;

  assign {in_valid, in_last, in_act, in_w} = stim;

  {= v.top =} dut (
    .clk_i       (clk),
    .rst_ni      (rst_n),
    .in_valid_i  (in_valid),
    .in_last_i   (in_last),
    .in_act_i    (in_act),
    .in_w_i      (in_w),
    .out_valid_o (out_valid),
    .out_row_o   (out_row)
  );
{%- include "tb/array_run.v" %}
