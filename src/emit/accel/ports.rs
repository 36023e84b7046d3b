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
        Port::input("m_i", v.m_bits)
            .note("Requantization multiplier (unsigned) and shift: the column's own."),
        Port::input("s_i", v.s_bits),
        Port::input("acc_i", v.acc),
        Port::input("bias_i", v.bias_bits),
        Port::output("valid_o", 1),
        Port::output("out_o", v.sum_bits)
            .note("The activation (zero-extended) or, with bypass, the sum."),
    ]
}

/// The pass-control ports every sequencer starts with.
fn seq_control(v: &AccelView) -> Vec<Port> {
    vec![
        Port::input("clk_i", 1),
        Port::input("rst_ni", 1),
        Port::input("start_i", 1)
            .note("Start a pass over batch_i images in input half half_i of buffer 0."),
        Port::input("batch_i", v.batch_bits),
        Port::input("half_i", 1),
        Port::input("out_room_i", 1).note("The output writer is empty."),
        Port::input("desc_i", v.desc_bits).note("The program memory's word at prog_addr_o."),
        Port::output("busy_o", 1),
        Port::output("done_o", 1),
        Port::output("stall_o", 1).note("The last layer's FETCH waits for out_room_i."),
        Port::output("fail_o", 1)
            .note("CHECK found an invalid program: {out_tiles, no_last, n, k_tiles}."),
        Port::output("err_o", 4),
        Port::output("prog_addr_o", v.p_addr),
        Port::output("sel_o", 1).note("The activation buffer read by this layer."),
    ]
}

pub(super) fn seq_ports(v: &AccelView) -> Vec<Port> {
    let mut p = seq_control(v);
    p.extend([
        Port::output("last_o", 1).note("The current layer is the last."),
        Port::output("fetch_o", 1)
            .note("A layer starts: its N, N-tiles, bias base and output base follow."),
        Port::output("n_o", v.count_bits),
        Port::output("n_tiles_o", v.count_bits),
        Port::output("b_base_o", v.b_addr),
        Port::output("obase_o", v.a_addr),
        Port::output("w_re_o", 1).note("Stage 0: memory reads for the next cycle."),
        Port::output("w_addr_o", v.w_addr),
        Port::output("a_re_o", 1),
        Port::output("a_addr_o", v.a_addr),
        Port::output("zero_o", 1).note("The row's kernel position is in the padding."),
        Port::output("first_kt_o", 1).note("The streamed row's tag."),
        Port::output("last_kt_o", 1),
        Port::output("wfirst_o", 1)
            .note("First and last row of an output window (the pool's 2x2, else each row)."),
        Port::output("wlast_o", 1),
        Port::output("ntend_o", 1).note("The N-tile's last row."),
        Port::output("image_o", v.image_bits),
        Port::output("prow_o", v.prow_bits).note("The row's partial-sum row."),
    ]);
    p
}

