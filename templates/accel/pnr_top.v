{% include "partials/prologue.v" %}

// Place-and-route wrapper with few pins: every accelerator input but the clock and the reset
// comes from a register of a {= in_bits =}-bit serial-in shift chain, and every output bit feeds a
// registered XOR tree (one parity register per output port, then one output register), so no
// logic can be optimized away and the timed paths are register -> accelerator -> register.
module {= module =} (
{%- include "partials/ports.v" %}
);
  // Bits of the accelerator's inputs, all in one shift chain.
  localparam integer InWidth  = {= in_bits =};
  localparam integer OutPorts = {= outs.len() =};

  reg  [InWidth-1:0]  in_q;
  reg  [OutPorts-1:0] par_q;
  reg                 sout_q;
  wire [OutPorts-1:0] par_d;
{%- for o in outs %}
  wire [{= o.msb =}:0]{= o.wpad =}{= o.wire =};
{%- endfor %}
{% for o in outs %}
  assign par_d[{= loop.index0 =}] = ^{= o.wire =};
{%- endfor %}

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      in_q   <= {InWidth{1'b0}};
      par_q  <= {OutPorts{1'b0}};
      sout_q <= 1'b0;
    end else begin
      in_q   <= {{% if in_bits > 1 %}in_q[InWidth-2:0], {% endif %}sin_i};
      par_q  <= par_d;
      sout_q <= ^par_q;
    end
  end

  assign sout_o = sout_q;

  {= top =} u_accel (
    .clk_i{= clk_pad =}(clk_i),
    .rst_ni{= rst_pad =}(rst_ni),
{%- for p in ins %}
    .{= p.name =}{= p.pad =}(in_q[{= p.msb =}:{= p.lsb =}]),
{%- endfor %}
{%- for o in outs %}
    .{= o.name =}{= o.pad =}({= o.wire =}){% if !loop.last %},{% endif %}
{%- endfor %}
  );
endmodule
{% include "partials/epilogue.v" %}
