  // The same from a register (out of the input stream's ready path): the post-op input's
  // valid, delayed one cycle less than the post-op units, then registered; sel and
  // layer_last hold while a layer's rows are in the post-op units (DRAIN waits for them).
  wire pv_late;
  {= v.delay =} #(.Width(1), .Depth({= v.postop_latency =} - 1)) u_busy_delay (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .d_i    (p_valid_q),
    .q_o    (pv_late)
  );
  reg act0_busy_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      act0_busy_q <= 1'b0;
    end else begin
      act0_busy_q <= pv_late & sel & ~layer_last;
    end
  end
  assign act0_busy_o = act0_busy_q;
