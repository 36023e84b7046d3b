//! Views for an inference accelerator (`docs/accelerator.md`): the array's modules exactly as
//! an array design renders them, plus a memory, the post-op unit, the sequencer, the argmax,
//! the accelerator top and two testbenches: the post-op unit's self-checking one (the
//! folder's default testbench, so `potmac sim` and `make sim` check the post-op unit) and the
//! accelerator's, which `potmac infer` builds once and runs on any network and images that fit.

use super::ports::{align, Dir, Port, PortView};
use super::{config_lines, hex, project, render, Bundle, EmitError};
use crate::config::Design;
use crate::hw::accel::{self, postop, AccelWidths, COUNT_BITS, MAX_S, M_BITS, S_BITS};
use askama::Template;
use std::collections::BTreeMap;

mod ports;
use ports::{argmax_ports, postop_ports, seq_os_ports, seq_ports, top_os_ports, top_ports};

/// Module names of an accelerator design.
#[derive(Debug, Clone)]
pub struct AccelModules {
    pub ram: String,
    pub postop: String,
    pub seq: String,
    pub argmax: String,
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
accel_template!(ArgmaxTpl, "accel/argmax.v");
accel_template!(TopTpl, "accel/top.v");
accel_template!(TbTpl, "tb/accel.v", no_ports);
accel_template!(TbPostopTpl, "tb/accel_postop.v", no_ports);

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

/// Bits of the post-op test vector `{bypass, s, m, bias, acc, expected}`.
fn postop_vec_bits(w: &postop::PostopWidths) -> u32 {
    1 + S_BITS + M_BITS + w.bias + w.acc + w.sum
}

fn view(d: &Design, m: &AccelModules, arr: &super::ArrayModules, nvec: usize) -> AccelView {
    let w = AccelWidths::new(d);
    let x = d.accel.expect("an accelerator design");
    let drain = accel::drain(w.side, w.dataflow);
    let os = w.dataflow == crate::config::Dataflow::Os;
    AccelView {
        ram: m.ram.clone(),
        postop: m.postop.clone(),
        seq: m.seq.clone(),
        argmax: m.argmax.clone(),
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
    let top_port_list = if v.os { top_os_ports(v) } else { top_ports(v) };
    let top = if v.os {
        render(
            &TopOsTpl {
                header: &h(&m.top),
                v,
                ports: align(&top_port_list),
            },
            &m.top,
        )?
    } else {
        render(
            &TopTpl {
                header: &h(&m.top),
                v,
                ports: align(&top_port_list),
            },
            &m.top,
        )?
    };
    add(&mut files, &m.top, top);
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
    let pnr_module = format!("{}_pnr_top", m.top);
    let pnr_file = format!("synth/{pnr_module}.v");
    files.insert(
        pnr_file.clone(),
        pnr_top(&h(&pnr_module), &pnr_module, &m.top, &top_port_list)?,
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
            memories: true,
        },
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
