//! Views for an inference accelerator (`docs/accelerator.md`): the array's modules exactly as
//! an array design renders them, plus a memory, the post-op unit, the sequencer, the argmax,
//! the accelerator top and two testbenches: the post-op unit's self-checking one (the
//! folder's default testbench, so `potmac sim` and `make sim` check the post-op unit) and the
//! accelerator's, which `potmac infer` builds once and runs on any network and images that fit.

use super::ports::{align, Dir, Port, PortView};
use super::{config_lines, hex, project, render, Bundle, EmitError};
use crate::config::Design;
use crate::hw::accel::{self, argmax, postop, regs, AccelWidths, MAX_S, M_BITS, S_BITS};
use askama::Template;
use std::collections::BTreeMap;

mod ports;
use ports::{
    argmax_ports, core_ports, ctrl_ports, load_ports, out_ports, postop_ports, rstsync_ports,
    seq_os_ports, seq_ports, top_ports,
};

/// Module names of an accelerator design.
#[derive(Debug, Clone)]
pub struct AccelModules {
    pub ram: String,
    /// A deep memory in banks, read in two cycles (`accel/bram.v`).
    pub bram: String,
    /// One bank of it, with the technology seam (`accel/bram_bank.v`).
    pub bram_bank: String,
    /// A delay line in a memory (`accel/lag.v`).
    pub lag: String,
    pub postop: String,
    pub seq: String,
    pub argmax: String,
    /// The datapath (array, memories, post-op, argmax, sequencer).
    pub core: String,
    /// The host interface: control registers, input loader, output writer, reset synchronizer.
    pub ctrl: String,
    pub load: String,
    pub out: String,
    pub rstsync: String,
    /// The top: the datapath behind the host interface.
    pub top: String,
    /// The accelerator's testbench (module and file).
    pub tb: String,
    pub tb_file: String,
    /// The post-op unit's testbench.
    pub tb_postop: String,
    /// The argmax's testbench (module; the file is `tb/<module>.v`).
    pub tb_argmax: String,
}

impl AccelModules {
    /// Names for a design.
    pub fn new(d: &Design) -> Self {
        AccelModules {
            ram: format!("{}_ram", d.name),
            bram: format!("{}_bram", d.name),
            bram_bank: format!("{}_bram_bank", d.name),
            lag: format!("{}_lag", d.name),
            postop: format!("{}_postop", d.name),
            seq: format!("{}_seq", d.name),
            argmax: format!("{}_argmax", d.name),
            core: format!("{}_core", d.name),
            ctrl: format!("{}_ctrl", d.name),
            load: format!("{}_load", d.name),
            out: format!("{}_out", d.name),
            rstsync: format!("{}_rstsync", d.name),
            top: format!("{}_accel", d.name),
            tb: format!("tb_{}_accel", d.name),
            tb_file: format!("tb/tb_{}_accel.v", d.name),
            tb_postop: format!("tb_{}_postop", d.name),
            tb_argmax: format!("tb_{}_argmax", d.name),
        }
    }
}

/// Deepest activation buffer whose writes go straight to the memory (one block RAM: an ECP5
/// DP16KD holds 512 words of 36 bits, an iCE40 SB_RAM40_4K 512 of 8); deeper ones register
/// them once.
pub const ACT_WREG_WORDS: u32 = 512;

/// Random post-op vectors after the directed ones.
pub const POSTOP_RANDOM: usize = 2000;
/// Random argmax rows after the directed ones.
pub const ARGMAX_RANDOM: usize = 2000;

/// One level of the post-op unit's product tree.
#[derive(Debug, Clone, Copy)]
struct MulLevel {
    l: u32,
    /// Registered (the end of a stage).
    reg: bool,
    /// The product stage it ends (0 first): its registers load with `valid_q[stage]`.
    stage: u32,
}

