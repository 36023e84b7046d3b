{% include "partials/prologue.v" %}

// Running argmax over the last layer's logits, one entry per image of the batch: each output
// row (image_i, the N-tile's Cols logits, the first ncols_i of them valid, class index of
// column 0 = base_i) updates the image's best value and class. The first maximum wins, as in
// the integer model: within a row the lowest column, across rows only a strictly larger value
// replaces the stored one. With last_i (the last N-tile) the image's class leaves on class_o
// one cycle later.
module {= v.argmax =} (
{%- include "partials/ports.v" %}
);
  localparam integer Cols       = {= v.side =};
  localparam integer SumWidth   = {= v.sum_bits =};
  localparam integer Batch      = {= v.batch =};
  localparam integer CountWidth = {= v.count_bits =};
  localparam integer ImageWidth = {= v.image_bits =};

  reg  [SumWidth-1:0]   best_val_q [0:Batch-1];
  reg  [CountWidth-1:0] best_cls_q [0:Batch-1];
  wire [Cols-1:0]       col_valid;
  reg  [SumWidth-1:0]   row_val;
  reg  [CountWidth-1:0] row_col;
  wire [SumWidth-1:0]   old_val;
  wire [CountWidth-1:0] old_cls;
  wire                  take;
  wire [SumWidth-1:0]   new_val;
  wire [CountWidth-1:0] new_cls;
  reg                   class_valid_q;
  reg  [ImageWidth-1:0] class_image_q;
  reg  [CountWidth-1:0] class_q;
  integer c;

  assign col_valid = ~({Cols{1'b1}} << ncols_i);

  // The row's first maximum over its valid columns.
  always @(*) begin
    row_val = row_i[SumWidth-1:0];
    row_col = {CountWidth{1'b0}};
    for (c = 1; c < Cols; c = c + 1) begin
      if (col_valid[c] && $signed(row_i[c*SumWidth +: SumWidth]) > $signed(row_val)) begin
        row_val = row_i[c*SumWidth +: SumWidth];
        row_col = c[CountWidth-1:0];
      end
    end
  end

  assign old_val = best_val_q[image_i];
  assign old_cls = best_cls_q[image_i];
  assign take    = first_i | ($signed(row_val) > $signed(old_val));
  assign new_val = take ? row_val : old_val;
  assign new_cls = take ? base_i + row_col : old_cls;

  always @(posedge clk_i) begin
    if (valid_i) begin
      best_val_q[image_i] <= new_val;
      best_cls_q[image_i] <= new_cls;
    end
  end

  always @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      class_valid_q <= 1'b0;
      class_image_q <= {ImageWidth{1'b0}};
      class_q       <= {CountWidth{1'b0}};
    end else begin
      class_valid_q <= valid_i & last_i;
      class_image_q <= image_i;
      class_q       <= new_cls;
    end
  end

  assign class_valid_o = class_valid_q;
  assign class_image_o = class_image_q;
  assign class_o       = class_q;
endmodule
{% include "partials/epilogue.v" %}
