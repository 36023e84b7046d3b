//! Views for an inference accelerator (`docs/accelerator.md`): the array's modules exactly as
//! an array design renders them, plus a memory, the post-op unit, the sequencer, the argmax,
//! the accelerator top and two testbenches: the post-op unit's self-checking one (the
//! folder's default testbench, so `potmac sim` and `make sim` check the post-op unit) and the
//! accelerator's, which `potmac infer` builds once and runs on any network and images that fit.

use super::ports::{align, PortView};
use super::{config_lines, hex, project, render, Bundle, EmitError};
use crate::config::Design;
use crate::hw::accel::{self, postop, regs, AccelWidths, COUNT_BITS, MAX_S, M_BITS, S_BITS};
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
}

impl AccelModules {
    /// Names for a design.
    pub fn new(d: &Design) -> Self {
        AccelModules {
            ram: format!("{}_ram", d.name),
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
        }
    }
}

/// Random post-op vectors after the directed ones.
pub const POSTOP_RANDOM: usize = 2000;

/// Every value the accelerator templates use.
#[derive(Debug, Clone)]
pub(super) struct AccelView {
    ram: String,
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
    col_bits: u32,
    group_bits: u32,
    bank_words: u32,
    postop_vectors: usize,
    postop_vec_bits: u32,
    postop_sentinel: String,
    layers_minus_1: u32,
    a1_addr: u32,
    out_tiles: u32,
    act0_words: u32,
    half_words: u32,
    cap_step: u32,
    axil_addr: u32,
    axil_addr_m2: u32,
    regs: Vec<(String, u32, String)>,
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
    argmax_latency: u32,
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

fn view(d: &Design, m: &AccelModules, arr: &super::ArrayModules, nvec: usize) -> AccelView {
    let w = AccelWidths::new(d);
    let x = d.accel.expect("an accelerator design");
    let drain = accel::drain(w.side, w.dataflow);
    let os = w.dataflow == crate::config::Dataflow::Os;
    let chunks = |bits: u32| bits.div_ceil(32);
    let (wmem_bits, bmem_bits) = (w.side * w.code, w.side * w.postop.bias);
    let half_words = if os { w.bank_words } else { x.act_words };
    let fifo_depth = accel::out_fifo_depth(d);
    let fifo_ptr = accel::addr_bits(fifo_depth);
    let word = |reg: &str| format!("{:08x}", super::regmap::fixed_word(d, reg));
    AccelView {
        ram: m.ram.clone(),
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
        count_bits: COUNT_BITS,
        tc_bits: COUNT_BITS + 1,
        batch_bits: w.batch,
        image_bits: w.image,
        w_addr: w.w_addr,
        a_addr: w.a_addr,
        b_addr: w.b_addr,
        p_addr: w.p_addr,
        ncol_bits: accel::addr_bits(w.side + 1),
        drain_bits: 8,
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
        col_bits: accel::addr_bits(w.side),
        group_bits: accel::addr_bits(x.batch.div_ceil(w.side) + 1),
        bank_words: w.bank_words,
        postop_vectors: nvec,
        postop_vec_bits: postop_vec_bits(&w.postop),
        postop_sentinel: hex::sentinel(postop_vec_bits(&w.postop)),
        layers_minus_1: x.layers - 1,
        a1_addr: accel::addr_bits(half_words),
        out_tiles: x.out_tiles,
        act0_words: 2 * half_words,
        half_words,
        cap_step: if os { w.side } else { 1 },
        axil_addr: regs::AXI_ADDR_BITS,
        axil_addr_m2: regs::AXI_ADDR_BITS - 2,
        regs: regs::MAP
            .iter()
            .map(|r| {
                (
                    r.name.to_string(),
                    r.offset / 4,
                    format!("{:03x}", r.offset),
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
        argmax_latency: accel::ARGMAX_LATENCY,
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

/// Every file of an accelerator design.
pub(crate) fn bundle(d: &Design, seed: u64) -> Result<Bundle, EmitError> {
    let arr = super::ArrayModules::new(d);
    let m = AccelModules::new(d);
    let w = AccelWidths::new(d);
    let vecs = postop::test_vectors(&w.postop, POSTOP_RANDOM, seed);
    debug_assert!(vecs.iter().all(|t| t.s <= MAX_S));
    let v = &view(d, &m, &arr, vecs.len());
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
    // Synthesis variants for the area breakdown: the array, one post-op unit, the sequencer
    // and the argmax alone.
    let n = arr.rtl_files().len();
    let variants = [
        ("array", rtl[..n].to_vec(), arr.top.clone()),
        ("postop", vec![rtl[n + 1].clone()], m.postop.clone()),
        ("seq", vec![rtl[n + 2].clone()], m.seq.clone()),
        ("argmax", vec![rtl[n + 3].clone()], m.argmax.clone()),
    ];
    let top_file = format!("rtl/{}.v", m.top);
    project::add_project_files(
        &mut files,
        d,
        &project::Tops {
            rtl: &rtl,
            top: &m.top,
            tb_top: &m.tb_postop,
            tb_file: &tb_postop_file,
            pnr_file: &top_file,
            pnr_top: &m.top,
            variants: &variants,
            formal: false,
            hier: false,
            regs: true,
            cocotb_test: Some((COCOTB_TEST, render(&CocotbTpl { v }, COCOTB_TEST)?)),
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
        pnr_file: top_file,
        vectors: vecs.len(),
        checks: "post-op vectors",
        files,
    })
}