/// Every value the accelerator templates use.
#[derive(Debug, Clone)]
pub(super) struct AccelView {
    ram: String,
    bram: String,
    bram_bank: String,
    /// Address bits of a bank of the banked memories ([`accel::BANK_BITS`]).
    bank_bits: u32,
    lag: String,
    postop: String,
    seq: String,
    argmax: String,
    core: String,
    ctrl: String,
    load: String,
    out: String,
    rstsync: String,
    top: String,
    tb: String,
    tb_postop: String,
    tb_argmax: String,
    array: String,
    delay: String,
    side: u32,
    act_bits: u32,
    w_bits: u32,
    acc: u32,
    bias_bits: u32,
    sum_bits: u32,
    prod_bits: u32,
    m_bits: u32,
    s_bits: u32,
    count_bits: u32,
    tc_bits: u32,
    /// ws: the tile's least end cycle (2R − 1: R weight rows, then C cycles).
    tc_min_end: u32,
    /// ws: from this tile cycle on a tile may end with its last row.
    tc_late: u32,
    /// ws: the descriptor's feature-map fields, the partial-sum memory's rows and address
    /// bits, and the kernel, stride and padding fields.
    dim_bits: u32,
    psum_rows: u32,
    prow_bits: u32,
    /// ws: the sequencer's convolution path (`accelerator.conv`).
    conv: bool,
    kernel_bits: u32,
    stride_bits: u32,
    pad_bits: u32,
    batch_bits: u32,
    image_bits: u32,
    w_addr: u32,
    a_addr: u32,
    b_addr: u32,
    p_addr: u32,
    ncol_bits: u32,
    drain_bits: u32,
    drain_last: u64,
    desc_bits: u32,
    batch: u32,
    layers: u32,
    weight_words: u32,
    act_words: u32,
    bias_words: u32,
    image_words: u32,
    latency: u32,
    os: bool,
    side_minus_1: u32,
    /// os: the tile's last cycle after its last step (R − 2; unused when R = 1), two groups
    /// of images (2R), and the bits of an image index plus one.
    side_minus_2: u32,
    two_side: u32,
    image_bits_p1: u32,
    col_bits: u32,
    bank_words: u32,
    postop_vectors: usize,
    postop_vec_bits: u32,
    postop_sentinel: String,
    layers_minus_1: u32,
    a1_addr: u32,
    out_tiles: u32,
    act0_words: u32,
    /// Register the activation buffers' writes: a buffer (os: a bank) deeper than
    /// [`ACT_WREG_WORDS`] spans several block RAMs, and its write port fans out to all of them.
    act_wreg: bool,
    half_words: u32,
    cap_step: u32,
    axil_addr: u32,
    axil_addr_m2: u32,
    /// Registers: constant suffix, word index, byte offset in hex, name.
    regs: Vec<(String, u32, String, &'static str)>,
    wmem_bits: u32,
    bmem_bits: u32,
    p_chunks: u32,
    w_chunks: u32,
    b_chunks: u32,
    max_chunks: u32,
    id_hex: String,
    version_hex: String,
    hwcfg0: String,
    hwcfg1: String,
    hwcfg2: String,
    words_hex: [String; 3],
    chunks_hex: String,
    dataflow_name: &'static str,
    out_width: u32,
    user_width: u32,
    fifo_depth: u32,
    fifo_ptr: u32,
    fifo_last: u32,
    fifo_count: u32,
    /// Register stages of the post-op unit (`hw::accel::POSTOP_LATENCY`).
    postop_latency: u64,
    /// Ring address bits of the lag (memory delay line) beside the post-op units.
    postop_lag_addr: u32,
    /// Bits of M per partial product, and the number of partial products.
    mul_chunk: u32,
    mul_chunks: u32,
    /// The product's levels (0: the partial products, then the adders), each with whether
    /// it is registered; the stages, the levels per stage and the last level.
    mul_levels: Vec<MulLevel>,
    mul_stages: u32,
    mul_levels_per_stage: u32,
    mul_top: u32,
    /// The post-op's shift split: bits of S-1 below this in the second shift stage.
    shift_low: u32,
    /// The argmax's tree levels and latency.
    argmax_levels: u32,
    /// The argmax tree's own levels, and the registers that hold the row before it.
    argmax_tree_levels: u32,
    argmax_pre: u32,
    /// The argmax store's words: the images the image index counts (os: whole groups).
    argmax_store: u32,
    argmax_latency: u64,
    /// Ring address bits of the lag beside the argmax (the output writer's rows).
    argmax_lag_addr: u32,
    argmax_vectors: usize,
    argmax_sentinel: String,
}

impl AccelView {
    fn waves(&self) -> super::Waves {
        super::WAVES
    }
}

macro_rules! accel_template {
    ($name:ident, $path:literal, no_ports) => {
        #[derive(Template)]
        #[template(path = $path, escape = "none")]
        struct $name<'a> {
            header: &'a [String],
            v: &'a AccelView,
        }
    };
    ($name:ident, $path:literal) => {
        #[derive(Template)]
        #[template(path = $path, escape = "none")]
        struct $name<'a> {
            header: &'a [String],
            v: &'a AccelView,
            ports: Vec<PortView>,
        }
    };
}

