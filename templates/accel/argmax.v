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
//   tree   the row's first maximum over its valid columns, a binary tree of TreeLevels =
//          ceil(log2 Cols) levels (at least 1) of compare-and-select, every level registered
//          (column 0 always counts: ncols_i >= 1), behind Levels - TreeLevels registers that
//          hold the row (Levels at least 3: with few columns the tree's first compare starts
//          from a flip-flop, not from the post-op units' logic); with such registers the
//          first level's compares are made a cycle early, so that level only selects;
//   store  the image's best value and class, from a store of Batch words read synchronously
//          three cycles before the write-back (the word is registered twice more and arrives
//          with the tree's result); the row's maximum is compared with the words it may meet
//          a cycle early, as the tree's root is registered, so the last cycle only chooses
//          and writes back. The words written in the three cycles before are forwarded when
//          they are the same image's; older writes are in the store.
module {= v.argmax =} (
{%- include "partials/ports.v" %}
);
  localparam integer Cols       = {= v.side =};
  localparam integer SumWidth   = {= v.sum_bits =};
  // The store's words: the batch (output-stationary: whole groups of Cols images, as the
  // image index counts them).
  localparam integer Batch      = {= v.argmax_store =};
  localparam integer CountWidth = {= v.count_bits =};
  localparam integer ImageWidth = {= v.image_bits =};
  localparam integer Levels     = {= v.argmax_levels =};
  localparam integer TreeLevels = {= v.argmax_tree_levels =};
  // Leaves of the tree (columns past Cols never win); a node's column index.
  localparam integer Leaves     = 1 << TreeLevels;
  localparam integer IdxWidth   = TreeLevels;
  // Nodes 1 .. 2*Leaves-1 (node k's children 2k, 2k+1; the leaves Leaves .. 2*Leaves-1), at
  // position k-1 of the node vectors.
  localparam integer Nodes      = 2 * Leaves - 1;
  // The sideband of a row: {first, last, image, base}.
  localparam integer SideWidth  = 2 + ImageWidth + CountWidth;
  localparam integer StoreWidth = SumWidth + CountWidth;

  genvar gk;