pub(super) fn seq_os_ports(v: &AccelView) -> Vec<Port> {
    let c = v.count_bits;
    let mut p = seq_control(v);
    p.extend([
        Port::output("last_o", 1).note("The current layer is the last; the pass's batch."),
        Port::output("batch_o", v.batch_bits),
        Port::output("step_o", 1).note("Stage 0: one step (memory reads for the next cycle)."),
        Port::output("last_k_o", 1),
        Port::output("w_addr_o", v.w_addr),
        Port::output("a_addr_o", v.a_addr),
        Port::output("zero_o", 1).note("The step's kernel position is in the padding."),
        Port::output("kel_o", v.col_bits),
        Port::output("first_nt_o", 1).note("The tile's tag."),
        Port::output("last_nt_o", 1),
        Port::output("wfirst_o", 1)
            .note("First and last tile of an output window (the pool's 2x2, else each tile)."),
        Port::output("wlast_o", 1),
        Port::output("ibase_o", v.image_bits),
        Port::output("out_addr_o", v.a_addr),
        Port::output("ncols_o", v.ncol_bits),
        Port::output("cbase_o", c),
        Port::output("baddr_o", v.b_addr),
        Port::output("tile_o", c),
    ]);
    p
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

/// The datapath's ports (ws and os alike, os with the input's bank).
pub(super) fn core_ports(v: &AccelView) -> Vec<Port> {
    let mut p = vec![
        Port::input("clk_i", 1),
        Port::input("rst_ni", 1),
        Port::input("start_i", 1)
            .note("Run the program over batch_i images in input half half_i of buffer 0."),
        Port::input("batch_i", v.batch_bits),
        Port::input("half_i", 1),
        Port::input("out_room_i", 1),
        Port::output("busy_o", 1),
        Port::output("done_o", 1),
        Port::output("stall_o", 1),
        Port::output("fail_o", 1),
        Port::output("err_o", 4),
        Port::input("pm_we_i", 1).note("Memory writes: program, weights, biases."),
        Port::input("pm_addr_i", v.p_addr),
        Port::input("pm_data_i", v.desc_bits).vector(),
        Port::input("wm_we_i", 1),
        Port::input("wm_addr_i", v.w_addr),
        Port::input("wm_data_i", v.wmem_bits).vector(),
        Port::input("bm_we_i", 1),
        Port::input("bm_addr_i", v.b_addr),
        Port::input("bm_data_i", v.bmem_bits).vector(),
        Port::input("in_we_i", 1).note("Image words into buffer 0 (not while act0_busy_o)."),
    ];
    if v.os {
        p.push(Port::input("in_bank_i", v.col_bits));
    }
    p.extend([
        Port::input("in_addr_i", v.a_addr),
        Port::input("in_data_i", v.side * v.act_bits).vector(),
        Port::output("act0_busy_o", 1),
        Port::output("row_valid_o", 1).note("Every post-op output row."),
        Port::output("row_last_o", 1),
        Port::output("row_lnt_o", 1),
        Port::output("row_layer_o", v.p_addr),
        Port::output("row_image_o", v.image_bits),
        Port::output("row_tile_o", v.count_bits),
        Port::output("row_o", v.side * v.sum_bits).vector(),
        Port::output("class_valid_o", 1).note("One image's class (its index in the pass)."),
        Port::output("class_image_o", v.image_bits),
        Port::output("class_o", v.count_bits),
    ]);
    p
}

/// The AXI4-Lite slave's ports (verilog-axi naming, with _i/_o).
fn axil_ports(aw: u32) -> Vec<Port> {
    vec![
        Port::input("s_axil_awaddr_i", aw).note("AXI4-Lite slave (32-bit data)."),
        Port::input("s_axil_awprot_i", 3),
        Port::input("s_axil_awvalid_i", 1),
        Port::output("s_axil_awready_o", 1),
        Port::input("s_axil_wdata_i", 32),
        Port::input("s_axil_wstrb_i", 4),
        Port::input("s_axil_wvalid_i", 1),
        Port::output("s_axil_wready_o", 1),
        Port::output("s_axil_bresp_o", 2),
        Port::output("s_axil_bvalid_o", 1),
        Port::input("s_axil_bready_i", 1),
        Port::input("s_axil_araddr_i", aw),
        Port::input("s_axil_arprot_i", 3),
        Port::input("s_axil_arvalid_i", 1),
        Port::output("s_axil_arready_o", 1),
        Port::output("s_axil_rdata_o", 32),
        Port::output("s_axil_rresp_o", 2),
        Port::output("s_axil_rvalid_o", 1),
        Port::input("s_axil_rready_i", 1),
    ]
}

/// The accelerator's top: clock, reset, interrupt and the AXI ports only.
pub(super) fn top_ports(v: &AccelView) -> Vec<Port> {
    let mut p = vec![Port::input("clk_i", 1), Port::input("rst_ni", 1)];
    p.extend(axil_ports(v.axil_addr));
    p.extend([
        Port::input("s_axis_tdata_i", v.side * v.act_bits)
            .vector()
            .note("AXI4-Stream slave: images, one activation word a beat."),
        Port::input("s_axis_tvalid_i", 1),
        Port::output("s_axis_tready_o", 1),
        Port::input("s_axis_tlast_i", 1),
        Port::output("m_axis_tdata_o", v.out_width)
            .note("AXI4-Stream master: records (rows with classes, logits, pass ends)."),
        Port::output("m_axis_tuser_o", v.user_width),
        Port::output("m_axis_tvalid_o", 1),
        Port::input("m_axis_tready_i", 1),
        Port::output("m_axis_tlast_o", 1),
        Port::output("irq_o", 1).note("A run finished or an error bit was set."),
    ]);
    p
}

pub(super) fn rstsync_ports() -> Vec<Port> {
    vec![
        Port::input("clk_i", 1),
        Port::input("rst_ni", 1).note("Asynchronous reset in."),
        Port::output("rst_no", 1).note("Released synchronously to clk_i."),
    ]
}

pub(super) fn ctrl_ports(v: &AccelView) -> Vec<Port> {
    let mut p = vec![Port::input("clk_i", 1), Port::input("rst_ni", 1)];
    p.extend(axil_ports(v.axil_addr));
    p.extend([
        Port::output("irq_o", 1),
        Port::output("pm_we_o", 1).note("Memory writes."),
        Port::output("pm_addr_o", v.p_addr),
        Port::output("pm_data_o", v.desc_bits).vector(),
        Port::output("wm_we_o", 1),
        Port::output("wm_addr_o", v.w_addr),
        Port::output("wm_data_o", v.wmem_bits).vector(),
        Port::output("bm_we_o", 1),
        Port::output("bm_addr_o", v.b_addr),
        Port::output("bm_data_o", v.bmem_bits).vector(),
        Port::output("ld_start_o", 1).note("The loader."),
        Port::output("ld_abort_o", 1),
        Port::output("ld_images_o", 32),
        Port::output("ld_batch_o", v.batch_bits),
        Port::output("ld_words_o", 16),
        Port::input("ld_full_i", 2),
        Port::input("ld_n0_i", v.batch_bits),
        Port::input("ld_n1_i", v.batch_bits),
        Port::output("ld_free_o", 1),
        Port::output("ld_free_half_o", 1),
        Port::input("ld_framing_i", 1),
        Port::output("start_o", 1).note("The datapath."),
        Port::output("batch_o", v.batch_bits),
        Port::output("half_o", 1),
        Port::output("logits_o", 1),
        Port::output("trace_o", 1),
        Port::input("busy_i", 1),
        Port::input("done_i", 1),
        Port::input("fail_i", 1),
        Port::input("err_i", 4),
        Port::input("stall_i", 1),
        Port::output("pass_o", 1).note("The output writer."),
        Port::output("pass_cycles_o", 32),
        Port::output("pass_images_o", v.batch_bits),
        Port::input("out_room_i", 1),
        Port::input("overflow_i", 1),
    ]);
    p
}

pub(super) fn load_ports(v: &AccelView) -> Vec<Port> {
    let mut p = vec![
        Port::input("clk_i", 1),
        Port::input("rst_ni", 1),
        Port::input("start_i", 1).note("A run: images, batch, words per image."),
        Port::input("abort_i", 1),
        Port::input("images_i", 32),
        Port::input("batch_i", v.batch_bits),
        Port::input("words_i", 16),
        Port::input("free_i", 1).note("The pass that read half free_half_i is done."),
        Port::input("free_half_i", 1),
        Port::input("busy_i", 1).note("A layer writes buffer 0 this cycle."),
        Port::input("s_axis_tdata_i", v.side * v.act_bits).vector(),
        Port::input("s_axis_tvalid_i", 1),
        Port::output("s_axis_tready_o", 1),
        Port::input("s_axis_tlast_i", 1),
        Port::output("full_o", 2).note("Halves holding a batch, and their images."),
        Port::output("n0_o", v.batch_bits),
        Port::output("n1_o", v.batch_bits),
        Port::output("framing_o", 1),
        Port::output("we_o", 1).note("The write into buffer 0."),
    ];
    if v.os {
        p.push(Port::output("bank_o", v.col_bits));
    }
    p.extend([
        Port::output("addr_o", v.a_addr),
        Port::output("data_o", v.side * v.act_bits).vector(),
    ]);
    p
}

pub(super) fn out_ports(v: &AccelView) -> Vec<Port> {
    vec![
        Port::input("clk_i", 1),
        Port::input("rst_ni", 1),
        Port::input("logits_i", 1).note("OPTIONS."),
        Port::input("trace_i", 1),
        Port::input("row_valid_i", 1).note("The datapath's rows and classes."),
        Port::input("row_last_i", 1),
        Port::input("row_lnt_i", 1),
        Port::input("row_layer_i", v.p_addr),
        Port::input("row_image_i", v.image_bits),
        Port::input("row_tile_i", v.count_bits),
        Port::input("row_i", v.side * v.sum_bits).vector(),
        Port::input("class_i", v.count_bits),
        Port::input("pass_i", 1).note("A pass ended: its cycles and images."),
        Port::input("pass_cycles_i", 32),
        Port::input("pass_images_i", v.batch_bits),
        Port::output("m_axis_tdata_o", v.out_width).note("AXI4-Stream master."),
        Port::output("m_axis_tuser_o", v.user_width),
        Port::output("m_axis_tvalid_o", 1),
        Port::input("m_axis_tready_i", 1),
        Port::output("m_axis_tlast_o", 1),
        Port::output("room_o", 1).note("Empty: a last layer's records fit."),
        Port::output("overflow_o", 1),
    ]
}