accel_template!(RamTpl, "accel/ram.v", no_ports);
accel_template!(LagTpl, "accel/lag.v", no_ports);
accel_template!(BramTpl, "accel/bram.v", no_ports);
accel_template!(BramBankTpl, "accel/bram_bank.v", no_ports);
accel_template!(PostopTpl, "accel/postop.v");
accel_template!(SeqTpl, "accel/seq.v");
accel_template!(SeqOsTpl, "accel/seq_os.v");
accel_template!(TopOsTpl, "accel/top_os.v");
accel_template!(CtrlTpl, "accel/ctrl.v");
accel_template!(LoadTpl, "accel/load.v");
accel_template!(OutTpl, "accel/out.v");
accel_template!(RstsyncTpl, "accel/rstsync.v");
accel_template!(AccelTpl, "accel/accel.v");
accel_template!(ArgmaxTpl, "accel/argmax.v");
accel_template!(TopTpl, "accel/top.v");
accel_template!(TbTpl, "tb/accel.v", no_ports);
accel_template!(TbPostopTpl, "tb/accel_postop.v", no_ports);
accel_template!(TbArgmaxTpl, "tb/accel_argmax.v", no_ports);

/// The place-and-route wrapper of the accelerator top (`synth/<name>_accel_pnr_top.v`): its
/// inputs from one shift chain, its outputs into parity registers, four pins in all. Built
/// from the top's port list, so it follows the top's ports.
#[derive(Template)]
#[template(path = "accel/pnr_top.v", escape = "none")]
struct PnrTopTpl<'a> {
    header: &'a [String],
    module: &'a str,
    top: &'a str,
    ports: Vec<PortView>,
    in_bits: u32,
    ins: Vec<PnrIn>,
    outs: Vec<PnrOut>,
    clk_pad: String,
    rst_pad: String,
}

/// A top input driven by a slice of the wrapper's shift chain.
struct PnrIn {
    name: String,
    pad: String,
    msb: u32,
    lsb: u32,
}

/// A top output and the wrapper's wire that carries it.
struct PnrOut {
    name: String,
    pad: String,
    wire: String,
    wpad: String,
    msb: u32,
}

