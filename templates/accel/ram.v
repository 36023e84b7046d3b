{% include "partials/prologue.v" %}

// Memory: Depth words of Width bits, one write port and one synchronous read port (rdata_o
// shows the word at raddr_i one cycle later). A plain array, as synthesis tools infer block
// RAM, and marked for it (ram_style "block") however small it is: an iCE40 has no LUT RAM, so
// a small memory would otherwise become flip-flops. No user reads a word at the edge it is
// written, or it ignores what it reads then (the partial sums forward the written row), so
// synthesis need not build the read-during-write bypass (no_rw_check); simulators give the
// old word. On a Lattice ECP5 (the ECP5 synthesis scripts define POTMAC_ECP5) a memory of at
// most 256 words and at most one DP16KD's 18,432 bits is LUT RAM instead (ram_style
// "distributed"; its word registered in the fabric): the program, bias and partial-sum
// memories, the delay rings and the output FIFO then need no block RAM, whose clock-to-out
// (5.6-5.8 ns in nextpnr's model) and fixed sites stretched their paths.
module {= v.ram =} #(
  // Bits per word.
  parameter integer Width     = 8,
  // Words.
  parameter integer Depth     = 16,
  // Address bits (at least clog2(Depth)).
  parameter integer AddrWidth = 4,
  // A $readmemh file that fills the memory at configuration (weights baked into a bitstream,
  // or a simulation that skips the bus writes); "" for none.
  parameter         InitFile  = "",
  // 1: single-port, marked ram_style "huge" (an iCE40 UP5K's SB_SPRAM256KA, 16k words of 16
  // bits): the read address is the write address while we_i is high, so no user may read
  // while it writes (the weight and bias memories are written only between runs).
  parameter integer SinglePort = 0
) (
  input  wire                 clk_i,
  input  wire                 we_i,
  input  wire [AddrWidth-1:0] waddr_i,
  input  wire [Width-1:0]     wdata_i,
  input  wire [AddrWidth-1:0] raddr_i,
  output wire [Width-1:0]     rdata_o
);
`ifdef POTMAC_ECP5
  localparam integer Lut = (Depth <= 256 && Depth * Width <= 18432) ? 1 : 0;
`else
  localparam integer Lut = 0;
`endif
  reg [Width-1:0] rdata_q;

  generate
    if (SinglePort != 0) begin : g_single
      wire [AddrWidth-1:0] addr = we_i ? waddr_i : raddr_i;
      (* ram_style = "huge", no_rw_check *)
      reg  [Width-1:0]     mem_q [0:Depth-1];
      initial begin
        if (InitFile != "") begin
          $readmemh(InitFile, mem_q);
        end
      end
      always @(posedge clk_i) begin
        if (we_i) begin
          mem_q[addr] <= wdata_i;
        end
        rdata_q <= mem_q[addr];
      end
    end else if (Lut != 0) begin : g_lut
      (* ram_style = "distributed", no_rw_check *)
      reg [Width-1:0] mem_q [0:Depth-1];
      initial begin
        if (InitFile != "") begin
          $readmemh(InitFile, mem_q);
        end
      end
      always @(posedge clk_i) begin
        if (we_i) begin
          mem_q[waddr_i] <= wdata_i;
        end
        rdata_q <= mem_q[raddr_i];
      end
    end else begin : g_dual
      (* ram_style = "block", no_rw_check *)
      reg [Width-1:0] mem_q [0:Depth-1];
      initial begin
        if (InitFile != "") begin
          $readmemh(InitFile, mem_q);
        end
      end
      always @(posedge clk_i) begin
        if (we_i) begin
          mem_q[waddr_i] <= wdata_i;
        end
        rdata_q <= mem_q[raddr_i];
      end
    end
  endgenerate

  assign rdata_o = rdata_q;
endmodule
{% include "partials/epilogue.v" %}
