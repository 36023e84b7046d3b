
  // Overflow when the two top bits of the wide sum differ: then the most positive (top bit 0)
  // or the most negative (top bit 1) accumulator value.
  wire                sum_ovf = sum_w[AccWidth] ^ sum_w[AccWidth-1];
  wire [AccWidth-1:0] sum     = sum_ovf ? {sum_w[AccWidth], {(AccWidth-1){~sum_w[AccWidth]}}}
                                        : sum_w[AccWidth-1:0];