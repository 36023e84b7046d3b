  // CHECK: the descriptor's N against its N-tiles (n_tiles * Cols, a constant multiply).
  localparam integer NtcWidth = CountWidth + {= v.col_bits =} + 1;
  localparam [NtcWidth-1:0] SideN = {= v.side =};
  wire [NtcWidth-1:0] c_n_ext   = {{(NtcWidth-CountWidth){1'b0}}, chk_n_q};
  wire [NtcWidth-1:0] c_nt_cols = {{(NtcWidth-CountWidth){1'b0}}, chk_nt_q} * SideN;
  wire e_k      = (chk_k_q == {CountWidth{1'b0}});
  wire e_out    = chk_last_q && (chk_nt_q > OutTiles);
  wire e_nolast = !chk_last_q && (pc_q == LastPc);
  // CHECK step by step, each step a register (the fields in CHK1, these in CHK2, the error
  // bits in CHK3, the decision in CHK4): no carry chain feeds another, nor the state.
  reg [NtcWidth-1:0] ntc_q, nsum_q;
  reg                ezero_q, ek_q, eout_q, enolast_q;
  always @(posedge clk_i) begin
    ntc_q     <= c_nt_cols;
    nsum_q    <= c_n_ext + SideN;
    ezero_q   <= (chk_nt_q == {CountWidth{1'b0}});
    ek_q      <= e_k;
    eout_q    <= e_out;
    enolast_q <= e_nolast;
  end
  wire e_n      = ezero_q || (c_n_ext > ntc_q) || (nsum_q <= ntc_q);
  wire [3:0] chk_err = {eout_q, enolast_q, e_n, ek_q};
