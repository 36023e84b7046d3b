  always #5 clk = ~clk;

  // Cycle watchdog: a hung run fails instead of running forever.
  initial begin
    cycles = 0;
    forever begin
      @(posedge clk);
      cycles = cycles + 1;
      if (cycles > Watchdog) begin
        $display("FAIL watchdog: no result after %0d cycles", cycles);
        $fatal(1, "watchdog");
      end
    end
  end

  // Waveforms on request (+waves, or `make sim WAVES=1`): FST from Verilator (built with
  // --trace-fst), VCD from Icarus.
  initial begin
    if ($test$plusargs("{= waves.plusarg =}")) begin
`ifdef VERILATOR
      $dumpfile("{= waves.fst =}");
`else
      $dumpfile("{= waves.vcd =}");
`endif
      $dumpvars(0, {= tb =});
    end
  end
