{% include "partials/prologue.v" %}

// Place-and-route wrapper: every MAC input is registered, so the timed path is
// register -> MAC -> accumulator register.
module {= top =} (
{%- include "partials/ports.v" %}
);
  localparam integer ActWidth   = {= c.act_bits =};
  localparam integer WCodeWidth = {= c.w_bits =};

  reg                  en_q, clr_q;
  reg [ActWidth-1:0]   act_q;
  reg [WCodeWidth-1:0] wcode_q;

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      en_q    <= 1'b0;
      clr_q   <= 1'b0;
      act_q   <= {ActWidth{1'b0}};
      wcode_q <= {WCodeWidth{1'b0}};
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
{% include "partials/epilogue.v" %}
