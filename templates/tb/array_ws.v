{%- let tb = v.tb.as_str() %}
{%- let waves = v.waves() %}
{% include "tb/array_head.v" %}
  wire                       w_valid;
  wire [Cols*WCodeWidth-1:0] w_row;
  wire                       in_valid;
  wire [Rows*ActWidth-1:0]   in_row;
  wire [Cols*AccWidth-1:0]   psum_row;

  assign {w_valid, in_valid, w_row, in_row, psum_row} = stim;

  {= v.top =} dut (
    .clk_i       (clk),
    .rst_ni      (rst_n),
    .w_valid_i   (w_valid),
    .w_row_i     (w_row),
    .in_valid_i  (in_valid),
    .in_row_i    (in_row),
    .psum_row_i  (psum_row),
    .out_valid_o (out_valid),
    .out_row_o   (out_row)
  );
{%- include "tb/array_run.v" %}
