
  reg [StimWidth-1:0] stim_mem [0:NumStim-1];
  reg [ExpWidth-1:0]  exp_mem  [0:NumExpect];
  reg [63:0]          gemm_mem [0:NumGemm-1];
  reg [31:0]          exp_cycle;
  integer n;
  integer oi;
  integer gi;
  integer errors;
  integer cycles;

{% include "partials/tb_clock.v" %}

  initial begin
    errors = 0;
    oi = 0;
    gi = 0;
    $readmemh("vectors/stim.hex", stim_mem);
    $readmemh("vectors/expect.hex", exp_mem);
    $readmemh("vectors/gemms.hex", gemm_mem);
    if (exp_mem[NumExpect] !== Sentinel) begin
      $display("FAIL vectors: vectors/expect.hex does not end with the sentinel word");
      $fatal(1, "bad vectors");
    end
    // Asynchronous reset; no output may be valid during it.
    #1 rst_n = 1'b0;
    @(negedge clk);
    @(negedge clk);
    if (out_valid !== 1'b0) begin
      errors = errors + 1;
      $display("MISMATCH reset: out_valid is %b", out_valid);
    end
    rst_n = 1'b1;
    // Cycle n: check the outputs visible now (after edge n-1), then drive the inputs that
    // edge n samples.
    for (n = 0; n < NumCycles; n = n + 1) begin
      if (out_valid !== 1'b0) begin
        if (out_valid !== 1'b1) begin
          errors = errors + 1;
          $display("MISMATCH cycle %0d: out_valid is %b", n, out_valid);
        end else if (oi >= NumExpect) begin
          errors = errors + 1;
          $display("MISMATCH cycle %0d: unexpected output row %h", n, out_row);
        end else begin
          exp_cycle = exp_mem[oi][ExpWidth-1 -: 32];
          if ($unsigned(n) != exp_cycle || out_row !== exp_mem[oi][Cols*AccWidth-1:0]) begin
            errors = errors + 1;
            if (errors <= 10) begin
              $display("MISMATCH row %0d: expected %h in cycle %0d, got %h in cycle %0d",
                       oi, exp_mem[oi][Cols*AccWidth-1:0], exp_cycle, out_row, n);
            end
          end
          if (gi < NumGemm && $unsigned(oi) == gemm_mem[gi][31:0]) begin
            $display("CYCLES %0d %0d", gi, $unsigned(n) - gemm_mem[gi][63:32] + 32'd1);
            gi = gi + 1;
          end
          oi = oi + 1;
        end
      end
      stim = (n < NumStim) ? stim_mem[n] : {StimWidth{1'b0}};
      @(negedge clk);
    end
    if (oi != NumExpect) begin
      errors = errors + 1;
      $display("MISMATCH: %0d of %0d output rows arrived", oi, NumExpect);
    end
    if (errors == 0) begin
      $display("PASS %0d", NumExpect);
      $finish;
    end else begin
      $display("FAIL %0d", errors);
      $fatal(1, "%0d mismatches", errors);
    end
  end
endmodule
{% include "partials/epilogue.v" %}
