{% include "partials/prologue.v" %}

// Batch testbench: runs the self-checking checker of every design below at once on one
// clock, each against its own vectors under vectors/<design>/. When all are done it prints
// one line per design, `PASS <design> <checks>` or `FAIL <design> <errors>`, then one final
// line: `PASS <designs>` or `FAIL <failed designs>` (and a non-zero exit).
module {= tb =};
  localparam integer NumDesigns = {= members.len() =};
  // Cycles before the watchdog fails the run: the longest design's run and some margin.
  localparam integer Watchdog   = {= watchdog =};

  reg                   clk = 1'b0;
  wire [NumDesigns-1:0] done;
  integer               failed;
  integer               cycles;
{%- for m in members %}
  wire [31:0]           errors_{= loop.index0 =};
{%- endfor %}
{% for m in members %}
  {= m.check =} u_{= m.name =} (
    .clk_i    (clk),
    .done_o   (done[{= loop.index0 =}]),
    .errors_o (errors_{= loop.index0 =})
  );
{% endfor %}
{% include "partials/tb_clock.v" %}

  initial begin
    failed = 0;
    while (done !== {NumDesigns{1'b1}}) @(posedge clk);
{%- for m in members %}
    if (errors_{= loop.index0 =} == 32'd0) begin
      $display("PASS {= m.name =} {= m.checks =}");
    end else begin
      failed = failed + 1;
      $display("FAIL {= m.name =} %0d", errors_{= loop.index0 =});
    end
{%- endfor %}
    if (failed == 0) begin
      $display("PASS %0d", NumDesigns);
      $finish;
    end else begin
      $display("FAIL %0d", failed);
      $fatal(1, "%0d of %0d designs failed", failed, NumDesigns);
    end
  end
endmodule
{%- for c in checkers %}

{= c =}
{%- endfor %}
{% include "partials/epilogue.v" %}
