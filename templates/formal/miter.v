{% include "partials/prologue.v" %}

// Miter for the SymbiYosys job {= sby =}: the MAC and its reference get the same inputs;
// equal_o is 1 while their accumulators agree. Under FORMAL the first cycle is a reset and
// the accumulators are asserted equal on every cycle.
module {= module =} (
{%- include "partials/ports.v" %}
);
  wire [{= c.acc_msb =}:0] dut_acc;
  wire [{= c.acc_msb =}:0] ref_acc;

  {= mac =} u_dut (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .en_i   (en_i),
    .clr_i  (clr_i),
    .act_i  (act_i),
    .wcode_i(wcode_i),
    .acc_o  (dut_acc)
  );

  {= reference =} u_ref (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .en_i   (en_i),
    .clr_i  (clr_i),
    .act_i  (act_i),
    .wcode_i(wcode_i),
    .acc_o  (ref_acc)
  );

  assign equal_o = (dut_acc == ref_acc);

`ifdef FORMAL
  reg first_q = 1'b1;
  always @(posedge clk_i) begin
    first_q <= 1'b0;
  end
  always @(*) begin
    if (first_q) begin
      assume (!rst_ni);
    end
    assert (equal_o);
  end
`endif
endmodule
{% include "partials/epilogue.v" %}
