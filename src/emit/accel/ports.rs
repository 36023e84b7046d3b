//! The port lists of the accelerator's modules (post-op unit, sequencers, argmax, tops), in
//! the order the templates declare them.

use super::AccelView;
use crate::emit::ports::Port;

pub(super) fn postop_ports(v: &AccelView) -> Vec<Port> {
    vec![
        Port::input("clk_i", 1),
        Port::input("rst_ni", 1),
        Port::input("valid_i", 1),
        Port::input("bypass_i", 1).note("Last layer: out_o = acc_i + bias_i."),
        Port::input("m_i", v.m_bits).note("Requantization multiplier (unsigned) and shift."),
        Port::input("s_i", v.s_bits),
        Port::input("acc_i", v.acc),
        Port::input("bias_i", v.bias_bits),
        Port::output("valid_o", 1),
        Port::output("out_o", v.sum_bits)
            .note("The activation (zero-extended) or, with bypass, the sum."),
    ]
}

pub(super) fn seq_ports(v: &AccelView) -> Vec<Port> {
    let c = v.count_bits;
    vec![
        Port::input("clk_i", 1),
        Port::input("rst_ni", 1),
        Port::input("start_i", 1).note("Start a pass over batch_i images."),
        Port::input("batch_i", v.batch_bits),
        Port::input("desc_i", v.desc_bits).note("The program memory's word at prog_addr_o."),
        Port::output("busy_o", 1),
        Port::output("done_o", 1),
        Port::output("prog_addr_o", v.p_addr),
        Port::output("sel_o", 1).note("The activation buffer read by this layer."),
        Port::output("last_o", 1).note("The current layer's descriptor: last, M, S."),
        Port::output("m_o", v.m_bits),
        Port::output("s_o", v.s_bits),
        Port::output("w_re_o", 1).note("Stage 0: memory reads for the next cycle."),
        Port::output("w_addr_o", v.w_addr),
        Port::output("a_re_o", 1),
        Port::output("a_addr_o", v.a_addr),
        Port::output("first_kt_o", 1).note("The streamed row's tag."),
        Port::output("last_kt_o", 1),
        Port::output("first_nt_o", 1),
        Port::output("last_nt_o", 1),
        Port::output("image_o", v.image_bits),
        Port::output("out_addr_o", v.a_addr),
        Port::output("ncols_o", v.ncol_bits),
        Port::output("cbase_o", c),
        Port::output("baddr_o", v.b_addr),
        Port::output("tile_o", c),
    ]
}

pub(super) fn seq_os_ports(v: &AccelView) -> Vec<Port> {
    let c = v.count_bits;
    vec![
        Port::input("clk_i", 1),
        Port::input("rst_ni", 1),
        Port::input("start_i", 1).note("Start a pass over batch_i images."),
        Port::input("batch_i", v.batch_bits),
        Port::input("desc_i", v.desc_bits).note("The program memory's word at prog_addr_o."),
        Port::output("busy_o", 1),
        Port::output("done_o", 1),
        Port::output("prog_addr_o", v.p_addr),
        Port::output("sel_o", 1).note("The activation buffer read by this layer."),
        Port::output("last_o", 1).note("The current layer's descriptor: last, M, S; the batch."),
        Port::output("m_o", v.m_bits),
        Port::output("s_o", v.s_bits),
        Port::output("batch_o", v.batch_bits),
        Port::output("step_o", 1).note("Stage 0: one step (memory reads for the next cycle)."),
        Port::output("last_k_o", 1),
        Port::output("w_addr_o", v.w_addr),
        Port::output("a_addr_o", v.a_addr),
        Port::output("kel_o", v.col_bits),
        Port::output("first_nt_o", 1).note("The tile's tag."),
        Port::output("last_nt_o", 1),
        Port::output("ibase_o", v.image_bits),
        Port::output("out_addr_o", v.a_addr),
        Port::output("ncols_o", v.ncol_bits),
        Port::output("cbase_o", c),
        Port::output("baddr_o", v.b_addr),
        Port::output("tile_o", c),
    ]
}

pub(super) fn argmax_ports(v: &AccelView) -> Vec<Port> {
    vec![
        Port::input("clk_i", 1),
        Port::input("rst_ni", 1),
        Port::input("valid_i", 1).note("One output row of the last layer."),
        Port::input("first_i", 1),
        Port::input("last_i", 1),
        Port::input("image_i", v.image_bits),
        Port::input("base_i", v.count_bits),
        Port::input("ncols_i", v.ncol_bits),
        Port::input("row_i", v.side * v.sum_bits).vector(),
        Port::output("class_valid_o", 1),
        Port::output("class_image_o", v.image_bits),
        Port::output("class_o", v.count_bits),
    ]
}

pub(super) fn top_ports(v: &AccelView) -> Vec<Port> {
    vec![
        Port::input("clk_i", 1),
        Port::input("rst_ni", 1),
        Port::input("start_i", 1).note("Run the program over batch_i images in buffer 0."),
        Port::input("batch_i", v.batch_bits),
        Port::output("busy_o", 1),
        Port::output("done_o", 1),
        Port::output("class_valid_o", 1).note("One image's class (its index in the pass)."),
        Port::output("class_image_o", v.image_bits),
        Port::output("class_o", v.count_bits),
        Port::output("obs_valid_o", 1).note("Every post-op output row, for debugging."),
        Port::output("obs_last_o", 1),
        Port::output("obs_layer_o", v.p_addr),
        Port::output("obs_image_o", v.image_bits),
        Port::output("obs_tile_o", v.count_bits),
        Port::output("obs_row_o", v.side * v.sum_bits).vector(),
    ]
}

pub(super) fn top_os_ports(v: &AccelView) -> Vec<Port> {
    let mut p = top_ports(v);
    p.extend([
        Port::input("host_we_i", 1).note("Host write of activation buffer 0 (while idle)."),
        Port::input("host_bank_i", v.col_bits),
        Port::input("host_addr_i", v.a_addr),
        Port::input("host_data_i", v.side * v.act_bits).vector(),
    ]);
    p
}