/// The wrapper of a top with `ports` (the clock `clk_i` and reset `rst_ni` pass through).
fn pnr_top(
    header: &[String],
    module: &str,
    top: &str,
    ports: &[Port],
) -> Result<String, EmitError> {
    let passed = |p: &&Port| p.name != "clk_i" && p.name != "rst_ni";
    let name_w = ports.iter().map(|p| p.name.len()).max().unwrap_or(0);
    let pad = |n: &str| " ".repeat(name_w + 1 - n.len());
    let inputs: Vec<&Port> = ports
        .iter()
        .filter(passed)
        .filter(|p| p.dir == Dir::In)
        .collect();
    let in_bits: u32 = inputs.iter().map(|p| p.bits).sum();
    let mut lsb = in_bits;
    let ins = inputs
        .iter()
        .map(|p| {
            lsb -= p.bits;
            PnrIn {
                name: p.name.clone(),
                pad: pad(&p.name),
                msb: lsb + p.bits - 1,
                lsb,
            }
        })
        .collect();
    let outputs: Vec<&Port> = ports.iter().filter(|p| p.dir == Dir::Out).collect();
    let range_w = outputs
        .iter()
        .map(|p| (p.bits - 1).to_string().len())
        .max()
        .unwrap_or(1);
    let outs = outputs
        .iter()
        .map(|p| PnrOut {
            name: p.name.clone(),
            pad: pad(&p.name),
            wire: format!("{}_w", p.name.trim_end_matches("_o")),
            wpad: " ".repeat(range_w + 1 - (p.bits - 1).to_string().len()),
            msb: p.bits - 1,
        })
        .collect();
    let wrapper_ports = [
        Port::input("clk_i", 1),
        Port::input("rst_ni", 1),
        Port::input("sin_i", 1),
        Port::output("sout_o", 1),
    ];
    render(
        &PnrTopTpl {
            header,
            module,
            top,
            ports: align(&wrapper_ports),
            in_bits: in_bits.max(1),
            ins,
            outs,
            clk_pad: pad("clk_i"),
            rst_pad: pad("rst_ni"),
        },
        module,
    )
}

/// A register name as a Verilog constant's suffix: `MEM_ADDR` → `MemAddr`.
fn camel(name: &str) -> String {
    name.split('_')
        .map(|p| p[..1].to_string() + &p[1..].to_lowercase())
        .collect()
}

/// The accelerator's cocotb test (cocotbext-axi on the bus and both streams).
#[derive(Template)]
#[template(path = "project/cocotb/test_accel.py", escape = "none")]
struct CocotbTpl<'a> {
    v: &'a AccelView,
}

/// Where an accelerator folder has its cocotb test.
pub const COCOTB_TEST: &str = "cocotb/test_accel.py";

/// Bits of the post-op test vector `{bypass, s, m, bias, acc, expected}`.
fn postop_vec_bits(w: &postop::PostopWidths) -> u32 {
    1 + S_BITS + M_BITS + w.bias + w.acc + w.sum
}

/// Bits of the argmax test vector `{valid, first, last, image, base, ncols, row, expected
/// class valid, expected class}`.
fn argmax_vec_bits(w: &AccelWidths) -> u32 {
    3 + w.image + w.count + ncol_bits(w) + w.side * w.postop.sum + 1 + w.count
}

/// The sentinel word of [`hex::sentinel`] as a Verilog expression that stays short at any
/// width: `{6'h25, {31{8'ha5}}}` for 254 bits.
fn sentinel_expr(bits: u32) -> String {
    let (bytes, rest) = (bits / 8, bits % 8);
    let body = format!("{{{bytes}{{8'ha5}}}}");
    if rest == 0 {
        body
    } else {
        format!("{{{rest}'h{:x}, {body}}}", 0xa5 & ((1 << rest) - 1))
    }
}

/// Bits of a column count 0..=C.
fn ncol_bits(w: &AccelWidths) -> u32 {
    accel::addr_bits(w.side + 1)
}

