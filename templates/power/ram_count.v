
  // Added by `potmac infer --liberty` to the simulation's copy of this memory (not to the
  // RTL): while {= module =}.measuring is high, one read a cycle (the memory has no read
  // enable: it reads the word at raddr_i every cycle) and one write per cycle with we_i,
  // printed as `MEM <instance> <Width> <reads> <writes>` when the measurement ends.
  integer potmac_reads = 0;
  integer potmac_writes = 0;
  always @(posedge clk_i) begin
    if ({= module =}.measuring === 1'b1) begin
      potmac_reads = potmac_reads + 1;
      if (we_i === 1'b1) begin
        potmac_writes = potmac_writes + 1;
      end
    end
  end
  always @(negedge {= module =}.measuring) begin
    $display("MEM %m %0d %0d %0d", Width, potmac_reads, potmac_writes);
  end
