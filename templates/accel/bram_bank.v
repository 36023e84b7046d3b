{% include "partials/prologue.v" %}

// One bank of {= v.bram =}: Depth words of Width bits (at most 2048), one write port and one
// read port, read in two cycles (rdata_o shows the word at raddr_i two cycles later): a
// {= v.ram =} whose word is registered beside it. The seam for technology wrappers:
// - Lattice ECP5 (the ECP5 synthesis scripts define POTMAC_ECP5), when the memory has no
//   initialization file: DP16KD block RAMs side by side, each 2048 words of 9 bits, written on
//   port A and read on port B through the block RAM's own output register (REGMODE_B
//   "OUTREG"). Yosys infers block RAM without that register and would put the second register
//   in the fabric, behind the block RAM's slow clock-to-out (5.6-5.8 ns in nextpnr's model);
//   here the word leaves the block RAM from a register. The simulators and linters never
//   define POTMAC_ECP5 and elaborate the inferred bank.
module {= v.bram_bank =} #(
  // Bits per word.
  parameter integer Width     = 9,
  // Words (at most 2048).
  parameter integer Depth     = 2048,
  // Address bits (at least clog2(Depth), at most 11).
  parameter integer AddrWidth = 11,
  // A $readmemh file that fills the bank at configuration; "" for none.
  parameter         InitFile  = ""
) (
  input  wire                 clk_i,
  input  wire                 we_i,
  input  wire [AddrWidth-1:0] waddr_i,
  input  wire [Width-1:0]     wdata_i,
  input  wire [AddrWidth-1:0] raddr_i,
  output wire [Width-1:0]     rdata_o
);
`ifdef POTMAC_ECP5
  localparam integer Ecp5 = 1;
  genvar gk;
`else
  localparam integer Ecp5 = 0;
`endif

  generate
    if (Ecp5 != 0 && InitFile == "") begin : g_ecp5
`ifdef POTMAC_ECP5
      // The addresses widened to the block RAM's 11 bits; block RAMs side by side, 9 bits
      // each, the last one's spare bits written as 0 (the word zero-extended).
      localparam integer Blocks = (Width + 8) / 9;
      wire [10:0]         wa = waddr_i;
      wire [10:0]         ra = raddr_i;
      wire [Blocks*9-1:0] wdata;
      wire [Blocks*9-1:0] rdata;
      assign wdata = wdata_i;
      for (gk = 0; gk < Blocks; gk = gk + 1) begin : g_block
        wire [8:0] di = wdata[gk*9 +: 9];
        wire [8:0] dout;
        // 2048x9 on both ports: the word address is AD[13:3]; AD[2:0] are 0.
        DP16KD #(
          .DATA_WIDTH_A        (9),
          .DATA_WIDTH_B        (9),
          .REGMODE_A           ("NOREG"),
          .REGMODE_B           ("OUTREG"),
          .RESETMODE           ("SYNC"),
          .ASYNC_RESET_RELEASE ("SYNC"),
          .CSDECODE_A          ("0b000"),
          .CSDECODE_B          ("0b000"),
          .WRITEMODE_A         ("NORMAL"),
          .WRITEMODE_B         ("NORMAL"),
          .GSR                 ("DISABLED")
        ) u_dp16kd (
          .CLKA  (clk_i),
          .CEA   (1'b1),
          .OCEA  (1'b1),
          .WEA   (we_i),
          .RSTA  (1'b0),
          .CSA0  (1'b0),
          .CSA1  (1'b0),
          .CSA2  (1'b0),
          .ADA0  (1'b0),
          .ADA1  (1'b0),
          .ADA2  (1'b0),
          .ADA3  (wa[0]),
          .ADA4  (wa[1]),
          .ADA5  (wa[2]),
          .ADA6  (wa[3]),
          .ADA7  (wa[4]),
          .ADA8  (wa[5]),
          .ADA9  (wa[6]),
          .ADA10 (wa[7]),
          .ADA11 (wa[8]),
          .ADA12 (wa[9]),
          .ADA13 (wa[10]),
          .DIA0  (di[0]),
          .DIA1  (di[1]),
          .DIA2  (di[2]),
          .DIA3  (di[3]),
          .DIA4  (di[4]),
          .DIA5  (di[5]),
          .DIA6  (di[6]),
          .DIA7  (di[7]),
          .DIA8  (di[8]),
          .DIA9  (1'b0),
          .DIA10 (1'b0),
          .DIA11 (1'b0),
          .DIA12 (1'b0),
          .DIA13 (1'b0),
          .DIA14 (1'b0),
          .DIA15 (1'b0),
          .DIA16 (1'b0),
          .DIA17 (1'b0),
          .CLKB  (clk_i),
          .CEB   (1'b1),
          .OCEB  (1'b1),
          .WEB   (1'b0),
          .RSTB  (1'b0),
          .CSB0  (1'b0),
          .CSB1  (1'b0),
          .CSB2  (1'b0),
          .ADB0  (1'b0),
          .ADB1  (1'b0),
          .ADB2  (1'b0),
          .ADB3  (ra[0]),
          .ADB4  (ra[1]),
          .ADB5  (ra[2]),
          .ADB6  (ra[3]),
          .ADB7  (ra[4]),
          .ADB8  (ra[5]),
          .ADB9  (ra[6]),
          .ADB10 (ra[7]),
          .ADB11 (ra[8]),
          .ADB12 (ra[9]),
          .ADB13 (ra[10]),
          .DIB0  (1'b0),
          .DIB1  (1'b0),
          .DIB2  (1'b0),
          .DIB3  (1'b0),
          .DIB4  (1'b0),
          .DIB5  (1'b0),
          .DIB6  (1'b0),
          .DIB7  (1'b0),
          .DIB8  (1'b0),
          .DIB9  (1'b0),
          .DIB10 (1'b0),
          .DIB11 (1'b0),
          .DIB12 (1'b0),
          .DIB13 (1'b0),
          .DIB14 (1'b0),
          .DIB15 (1'b0),
          .DIB16 (1'b0),
          .DIB17 (1'b0),
          .DOB0  (dout[0]),
          .DOB1  (dout[1]),
          .DOB2  (dout[2]),
          .DOB3  (dout[3]),
          .DOB4  (dout[4]),
          .DOB5  (dout[5]),
          .DOB6  (dout[6]),
          .DOB7  (dout[7]),
          .DOB8  (dout[8])
        );
        assign rdata[gk*9 +: 9] = dout;
      end

      assign rdata_o = rdata[Width-1:0];
`endif
    end else begin : g_infer
      wire [Width-1:0] rd;
      reg  [Width-1:0] rd_q;
      {= v.ram =} #(.Width(Width), .Depth(Depth), .AddrWidth(AddrWidth),
        .InitFile(InitFile)) u_ram (
        .clk_i   (clk_i),
        .we_i    (we_i),
        .waddr_i (waddr_i),
        .wdata_i (wdata_i),
        .raddr_i (raddr_i),
        .rdata_o (rd)
      );
      always @(posedge clk_i) begin
        rd_q <= rd;
      end
      assign rdata_o = rd_q;
    end
  endgenerate
endmodule
{% include "partials/epilogue.v" %}
