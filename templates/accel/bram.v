{% include "partials/prologue.v" %}

// Deep memory with a two-cycle read: Depth words of Width bits in banks of BankDepth words
// (every bank whole, so the last may hold words past Depth), one write port and one read
// port; rdata_o shows the word at raddr_i two cycles later. Each bank is a {= v.bram_bank =}
// (one block RAM deep at 2048 words: an ECP5 DP16KD as 2048x9, an iCE40 SB_RAM40_4K as
// 2048x2), whose word is registered beside its block RAM (on an ECP5, in the block RAM's own
// output register); the bank is selected after that register. A memory several block RAMs
// deep thus never puts a block RAM's slow output and the depth multiplexer in one cycle, which
// is what held the 8x8 accelerator on the ECP5-85F to 73 MHz. InitFile, when not "", names the
// banks' $readmemh files: bank b reads <InitFile>_b<b in three decimal digits>.hex (potmac
// infer writes them beside the whole memory's file).
module {= v.bram =} #(
  // Bits per word.
  parameter integer Width         = 8,
  // Words.
  parameter integer Depth         = 16,
  // Address bits (at least clog2(Depth)).
  parameter integer AddrWidth     = 4,
  // Words per bank: 2**BankAddrWidth.
  parameter integer BankAddrWidth = 9,
  // 1: one single-port {= v.ram =} instead of the banks (its SinglePort), its word registered
  // once as the banks' are.
  parameter integer SinglePort    = 0,
  parameter         InitFile      = ""
) (
  input  wire                 clk_i,
  input  wire                 we_i,
  input  wire [AddrWidth-1:0] waddr_i,
  input  wire [Width-1:0]     wdata_i,
  input  wire [AddrWidth-1:0] raddr_i,
  output wire [Width-1:0]     rdata_o
);
  localparam integer BankDepth = 1 << BankAddrWidth;
  localparam integer Banks     = (Depth + BankDepth - 1) / BankDepth;

  genvar gb;
  generate
    if (SinglePort != 0) begin : g_single
      wire [Width-1:0] rd;
      reg  [Width-1:0] rd_q;
      {= v.ram =} #(.Width(Width), .Depth(Depth), .AddrWidth(AddrWidth), .SinglePort(1),
        .InitFile(InitFile == "" ? "" : {InitFile, ".hex"})) u_single (
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
    end else if (Banks == 1) begin : g_one
      {= v.bram_bank =} #(.Width(Width), .Depth(Depth), .AddrWidth(AddrWidth),
        .InitFile(InitFile == "" ? "" : {InitFile, "_b000.hex"})) u_bank (
        .clk_i   (clk_i),
        .we_i    (we_i),
        .waddr_i (waddr_i),
        .wdata_i (wdata_i),
        .raddr_i (raddr_i),
        .rdata_o (rdata_o)
      );
    end else begin : g_banks
      localparam integer SelWidth = AddrWidth - BankAddrWidth;
      wire [SelWidth-1:0] wsel = waddr_i[AddrWidth-1:BankAddrWidth];
      wire [SelWidth-1:0] rsel = raddr_i[AddrWidth-1:BankAddrWidth];
      wire [Banks*Width-1:0] words;
      for (gb = 0; gb < Banks; gb = gb + 1) begin : g_bank
        localparam [SelWidth-1:0] Sel   = gb;
        localparam integer        D2    = 48 + gb / 100;
        localparam integer        D1    = 48 + (gb / 10) % 10;
        localparam integer        D0    = 48 + gb % 10;
        wire [Width-1:0] rd;
        // Whether this bank is read: registered with the bank's read, then with its word.
        reg              hot1_q, hot2_q;
        {= v.bram_bank =} #(.Width(Width), .Depth(BankDepth), .AddrWidth(BankAddrWidth),
          .InitFile(InitFile == "" ? ""
                    : {InitFile, "_b", D2[7:0], D1[7:0], D0[7:0], ".hex"})) u_bank (
          .clk_i   (clk_i),
          .we_i    (we_i && (wsel == Sel)),
          .waddr_i (waddr_i[BankAddrWidth-1:0]),
          .wdata_i (wdata_i),
          .raddr_i (raddr_i[BankAddrWidth-1:0]),
          .rdata_o (rd)
        );
        always @(posedge clk_i) begin
          hot1_q <= (rsel == Sel);
          hot2_q <= hot1_q;
        end
        assign words[gb*Width +: Width] = rd & {Width{hot2_q}};
      end
      // The selected word: the OR of the banks' words, all but one of them zero.
      reg [Width-1:0] word;
      integer         b;
      always @(*) begin
        word = {Width{1'b0}};
        for (b = 0; b < Banks; b = b + 1) begin
          word = word | words[b*Width +: Width];
        end
      end
      assign rdata_o = word;
    end
  endgenerate
endmodule
{% include "partials/epilogue.v" %}
