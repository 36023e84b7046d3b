
{%- if c.psum %}
  // Accumulator register: en_i accumulates (starting from psum_i when clr_i), clr_i alone
  // loads psum_i.
{%- else %}
  // Accumulator register: en_i accumulates (clearing first when clr_i), clr_i alone clears.
{%- endif %}
  reg [ACC-1:0] acc_d, acc_q;

  always @(*) begin
    acc_d = acc_q;
    if (en_i) begin
      acc_d = sum;
    end else if (clr_i) begin
      acc_d = {% if c.psum %}psum_i{% else %}{ACC{1'b0}}{% endif %};
    end
  end

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_q <= {ACC{1'b0}};
    end else begin
      acc_q <= acc_d;
    end
  end

  assign acc_o = acc_q;

endmodule
