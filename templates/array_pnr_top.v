{% include "header.v" %}
// Place-and-route wrapper with few pins: every array input comes from a register of a
// {= in_bits =}-bit serial-in shift chain, every output bit feeds a registered XOR tree (one
// parity register per column, then one output register), so no logic can be optimized away
// and the timed paths are register -> array -> register.
module {= top =} (
  input  wire clk_i,
  input  wire rst_ni,
  input  wire sin_i,
  output wire sout_o
);
  reg [{= in_bits - 1 =}:0] in_q;
  reg [{= cols - 1 =}:0] par_q;
  reg       sout_q;
  wire      out_valid;
  wire [{= cols * acc - 1 =}:0] out_row;
  wire [{= cols - 1 =}:0] par_d;

  genvar gc;
  generate
    for (gc = 0; gc < {= cols =}; gc = gc + 1) begin : g_par
      assign par_d[gc] = ^out_row[gc*{= acc =} +: {= acc =}];
    end
  endgenerate

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      in_q   <= {= in_bits =}'d0;
      par_q  <= {= cols =}'d0;
      sout_q <= 1'b0;
    end else begin
      in_q   <= {in_q[{= in_bits - 2 =}:0], sin_i};
      par_q  <= par_d;
      sout_q <= out_valid ^ (^par_q);
    end
  end

  assign sout_o = sout_q;

  {= array =} u_array (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
{%- for p in ports %}
    .{= p.name =}{= p.pad =}(in_q[{= p.msb =}:{= p.lsb =}]),
{%- endfor %}
    .out_valid_o (out_valid),
    .out_row_o   (out_row)
  );
endmodule
