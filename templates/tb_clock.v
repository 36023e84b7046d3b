  always #5 clk = ~clk;

  // Cycle watchdog: a hung run fails instead of running forever.
  initial begin
    cycles = 0;
    forever begin
      @(posedge clk);
      cycles = cycles + 1;
      if (cycles > WATCHDOG) begin
        $display("FAIL watchdog: no result after %0d cycles", cycles);
        $fatal(1, "watchdog");
      end
    end
  end
