{% include "partials/prologue.v" %}

// Weight-stationary processing element: holds one weight code, forwards its activation (and
// valid) to the right neighbour and its partial sum down to the PE below. A weight load moves
// right one PE per cycle like the activations (w_we_o), so a row's new weights follow the
// previous tile's last activations across the row and a tile can load while the one before
// it still streams. The arithmetic is the MAC unit's; the PE only moves operands.
module {= v.pe =} (
{%- include "partials/ports.v" %}
);
  localparam integer ActWidth   = {= v.act_bits =};
  localparam integer WCodeWidth = {= v.w_bits =};

  reg                  valid_q, we_q;
  reg [ActWidth-1:0]   act_q;
  reg [WCodeWidth-1:0] w_d, w_q;

  always @(*) begin
    w_d = w_q;
    if (w_we_i) begin
      w_d = w_i;
    end
  end

  // The flags reset; the operands do not (datapath registers: no reset fanout, and a tool
  // may pack them): act_q counts only with valid_q, w_q only after a load.
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
      we_q    <= 1'b0;
    end else begin
      valid_q <= valid_i;
      we_q    <= w_we_i;
    end
  end

  always @(posedge clk_i) begin
    act_q <= act_i;
    w_q   <= w_d;
  end

  assign valid_o = valid_q;
  assign act_o   = act_q;
  assign w_we_o  = we_q;

  // Every valid cycle computes psum_o <= psum_i + act_i * value(w_q): en_i adds the product
  // and clr_i makes the sum start from psum_i instead of the held accumulator; otherwise the
  // MAC holds.
  wire mac_en       = valid_i;
  wire mac_use_psum = valid_i;

  {= v.mac =} #(.ResetAcc(0)) u_mac (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .en_i    (mac_en),
    .clr_i   (mac_use_psum),
    .psum_i  (psum_i),
    .act_i   (act_i),
    .wcode_i (w_q),
    .acc_o   (psum_o)
  );
endmodule
{% include "partials/epilogue.v" %}