fn view(
    d: &Design,
    m: &AccelModules,
    arr: &super::ArrayModules,
    nvec: usize,
    nrows: usize,
) -> AccelView {
    let w = AccelWidths::new(d);
    let x = d.accel.expect("an accelerator design");
    let drain = accel::drain(w.side, w.dataflow);
    let os = w.dataflow == crate::config::Dataflow::Os;
    let chunks = |bits: u32| bits.div_ceil(32);
    // The memories' word widths, as the register map's MEM_CHUNKS states them.
    let [(_, _), (_, wmem_bits), (_, bmem_bits)] = super::regmap::word_bits(d);
    let half_words = if os { w.bank_words } else { x.act_words };
    let fifo_depth = accel::out_fifo_depth(d);
    let fifo_ptr = accel::addr_bits(fifo_depth);
    let word = |reg: &str| format!("{:08x}", super::regmap::fixed_word(d, reg));
    AccelView {
        ram: m.ram.clone(),
        bram: m.bram.clone(),
        bram_bank: m.bram_bank.clone(),
        bank_bits: accel::BANK_BITS,
        lag: m.lag.clone(),
        postop: m.postop.clone(),
        seq: m.seq.clone(),
        argmax: m.argmax.clone(),
        core: m.core.clone(),
        ctrl: m.ctrl.clone(),
        load: m.load.clone(),
        out: m.out.clone(),
        rstsync: m.rstsync.clone(),
        top: m.top.clone(),
        tb: m.tb.clone(),
        tb_postop: m.tb_postop.clone(),
        tb_argmax: m.tb_argmax.clone(),
        array: arr.top.clone(),
        delay: arr.delay.clone(),
        side: w.side,
        act_bits: w.act,
        w_bits: w.code,
        acc: w.acc,
        bias_bits: w.postop.bias,
        sum_bits: w.postop.sum,
        prod_bits: w.postop.prod,
        m_bits: M_BITS,
        s_bits: S_BITS,
        count_bits: w.count,
        tc_bits: if os { w.count + 1 } else { w.tc },
        tc_min_end: 2 * w.side - 1,
        tc_late: 2 * w.side - 2,
        dim_bits: w.dim,
        psum_rows: x.psum_rows,
        conv: w.conv,
        prow_bits: w.prow,
        kernel_bits: accel::KERNEL_BITS,
        stride_bits: accel::STRIDE_BITS,
        pad_bits: accel::PAD_BITS,
        batch_bits: w.batch,
        image_bits: w.image,
        w_addr: w.w_addr,
        a_addr: w.a_addr,
        b_addr: w.b_addr,
        p_addr: w.p_addr,
        ncol_bits: ncol_bits(&w),
        drain_bits: accel::addr_bits(drain as u32).max(8),
        drain_last: drain - 1,
        desc_bits: w.desc,
        batch: x.batch,
        layers: x.layers,
        weight_words: x.weight_words,
        act_words: x.act_words,
        bias_words: x.bias_words,
        image_words: x.image_words,
        // The tag delay: ws the array's row latency R+C-1; os from the last step to the first
        // output row, R+C.
        latency: if os { 2 * w.side } else { 2 * w.side - 1 },
        os,
        side_minus_1: w.side - 1,
        side_minus_2: w.side.saturating_sub(2),
        two_side: 2 * w.side,
        image_bits_p1: w.image + 1,
        col_bits: accel::addr_bits(w.side),
        bank_words: w.bank_words,
        postop_vectors: nvec,
        postop_vec_bits: postop_vec_bits(&w.postop),
        postop_sentinel: hex::sentinel(postop_vec_bits(&w.postop)),
        layers_minus_1: x.layers - 1,
        a1_addr: accel::addr_bits(half_words),
        // Past the largest N-tile count the fields hold, the limit checks nothing more.
        out_tiles: x.out_tiles.min((1 << w.count) - 1),
        act0_words: 2 * half_words,
        act_wreg: 2 * half_words > ACT_WREG_WORDS,
        half_words,
        cap_step: if os { w.side } else { 1 },
        axil_addr: regs::AXI_ADDR_BITS,
        axil_addr_m2: regs::AXI_ADDR_BITS - 2,
        regs: regs::MAP
            .iter()
            .map(|r| {
                (
                    camel(r.name),
                    r.offset / 4,
                    format!("{:03x}", r.offset),
                    r.name,
                )
            })
            .collect(),
        wmem_bits,
        bmem_bits,
        p_chunks: chunks(w.desc),
        w_chunks: chunks(wmem_bits),
        b_chunks: chunks(bmem_bits),
        max_chunks: chunks(w.desc).max(chunks(wmem_bits)).max(chunks(bmem_bits)),
        id_hex: word("ID"),
        version_hex: word("VERSION"),
        hwcfg0: word("HWCFG0"),
        hwcfg1: word("HWCFG1"),
        hwcfg2: word("HWCFG2"),
        words_hex: [word("WEIGHT_WORDS"), word("ACT_WORDS"), word("BIAS_WORDS")],
        chunks_hex: word("MEM_CHUNKS"),
        dataflow_name: if os {
            "output-stationary"
        } else {
            "weight-stationary"
        },
        out_width: accel::out_data_bits(d),
        user_width: accel::out_user_bits(d),
        fifo_depth,
        fifo_ptr,
        fifo_last: fifo_depth - 1,
        fifo_count: fifo_ptr + 1,
        postop_latency: postop::POSTOP_LATENCY,
        postop_lag_addr: accel::addr_bits(postop::POSTOP_LATENCY as u32),
        mul_chunk: postop::MUL_CHUNK,
        mul_chunks: M_BITS / postop::MUL_CHUNK,
        mul_levels: (0..postop::MUL_LEVELS)
            .map(|l| MulLevel {
                l,
                reg: postop::mul_level_registered(l),
                stage: l / postop::MUL_LEVELS_PER_STAGE,
            })
            .collect(),
        mul_stages: postop::MUL_STAGES,
        mul_levels_per_stage: postop::MUL_LEVELS_PER_STAGE,
        mul_top: postop::MUL_LEVELS - 1,
        shift_low: postop::SHIFT_LOW,
        argmax_levels: argmax::argmax_levels(w.side),
        argmax_tree_levels: argmax::argmax_tree_levels(w.side),
        argmax_pre: argmax::argmax_levels(w.side) - argmax::argmax_tree_levels(w.side),
        argmax_store: if os {
            x.batch.next_multiple_of(w.side)
        } else {
            x.batch
        },
        argmax_latency: argmax::argmax_latency(w.side),
        argmax_lag_addr: accel::addr_bits(argmax::argmax_latency(w.side) as u32),
        argmax_vectors: nrows,
        argmax_sentinel: sentinel_expr(argmax_vec_bits(&w)),
    }
}

