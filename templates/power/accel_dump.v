{% include "partials/prologue.v" %}

// `potmac infer --liberty`: measures one run of the accelerator's gate netlist under its
// unchanged bus testbench. From the cycle after the host starts the run (the testbench's
// `streaming`) until the interrupt, `measuring` is high: the nets of the netlist's own scope
// (not the cells' or memories' insides) go to the VCD, and every memory counts its accesses
// (see the counters added to the memory model), printed when `measuring` falls.
module {= module =};
  reg     measuring = 1'b0;
  integer window = 0;
  always @(posedge {= tb =}.clk) begin
    if (measuring) begin
      window = window + 1;
    end
  end
  initial begin
    wait ({= tb =}.streaming === 1'b1);
    $dumpfile("{= vcd =}");
    $dumpvars(1, {= tb =}.dut);
    measuring = 1'b1;
    wait ({= tb =}.irq === 1'b1);
    $dumpoff;
    measuring = 1'b0;
    $display("WINDOW %0d", window);
  end
endmodule
{% include "partials/epilogue.v" %}
