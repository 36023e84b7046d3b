{% include "header.v" %}
// Place-and-route wrapper: every MAC input is registered, so the timed path is
// register -> MAC -> accumulator register.
module {= top =} (
  input  wire           clk_i,
  input  wire           rst_ni,
  input  wire           en_i,
  input  wire           clr_i,
  input  wire [{= c.act_bits - 1 =}:0]   act_i,
  input  wire [{= c.w_bits - 1 =}:0]   wcode_i,
  output wire [{= c.acc - 1 =}:0]  acc_o
);
  reg               en_q, clr_q;
  reg [{= c.act_bits - 1 =}:0]   act_q;
  reg [{= c.w_bits - 1 =}:0]   wcode_q;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      en_q    <= 1'b0;
      clr_q   <= 1'b0;
      act_q   <= {= c.act_bits =}'d0;
      wcode_q <= {= c.w_bits =}'d0;
    end else begin
      en_q    <= en_i;
      clr_q   <= clr_i;
      act_q   <= act_i;
      wcode_q <= wcode_i;
    end
  end

  {= c.module =} u_mac (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .en_i    (en_q),
    .clr_i   (clr_q),
    .act_i   (act_q),
    .wcode_i (wcode_q),
    .acc_o   (acc_o)
  );
endmodule