/// The post-op test vectors as a `$readmemh` file ending with the sentinel.
fn postop_file(w: &postop::PostopWidths, vecs: &[postop::PostopVector]) -> String {
    let bits = postop_vec_bits(w);
    hex::file(
        vecs.iter()
            .map(|t| {
                let y = w.apply(t.acc, t.bias, t.m, t.s, t.bypass);
                hex::pack(&[
                    (i128::from(t.bypass), 1),
                    (i128::from(t.s), S_BITS),
                    (i128::from(t.m), M_BITS),
                    (i128::from(t.bias), w.bias),
                    (i128::from(t.acc), w.acc),
                    (i128::from(y), w.sum),
                ])
            })
            .chain(std::iter::once(hex::sentinel(bits))),
    )
}

/// The argmax's test rows as a `$readmemh` file ending with the sentinel: each cycle's input
/// and the class the golden model expects for it (`hw::accel::argmax::ArgmaxModel`).
fn argmax_file(w: &AccelWidths, rows: &[argmax::ArgmaxRow], batch: u32) -> String {
    let mut model = argmax::ArgmaxModel::new(batch, w.count);
    hex::file(
        rows.iter()
            .map(|r| {
                let class = model.step(r);
                let mut f = vec![
                    (i128::from(r.valid), 1),
                    (i128::from(r.first), 1),
                    (i128::from(r.last), 1),
                    (i128::from(r.image), w.image),
                    (i128::from(r.base), w.count),
                    (i128::from(r.ncols), ncol_bits(w)),
                ];
                f.extend(r.row.iter().rev().map(|&v| (i128::from(v), w.postop.sum)));
                f.push((i128::from(class.is_some()), 1));
                f.push((i128::from(class.unwrap_or(0)), w.count));
                hex::pack(&f)
            })
            .chain(std::iter::once(hex::sentinel(argmax_vec_bits(w)))),
    )
}