{%- if v.argmax_pre > 0 %}
  // The row and its valid columns, held Levels - TreeLevels cycles before the tree.
  localparam integer PreRegs    = Levels - TreeLevels;
  localparam integer PreWidth   = Cols * SumWidth + {= v.ncol_bits =};
  reg  [PreRegs*PreWidth-1:0]     pre_q;
  wire [(PreRegs+1)*PreWidth-1:0] pre_chain = {pre_q, ncols_i, row_i};
  always @(posedge clk_i) begin
    pre_q <= pre_chain[PreRegs*PreWidth-1:0];
  end
  wire [Cols*SumWidth-1:0]   row_t   = pre_chain[PreRegs*PreWidth +: Cols*SumWidth];
  wire [{= v.ncol_bits =}-1:0]          ncols_t = pre_chain[PreRegs*PreWidth+Cols*SumWidth +: {= v.ncol_bits =}];
  // The first level's compares are made a cycle early, from the row in the register before
  // the tree (or from row_i, the post-op units' output register, with one such register),
  // and registered (take1_q): the first level only selects, so a compare's carry chain and
  // the select's fanout are in different cycles.
  wire [Cols*SumWidth-1:0]   row_e   = pre_chain[(PreRegs-1)*PreWidth +: Cols*SumWidth];
  wire [{= v.ncol_bits =}-1:0]          ncols_e = pre_chain[(PreRegs-1)*PreWidth+Cols*SumWidth +: {= v.ncol_bits =}];
  wire [Cols-1:0]            valid_e = ~({Cols{1'b1}} << ncols_e);
  wire [Leaves/2-1:0]        take1;
  reg  [Leaves/2-1:0]        take1_q;
  generate
    for (gk = 0; gk < Leaves / 2; gk = gk + 1) begin : g_take1
      if (2 * gk + 1 < Cols) begin : g_pair
        wire [SumWidth-1:0] lval = row_e[(2*gk)*SumWidth +: SumWidth];
        wire [SumWidth-1:0] rval = row_e[(2*gk+1)*SumWidth +: SumWidth];
        wire [SumWidth-1:0] lk   = {~lval[SumWidth-1], lval[SumWidth-2:0]};
        wire [SumWidth-1:0] rk   = {~rval[SumWidth-1], rval[SumWidth-2:0]};
        assign take1[gk] = valid_e[2*gk+1] & (rk > lk);
      end else begin : g_single
        assign take1[gk] = 1'b0;
      end
    end
  endgenerate
  always @(posedge clk_i) begin
    take1_q <= take1;
  end
  // A pair's left column needs no validity here (the select takes it from leaf_ok), and an
  // odd last column has no pair.
  wire unused_e = ^{valid_e, row_e};
{%- else %}
  wire [Cols*SumWidth-1:0]   row_t   = row_i;
  wire [{= v.ncol_bits =}-1:0]          ncols_t = ncols_i;
{%- endif %}

  // The tree.
  wire [Cols-1:0]            col_valid = ~({Cols{1'b1}} << ncols_t);
  wire [Nodes*SumWidth-1:0]  node_val;
  wire [Nodes*IdxWidth-1:0]  node_idx;
  wire [Leaves-1:0]          leaf_ok;
  generate
    for (gk = Leaves; gk < 2 * Leaves; gk = gk + 1) begin : g_leaf
      if (gk == Leaves) begin : g_first
        assign node_val[(gk-1)*SumWidth +: SumWidth] = row_t[SumWidth-1:0];
        assign leaf_ok[gk-Leaves] = 1'b1;
      end else if (gk - Leaves < Cols) begin : g_col
        assign node_val[(gk-1)*SumWidth +: SumWidth] = row_t[(gk-Leaves)*SumWidth +: SumWidth];
        assign leaf_ok[gk-Leaves] = col_valid[gk-Leaves];
      end else begin : g_pad
        assign node_val[(gk-1)*SumWidth +: SumWidth] = {SumWidth{1'b0}};
        assign leaf_ok[gk-Leaves] = 1'b0;
      end
      localparam integer Col = gk - Leaves;
      assign node_idx[(gk-1)*IdxWidth +: IdxWidth] = Col[IdxWidth-1:0];
    end
    // Node k: the right child only when it is strictly larger, so the lowest column of equal
    // maxima wins. Valid columns are a prefix (column 0 always counts), so a right child
    // holds a valid column only when its left sibling does: the nodes of the first level
    // take a valid right child only, and give the most negative value when their left child
    // is not valid, which no node above takes over a valid left child. Compares are unsigned
    // on sign-flipped values (one carry chain each).
    for (gk = 1; gk < Leaves; gk = gk + 1) begin : g_node
      wire [SumWidth-1:0] lval = node_val[(2*gk-1)*SumWidth +: SumWidth];
      wire [SumWidth-1:0] rval = node_val[(2*gk)*SumWidth +: SumWidth];
      wire                lok;
      wire                take;
      if (2 * gk >= Leaves) begin : g_first_level
{%- if v.argmax_pre > 0 %}
        assign lok  = leaf_ok[2*gk-Leaves];
        assign take = take1_q[gk-Leaves/2];
{%- else %}
        wire [SumWidth-1:0] lk = {~lval[SumWidth-1], lval[SumWidth-2:0]};
        wire [SumWidth-1:0] rk = {~rval[SumWidth-1], rval[SumWidth-2:0]};
        assign lok  = leaf_ok[2*gk-Leaves];
        assign take = leaf_ok[2*gk+1-Leaves] & (rk > lk);
{%- endif %}
      end else begin : g_upper
        wire [SumWidth-1:0] lk = {~lval[SumWidth-1], lval[SumWidth-2:0]};
        wire [SumWidth-1:0] rk = {~rval[SumWidth-1], rval[SumWidth-2:0]};
        assign lok  = 1'b1;
        assign take = rk > lk;
      end
      reg  [SumWidth-1:0] val_q;
      reg  [IdxWidth-1:0] idx_q;
      always @(posedge clk_i) begin
        val_q <= !lok ? {1'b1, {(SumWidth-1){1'b0}}} : (take ? rval : lval);
        idx_q <= take ? node_idx[(2*gk)*IdxWidth +: IdxWidth]
                      : node_idx[(2*gk-1)*IdxWidth +: IdxWidth];
      end
      assign node_val[(gk-1)*SumWidth +: SumWidth] = val_q;
      assign node_idx[(gk-1)*IdxWidth +: IdxWidth] = idx_q;
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
  // A row's image three, two and one cycles before it reaches the store (entering the
  // tree's last three levels): the store's read address and the hit3_q compare (rd_image),
  // the hit2_q compare (a_image), the hit1_q compare (n_image); after the tree, the row's
  // maximum.
  wire [ImageWidth-1:0] rd_image = side_chain[(Levels-3)*SideWidth+CountWidth +: ImageWidth];
  wire [ImageWidth-1:0] a_image  = side_chain[(Levels-2)*SideWidth+CountWidth +: ImageWidth];
  wire [ImageWidth-1:0] n_image  = side_chain[(Levels-1)*SideWidth+CountWidth +: ImageWidth];
  wire                  r_valid  = tvalid_chain[Levels];
  wire                  r_first  = side_chain[Levels*SideWidth+SideWidth-1];
  wire                  r_last   = side_chain[Levels*SideWidth+SideWidth-2];
  wire [ImageWidth-1:0] r_image  = side_chain[Levels*SideWidth+CountWidth +: ImageWidth];
  wire [CountWidth-1:0] r_base   = side_chain[Levels*SideWidth +: CountWidth];
  wire [SumWidth-1:0]   r_val    = node_val[SumWidth-1:0];
  wire [CountWidth-1:0] r_cls    = r_base + {{(CountWidth-IdxWidth){1'b0}}, node_idx[IdxWidth-1:0]};

  // The store, read three cycles before the row's compare-and-write-back (the address
  // leaves with the row entering the tree's third level from the top); the word out of the
  // memory is registered twice more, rd1_q and rd2_q. The words written in the three cycles
  // before the write-back are not in the word read, so they are forwarded when they are the
  // same image's: the ones written three and two cycles before replace the word as it is
  // registered into rd1_q (hit3_q) and rd2_q (hit2_q); the one written in the previous
  // cycle (p_word_q) is used instead of rd2_q (hit1_q). Each hit is registered a cycle
  // ahead.
  //
  // The compares are made a cycle early, as the root is registered: both of the root's
  // children against every word the row may meet in the next cycle, each a register (the
  // memory's output register is not: its clock-to-out is long). Both children's results
  // are registered (l_gt_q, r_gt_q) and the root's choice, the top bit of its column index,
  // picks one set in the next cycle. The previous row's new word is not known a cycle
  // early, so its two candidates are compared instead (the previous row's maximum and the
  // word it met) and the previous row's choice (p_take_q) picks one; the third result is
  // the compare with rd2_q. The last cycle holds only these choices and the write-back mux.
  // The store is marked for block RAM (an iCE40 has no LUT RAM) without a read-during-write
  // bypass: the word written at the read's edge is forwarded (hit3_q).
  (* ram_style = "block", no_rw_check *)
  reg  [StoreWidth-1:0] store_q [0:Batch-1];
  reg  [StoreWidth-1:0] rd_q;
  reg  [StoreWidth-1:0] rd1_q;
  reg  [StoreWidth-1:0] rd2_q;
  reg  [StoreWidth-1:0] p_word_q;
  reg                   hit1_q;
  reg                   hit2_q;
  reg                   hit3_q;
  reg                   p_take_q;
  reg  [2:0]            l_gt_q, r_gt_q;
  wire [StoreWidth-1:0] old_word = hit1_q ? p_word_q : rd2_q;
  wire [StoreWidth-1:0] row_word = {r_val, r_cls};
  // The root's children.
  wire [SumWidth-1:0]   c_lval   = node_val[SumWidth +: SumWidth];
  wire [SumWidth-1:0]   c_rval   = node_val[2*SumWidth +: SumWidth];
  // Signed compares as unsigned ones of the values with the sign bit flipped (a carry chain
  // whose carry out is the result).
  wire [SumWidth-1:0]   l_key    = {~c_lval[SumWidth-1], c_lval[SumWidth-2:0]};
  wire [SumWidth-1:0]   r_key    = {~c_rval[SumWidth-1], c_rval[SumWidth-2:0]};
  wire [SumWidth-1:0]   row_key  = {~r_val[SumWidth-1], r_val[SumWidth-2:0]};
  wire [SumWidth-1:0]   pw_key   = {~p_word_q[StoreWidth-1], p_word_q[StoreWidth-2:CountWidth]};
  wire [SumWidth-1:0]   rd1_key  = {~rd1_q[StoreWidth-1], rd1_q[StoreWidth-2:CountWidth]};
  wire [SumWidth-1:0]   rd2_key  = {~rd2_q[StoreWidth-1], rd2_q[StoreWidth-2:CountWidth]};
  // Per child: greater than the previous row's maximum, the word written in the previous
  // cycle, rd1_q, rd2_q.
  wire [3:0]            l_gt     = {l_key > rd2_key, l_key > rd1_key,
                                  l_key > pw_key, l_key > row_key};
  wire [3:0]            r_gt     = {r_key > rd2_key, r_key > rd1_key,
                                  r_key > pw_key, r_key > row_key};
  // Per child, against the next row's words: {rd2_q as it is registered, the word this row
  // meets (old_word: hit1_q ? p_word_q : rd2_q), this row's maximum}.
  wire [2:0]            l_next   = {hit2_q ? l_gt[1] : l_gt[2],
                                  hit1_q ? l_gt[1] : l_gt[3], l_gt[0]};
  wire [2:0]            r_next   = {hit2_q ? r_gt[1] : r_gt[2],
                                  hit1_q ? r_gt[1] : r_gt[3], r_gt[0]};
  // The root's choice is the top bit of its column index.
  wire [2:0]            gt_q     = node_idx[IdxWidth-1] ? r_gt_q : l_gt_q;
  wire                  take     = r_first | (hit1_q ? (p_take_q ? gt_q[0] : gt_q[1]) : gt_q[2]);
  wire [StoreWidth-1:0] new_word = take ? row_word : old_word;
  always @(posedge clk_i) begin
    if (r_valid) begin
      store_q[r_image] <= new_word;
    end
    rd_q <= store_q[rd_image];
  end
  always @(posedge clk_i) begin
    rd1_q    <= hit3_q ? p_word_q : rd_q;
    rd2_q    <= hit2_q ? p_word_q : rd1_q;
    p_word_q <= new_word;
    p_take_q <= take;
    l_gt_q   <= l_next;
    r_gt_q   <= r_next;
  end

  reg                  class_valid_q;
  reg [ImageWidth-1:0] class_image_q;
  reg [CountWidth-1:0] class_q;
  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      hit1_q        <= 1'b0;
      hit2_q        <= 1'b0;
      hit3_q        <= 1'b0;
      class_valid_q <= 1'b0;
    end else begin
      hit1_q        <= r_valid & (r_image == n_image);
      hit2_q        <= r_valid & (r_image == a_image);
      hit3_q        <= r_valid & (r_image == rd_image);
      class_valid_q <= r_valid & r_last;
    end
  end
  always @(posedge clk_i) begin
    class_image_q <= r_image;
    class_q       <= new_word[CountWidth-1:0];
  end

  // Column 0 always counts; the inner nodes keep no validity.
  wire unused_ok = col_valid[0];
{%- if v.argmax_pre > 0 %}
  // The right leaves' validity went into take1_q a cycle earlier.
  wire unused_leaf_ok = ^leaf_ok;
{%- endif %}

  assign class_valid_o = class_valid_q;
  assign class_image_o = class_image_q;
  assign class_o       = class_q;
endmodule
{% include "partials/epilogue.v" %}
