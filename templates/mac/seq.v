
  always @(*) begin
    acc_d = acc_q;
    if (en_i) begin
      acc_d = sum;
    end else if (clr_i) begin
      acc_d = {% if c.psum %}psum_i{% else %}{AccWidth{1'b0}}{% endif %};
    end
  end

  generate
    if (ResetAcc != 0) begin : g_acc_rst
      always @(posedge clk_i or negedge rst_ni) begin
        if (!rst_ni) begin
          acc_q <= {AccWidth{1'b0}};
        end else begin
          acc_q <= acc_d;
        end
      end
    end else begin : g_acc_norst
      // Unused here: the accumulator starts at X and the first clr_i gives it a value.
      wire unused_rst = rst_ni;
      always @(posedge clk_i) begin
        acc_q <= acc_d;
      end
    end
  endgenerate

  assign acc_o = acc_q;
endmodule
{% include "partials/epilogue.v" %}