/// Every file of an accelerator design.
pub(crate) fn bundle(d: &Design, seed: u64) -> Result<Bundle, EmitError> {
    let arr = super::ArrayModules::new(d);
    let m = AccelModules::new(d);
    let w = AccelWidths::new(d);
    let vecs = postop::test_vectors(&w.postop, POSTOP_RANDOM, seed);
    debug_assert!(vecs.iter().all(|t| t.s <= MAX_S));
    let x = d.accel.expect("an accelerator design");
    let rows = argmax::test_rows(w.side, w.postop.sum, w.count, x.batch, ARGMAX_RANDOM, seed);
    let v = &view(d, &m, &arr, vecs.len(), rows.len());
    // The array's modules, rendered exactly as for an array design.
    let one = crate::hw::array::Gemm {
        shape: crate::hw::array::GemmShape { m: 1, k: 1, n: 1 },
        x: vec![0],
        w: vec![0],
    };
    let array_files = super::array::bundle_gemms(d, std::slice::from_ref(&one))?.files;
    let mut rtl = arr.rtl_files();
    let mut files = BTreeMap::new();
    for f in &rtl {
        files.insert(f.clone(), array_files[f].clone());
    }
    let h = |module: &str| config_lines(d, module);
    let mut add = |files: &mut BTreeMap<String, String>, module: &str, text: String| {
        let path = format!("rtl/{module}.v");
        files.insert(path.clone(), text);
        rtl.push(path);
    };
    let t = render(
        &RamTpl {
            header: &h(&m.ram),
            v,
        },
        &m.ram,
    )?;
    add(&mut files, &m.ram, t);
    let t = PostopTpl {
        header: &h(&m.postop),
        v,
        ports: align(&postop_ports(v)),
    };
    add(&mut files, &m.postop, render(&t, &m.postop)?);
    let seq = if v.os {
        render(
            &SeqOsTpl {
                header: &h(&m.seq),
                v,
                ports: align(&seq_os_ports(v)),
            },
            &m.seq,
        )?
    } else {
        render(
            &SeqTpl {
                header: &h(&m.seq),
                v,
                ports: align(&seq_ports(v)),
            },
            &m.seq,
        )?
    };
    add(&mut files, &m.seq, seq);
    let t = ArgmaxTpl {
        header: &h(&m.argmax),
        v,
        ports: align(&argmax_ports(v)),
    };
    add(&mut files, &m.argmax, render(&t, &m.argmax)?);
    // After the parts that are synthesized alone (their files are found by position).
    let t = render(
        &LagTpl {
            header: &h(&m.lag),
            v,
        },
        &m.lag,
    )?;
    add(&mut files, &m.lag, t);
    let t = render(
        &BramBankTpl {
            header: &h(&m.bram_bank),
            v,
        },
        &m.bram_bank,
    )?;
    add(&mut files, &m.bram_bank, t);
    let t = render(
        &BramTpl {
            header: &h(&m.bram),
            v,
        },
        &m.bram,
    )?;
    add(&mut files, &m.bram, t);
    let core = if v.os {
        render(
            &TopOsTpl {
                header: &h(&m.core),
                v,
                ports: align(&core_ports(v)),
            },
            &m.core,
        )?
    } else {
        render(
            &TopTpl {
                header: &h(&m.core),
                v,
                ports: align(&core_ports(v)),
            },
            &m.core,
        )?
    };
    add(&mut files, &m.core, core);
    let t = RstsyncTpl {
        header: &h(&m.rstsync),
        v,
        ports: align(&rstsync_ports()),
    };
    add(&mut files, &m.rstsync, render(&t, &m.rstsync)?);
    let t = CtrlTpl {
        header: &h(&m.ctrl),
        v,
        ports: align(&ctrl_ports(v)),
    };
    add(&mut files, &m.ctrl, render(&t, &m.ctrl)?);
    let t = LoadTpl {
        header: &h(&m.load),
        v,
        ports: align(&load_ports(v)),
    };
    add(&mut files, &m.load, render(&t, &m.load)?);
    let t = OutTpl {
        header: &h(&m.out),
        v,
        ports: align(&out_ports(v)),
    };
    add(&mut files, &m.out, render(&t, &m.out)?);
    let t = AccelTpl {
        header: &h(&m.top),
        v,
        ports: align(&top_ports(v)),
    };
    add(&mut files, &m.top, render(&t, &m.top)?);
    files.insert(
        m.tb_file.clone(),
        render(
            &TbTpl {
                header: &h(&m.tb),
                v,
            },
            &m.tb_file,
        )?,
    );
    let tb_postop_file = format!("tb/{}.v", m.tb_postop);
    files.insert(
        tb_postop_file.clone(),
        render(
            &TbPostopTpl {
                header: &h(&m.tb_postop),
                v,
            },
            &tb_postop_file,
        )?,
    );
    files.insert("vectors/postop.hex".into(), postop_file(&w.postop, &vecs));
    let tb_argmax_file = format!("tb/{}.v", m.tb_argmax);
    files.insert(
        tb_argmax_file.clone(),
        render(
            &TbArgmaxTpl {
                header: &h(&m.tb_argmax),
                v,
            },
            &tb_argmax_file,
        )?,
    );
    files.insert("vectors/argmax.hex".into(), argmax_file(&w, &rows, x.batch));
    // Synthesis variants for the area breakdown: the array, one post-op unit, the sequencer
    // and the argmax alone.
    let n = arr.rtl_files().len();
    let variants = [
        ("array", rtl[..n].to_vec(), arr.top.clone()),
        ("postop", vec![rtl[n + 1].clone()], m.postop.clone()),
        ("seq", vec![rtl[n + 2].clone()], m.seq.clone()),
        ("argmax", vec![rtl[n + 3].clone()], m.argmax.clone()),
    ];
    let pnr_module = format!("{}_pnr_top", m.top);
    let pnr_file = format!("synth/{pnr_module}.v");
    files.insert(
        pnr_file.clone(),
        pnr_top(&h(&pnr_module), &pnr_module, &m.top, &top_ports(v))?,
    );
    project::add_project_files(
        &mut files,
        d,
        &project::Tops {
            rtl: &rtl,
            top: &m.top,
            tb_top: &m.tb_postop,
            tb_file: &tb_postop_file,
            pnr_file: &pnr_file,
            pnr_top: &pnr_module,
            variants: &variants,
            formal: false,
            hier: false,
            regs: true,
            memories: true,
            cocotb_test: Some((COCOTB_TEST, render(&CocotbTpl { v }, COCOTB_TEST)?)),
            dsp_param: Some("PostopDsp"),
        },
    )?;
    super::regmap::add_files(
        &mut files,
        d,
        d.accel.expect("an accelerator design").out_tiles,
    )?;
    Ok(Bundle {
        name: d.name.clone(),
        top: m.top.clone(),
        tb_top: m.tb_postop.clone(),
        tb_file: tb_postop_file,
        pnr_file,
        vectors: vecs.len(),
        checks: "post-op vectors",
        files,
    })
}
