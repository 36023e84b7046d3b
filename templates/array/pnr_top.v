{% include "partials/prologue.v" %}

// Place-and-route wrapper with few pins: every array input comes from a register of a
// {= v.pnr_in_bits =}-bit serial-in shift chain, every output bit feeds a registered XOR tree (one
// parity register per column, then one output register), so no logic can be optimized away
// and the timed paths are register -> array -> register.
module {= v.pnr =} (
{%- include "partials/ports.v" %}
);
  localparam integer Cols     = {= v.cols =};
  localparam integer AccWidth = {= v.acc =};
  // Bits of the array's inputs, all in one shift chain.
  localparam integer InWidth  = {= v.pnr_in_bits =};

  reg  [InWidth-1:0]       in_q;
  reg  [Cols-1:0]          par_q;
  reg                      sout_q;
  wire                     out_valid;
  wire [Cols*AccWidth-1:0] out_row;
  wire [Cols-1:0]          par_d;

  genvar gc;
  generate
    for (gc = 0; gc < Cols; gc = gc + 1) begin : g_par
      assign par_d[gc] = ^out_row[gc*AccWidth +: AccWidth];
    end
  endgenerate

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      in_q   <= {InWidth{1'b0}};
      par_q  <= {Cols{1'b0}};
      sout_q <= 1'b0;
    end else begin
      in_q   <= {in_q[InWidth-2:0], sin_i};
      par_q  <= par_d;
      sout_q <= out_valid ^ (^par_q);
    end
  end

  assign sout_o = sout_q;

  {= v.top =} u_array (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
{%- for p in v.pnr_conns %}
    .{= p.name =}{= p.pad =}(in_q[{= p.msb =}:{= p.lsb =}]),
{%- endfor %}
    .out_valid_o (out_valid),
    .out_row_o   (out_row)
  );
endmodule
{% include "partials/epilogue.v" %}
