{% include "partials/prologue.v" %}

// Running argmax over the last layer's logits, one entry per image of the batch: each output
// row (image_i, the N-tile's Cols logits, the first ncols_i of them valid, class index of
// column 0 = base_i) updates the image's best value and class. The first maximum wins, as in
// the integer model: within a row the lowest column, across rows only a strictly larger value
// replaces the stored one; first_i (the first N-tile) replaces it whatever it holds. With
// last_i (the last N-tile) the image's class leaves on class_o.
//
// Pipelined: class_valid_o follows valid_i by Levels + 1 = {= v.argmax_latency =} cycles; a row may enter every
// cycle, rows of one image back to back included:
//   tree   the row's first maximum over its valid columns, a binary tree of Levels levels of
//          compare-and-select (at least 2), every level registered (column 0 always counts:
//          ncols_i >= 1);
//   store  the image's best value and class, from a store of Batch words read synchronously
//          two cycles ahead (the word arrives with the tree's result), compared with the
//          row's maximum and written back in the same cycle. The words written in the two
//          cycles before are forwarded when they are the same image's; older writes are in
//          the store.
module {= v.argmax =} (
{%- include "partials/ports.v" %}
);
  localparam integer Cols       = {= v.side =};
  localparam integer SumWidth   = {= v.sum_bits =};
  localparam integer Batch      = {= v.batch =};
  localparam integer CountWidth = {= v.count_bits =};
  localparam integer ImageWidth = {= v.image_bits =};
  localparam integer Levels     = {= v.argmax_levels =};
  // Leaves of the tree (columns past Cols never win); a node's column index.
  localparam integer Leaves     = 1 << Levels;
  localparam integer IdxWidth   = Levels;
  // Nodes 1 .. 2*Leaves-1 (node k's children 2k, 2k+1; the leaves Leaves .. 2*Leaves-1), at
  // position k-1 of the node vectors.
  localparam integer Nodes      = 2 * Leaves - 1;
  // The sideband of a row: {first, last, image, base}.
  localparam integer SideWidth  = 2 + ImageWidth + CountWidth;
  localparam integer StoreWidth = SumWidth + CountWidth;

  genvar gk;

  // The tree.
  wire [Cols-1:0]            col_valid = ~({Cols{1'b1}} << ncols_i);
  wire [Nodes*SumWidth-1:0]  node_val;
  wire [Nodes*IdxWidth-1:0]  node_idx;
  wire [Nodes-1:0]           node_ok;
  generate
    for (gk = Leaves; gk < 2 * Leaves; gk = gk + 1) begin : g_leaf
      if (gk == Leaves) begin : g_first
        assign node_val[(gk-1)*SumWidth +: SumWidth] = row_i[SumWidth-1:0];
        assign node_ok[gk-1] = 1'b1;
      end else if (gk - Leaves < Cols) begin : g_col
        assign node_val[(gk-1)*SumWidth +: SumWidth] = row_i[(gk-Leaves)*SumWidth +: SumWidth];
        assign node_ok[gk-1] = col_valid[gk-Leaves];
      end else begin : g_pad
        assign node_val[(gk-1)*SumWidth +: SumWidth] = {SumWidth{1'b0}};
        assign node_ok[gk-1] = 1'b0;
      end
      localparam integer Col = gk - Leaves;
      assign node_idx[(gk-1)*IdxWidth +: IdxWidth] = Col[IdxWidth-1:0];
    end
    // Node k: the right child only when it is valid and strictly larger (or the left one is
    // not valid), so the lowest column of equal maxima wins.
    for (gk = 1; gk < Leaves; gk = gk + 1) begin : g_node
      wire [SumWidth-1:0] lval = node_val[(2*gk-1)*SumWidth +: SumWidth];
      wire [SumWidth-1:0] rval = node_val[(2*gk)*SumWidth +: SumWidth];
      wire                take = node_ok[2*gk]
                               & (~node_ok[2*gk-1] | ($signed(rval) > $signed(lval)));
      reg  [SumWidth-1:0] val_q;
      reg  [IdxWidth-1:0] idx_q;
      reg                 ok_q;
      always @(posedge clk_i) begin
        val_q <= take ? rval : lval;
        idx_q <= take ? node_idx[(2*gk)*IdxWidth +: IdxWidth]
                      : node_idx[(2*gk-1)*IdxWidth +: IdxWidth];
        ok_q  <= node_ok[2*gk-1] | node_ok[2*gk];
      end
      assign node_val[(gk-1)*SumWidth +: SumWidth] = val_q;
      assign node_idx[(gk-1)*IdxWidth +: IdxWidth] = idx_q;
      assign node_ok[gk-1]                         = ok_q;
    end
  endgenerate

  // The sideband beside the tree: position j of the chains is the row's after j registers.
  reg  [Levels*SideWidth-1:0]     side_q;
  reg  [Levels-1:0]               tvalid_q;
  wire [(Levels+1)*SideWidth-1:0] side_chain = {side_q, first_i, last_i, image_i, base_i};
  wire [Levels:0]                 tvalid_chain = {tvalid_q, valid_i};
  always @(posedge clk_i) begin
    side_q <= side_chain[Levels*SideWidth-1:0];
  end
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      tvalid_q <= {Levels{1'b0}};
    end else begin
      tvalid_q <= tvalid_chain[Levels-1:0];
    end
  end
  // Entering the tree's last but one level: the store's read address; entering its last
  // level: the next row to compare (n_image); after it, the row's maximum.
  wire [ImageWidth-1:0] rd_image = side_chain[(Levels-2)*SideWidth+CountWidth +: ImageWidth];
  wire [ImageWidth-1:0] n_image  = side_chain[(Levels-1)*SideWidth+CountWidth +: ImageWidth];
  wire                  r_valid  = tvalid_chain[Levels];
  wire                  r_first  = side_chain[Levels*SideWidth+SideWidth-1];
  wire                  r_last   = side_chain[Levels*SideWidth+SideWidth-2];
  wire [ImageWidth-1:0] r_image  = side_chain[Levels*SideWidth+CountWidth +: ImageWidth];
  wire [CountWidth-1:0] r_base   = side_chain[Levels*SideWidth +: CountWidth];
  wire [SumWidth-1:0]   r_val    = node_val[SumWidth-1:0];
  wire [CountWidth-1:0] r_cls    = r_base + {{(CountWidth-IdxWidth){1'b0}}, node_idx[IdxWidth-1:0]};

  // The store, read two cycles ahead (the address leaves with the row entering the tree's
  // last but one level; the word is registered once out of the memory, rd2_q). The words
  // written in the two cycles before the compare are not in the word read, so they are
  // forwarded: the one written two cycles before replaces the word read as it is registered
  // (when it is the same image's), the one written in the previous cycle is kept as its two
  // candidates and the choice between them (p_row_q, p_old_q, p_take_q) and used when it is
  // the same image's (hit1_q, registered a cycle ahead). The row's maximum is compared with
  // the three candidates at once, and the late compare result feeds no register's hold path.
  reg  [StoreWidth-1:0] store_q [0:Batch-1];
  reg  [StoreWidth-1:0] rd_q;
  reg  [StoreWidth-1:0] rd2_q;
  reg                   hit1_q;
  reg                   p_valid_q;
  reg  [ImageWidth-1:0] p_image_q;
  reg                   p_take_q;
  reg  [StoreWidth-1:0] p_row_q, p_old_q;
  wire [StoreWidth-1:0] p_word   = p_take_q ? p_row_q : p_old_q;
  wire                  hit2     = p_valid_q & (p_image_q == n_image);
  wire [StoreWidth-1:0] old_word = hit1_q ? p_word : rd2_q;
  wire [StoreWidth-1:0] row_word = {r_val, r_cls};
  // Signed compares as unsigned ones of the values with the sign bit flipped (a carry chain
  // whose carry out is the result).
  wire [SumWidth-1:0]   r_key    = {~r_val[SumWidth-1], r_val[SumWidth-2:0]};
  wire [SumWidth-1:0]   row_key  = {~p_row_q[StoreWidth-1], p_row_q[StoreWidth-2:CountWidth]};
  wire [SumWidth-1:0]   old_key  = {~p_old_q[StoreWidth-1], p_old_q[StoreWidth-2:CountWidth]};
  wire [SumWidth-1:0]   rd_key   = {~rd2_q[StoreWidth-1], rd2_q[StoreWidth-2:CountWidth]};
  wire                  gt_row   = r_key > row_key;
  wire                  gt_old   = r_key > old_key;
  wire                  gt_rd    = r_key > rd_key;
  wire                  take     = r_first | (hit1_q & p_take_q & gt_row)
                                 | (hit1_q & ~p_take_q & gt_old) | (~hit1_q & gt_rd);
  wire [StoreWidth-1:0] new_word = take ? row_word : old_word;
  always @(posedge clk_i) begin
    if (r_valid) begin
      store_q[r_image] <= new_word;
    end
    rd_q <= store_q[rd_image];
  end
  always @(posedge clk_i) begin
    rd2_q     <= hit2 ? p_word : rd_q;
    p_image_q <= r_image;
    p_take_q  <= take;
    p_row_q   <= row_word;
    p_old_q   <= old_word;
  end

  reg                  class_valid_q;
  reg [ImageWidth-1:0] class_image_q;
  reg [CountWidth-1:0] class_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      hit1_q        <= 1'b0;
      p_valid_q     <= 1'b0;
      class_valid_q <= 1'b0;
    end else begin
      hit1_q        <= r_valid & (r_image == n_image);
      p_valid_q     <= r_valid;
      class_valid_q <= r_valid & r_last;
    end
  end
  always @(posedge clk_i) begin
    class_image_q <= r_image;
    class_q       <= new_word[CountWidth-1:0];
  end

  // Column 0 always counts, so the root is always valid.
  wire unused_ok = ^{node_ok[0], col_valid[0]};

  assign class_valid_o = class_valid_q;
  assign class_image_o = class_image_q;
  assign class_o       = class_q;
endmodule
{% include "partials/epilogue.v" %}
