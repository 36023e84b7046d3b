//! The port lists of the array's modules (PE, mesh, top) and the stimulus packing order of
//! its inputs.

use super::ArrayView;
use crate::config::{ArrayShape, Dataflow, Design};
use crate::emit::ports::Port;

/// The ports of the PE.
pub(super) fn pe_ports(v: &ArrayView, df: Dataflow) -> Vec<Port> {
    let (a, w, acc) = (v.act_bits, v.w_bits, v.acc);
    let clk = [Port::input("clk_i", 1), Port::input("rst_ni", 1)];
    let mut p = clk.to_vec();
    match df {
        Dataflow::Ws => p.extend([
            Port::input("valid_i", 1).note("From the left neighbour (or the row's input skew)."),
            Port::input("act_i", a),
            Port::input("psum_i", acc)
                .note("From the PE above (or the column's partial-sum input skew)."),
            Port::input("w_we_i", 1).note(
                "Weight load: w_we_i writes w_i into the weight register; from the left \
                 neighbour (or the row's weight pointer).",
            ),
            Port::input("w_i", w),
            Port::output("valid_o", 1).note("To the right neighbour."),
            Port::output("act_o", a),
            Port::output("w_we_o", 1)
                .note("The write enable, one cycle later: the weight load's diagonal."),
            Port::output("psum_o", acc).note("To the PE below (registered in the MAC)."),
        ]),
        Dataflow::Os => p.extend([
            Port::input("valid_i", 1).note("From the left neighbour (or the row's input skew)."),
            Port::input("first_i", 1),
            Port::input("act_i", a),
            Port::input("w_i", w).note("From the PE above (or the column's weight skew)."),
            Port::input("cap_i", 1)
                .note("Column capture strobe and the output chain from the PE below."),
            Port::input("out_i", acc),
            Port::output("valid_o", 1).note("To the right neighbour."),
            Port::output("first_o", 1),
            Port::output("act_o", a),
            Port::output("w_o", w).note("To the PE below."),
            Port::output("out_o", acc).note("Output chain, to the PE above."),
        ]),
    }
    p
}

/// The ports of the mesh.
pub(super) fn mesh_ports(v: &ArrayView, df: Dataflow) -> Vec<Port> {
    let (r, c) = (v.rows, v.cols);
    let (a, w, acc) = (v.act_bits, v.w_bits, v.acc);
    let mut p = vec![Port::input("clk_i", 1), Port::input("rst_ni", 1)];
    p.push(
        Port::input("valid_i", r)
            .vector()
            .note("Left edge, one per row."),
    );
    if df == Dataflow::Os {
        p.push(Port::input("first_i", r).vector());
    }
    p.push(Port::input("act_i", r * a).vector());
    match df {
        Dataflow::Ws => p.extend([
            Port::input("psum_i", c * acc)
                .vector()
                .note("Top edge, one per column: partial sums entering row 0."),
            Port::input("w_we_i", r)
                .vector()
                .note("Weight load: write enable per row, weight code per column."),
            Port::input("w_i", c * w).vector(),
            Port::output("psum_o", c * acc)
                .vector()
                .note("Bottom edge, one per column."),
        ]),
        Dataflow::Os => p.extend([
            Port::input("w_i", c * w)
                .vector()
                .note("Top edge, one per column."),
            Port::input("cap_i", c)
                .vector()
                .note("Capture strobe per column; results leave at the top edge."),
            Port::output("out_o", c * acc).vector(),
        ]),
    }
    p
}

/// The ports of the array top: the inputs a stimulus word packs, then the outputs.
pub(super) fn top_ports(d: &Design, a: &ArrayShape) -> Vec<Port> {
    let mut p = vec![Port::input("clk_i", 1), Port::input("rst_ni", 1)];
    p.extend(
        input_ports(d, a)
            .into_iter()
            .map(|(n, b)| Port::input(n, b)),
    );
    p.extend([
        Port::output("out_valid_o", 1),
        Port::output("out_row_o", a.cols * d.widths.acc).vector(),
    ]);
    p
}

/// The array's input ports (name, width), MSB first as packed in a stimulus word.
pub(super) fn input_ports(d: &Design, a: &ArrayShape) -> Vec<(&'static str, u32)> {
    let (r, c) = (a.rows, a.cols);
    let (aw, w, acc) = (d.act.bits(), d.weights.bits(), d.widths.acc);
    match a.dataflow {
        Dataflow::Ws => vec![
            ("w_valid_i", 1),
            ("in_valid_i", 1),
            ("w_row_i", c * w),
            ("in_row_i", r * aw),
            ("psum_row_i", c * acc),
        ],
        Dataflow::Os => vec![
            ("in_valid_i", 1),
            ("in_last_i", 1),
            ("in_act_i", r * aw),
            ("in_w_i", c * w),
        ],
    }
}

/// The ports of the place-and-route wrapper: one serial input (a shift chain feeding every
/// array input) and one registered parity output, so the array fits any package.
pub(super) fn pnr_ports() -> Vec<Port> {
    vec![
        Port::input("clk_i", 1),
        Port::input("rst_ni", 1),
        Port::input("sin_i", 1),
        Port::output("sout_o", 1),
    ]
}
