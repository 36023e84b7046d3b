//! Views for a systolic array: the MAC unit (the plain `<name>_mac` for `os`, the partial-sum
//! variant `<name>_mac_psum` for `ws`), a delay line, the PE, the mesh, the top with skew and
//! controller, its testbench, vectors and a pin-light place-and-route wrapper.

use super::mac::{mac_rtl, MacCommon};
use super::{config_lines, hex, project, render, Bundle, EmitError, Options};
use crate::config::{ArrayShape, Dataflow, Design};
use crate::hw::array::{self, ArrayRun, VECTORS_PER_GEMM};
use askama::Template;
use std::collections::BTreeMap;

/// Synthesis variant of an array design that synthesizes one PE alone (`synth/pe_*.ys`).
pub const PE_VARIANT: &str = "pe";

/// Module names of an array design.
#[derive(Debug, Clone)]
pub struct ArrayModules {
    /// MAC unit.
    pub mac: String,
    /// Delay line.
    pub delay: String,
    /// Processing element.
    pub pe: String,
    /// Mesh.
    pub mesh: String,
    /// Top.
    pub top: String,
}

impl ArrayModules {
    /// Names for a design.
    pub fn new(d: &Design) -> Self {
        let a = d.array.expect("an array design");
        ArrayModules {
            mac: match a.dataflow {
                Dataflow::Ws => format!("{}_mac_psum", d.name),
                Dataflow::Os => format!("{}_mac", d.name),
            },
            delay: format!("{}_delay", d.name),
            pe: format!("{}_pe", d.name),
            mesh: format!("{}_mesh", d.name),
            top: format!("{}_array", d.name),
        }
    }

    /// RTL files in compile order (leaves first).
    pub fn rtl_files(&self) -> Vec<String> {
        [&self.mac, &self.delay, &self.pe, &self.mesh, &self.top]
            .iter()
            .map(|m| format!("rtl/{m}.v"))
            .collect()
    }
}

#[derive(Template)]
#[template(path = "array_delay.v", escape = "none")]
struct DelayView<'a> {
    header: &'a [String],
    module: &'a str,
}

#[derive(Template)]
#[template(path = "array_pe_ws.v", escape = "none")]
struct PeWsView<'a> {
    header: &'a [String],
    module: &'a str,
    mac: &'a str,
    a: u32,
    w: u32,
    acc: u32,
}

#[derive(Template)]
#[template(path = "array_pe_os.v", escape = "none")]
struct PeOsView<'a> {
    header: &'a [String],
    module: &'a str,
    mac: &'a str,
    a: u32,
    w: u32,
    acc: u32,
}

#[derive(Template)]
#[template(path = "array_mesh.v", escape = "none")]
struct MeshView<'a> {
    header: &'a [String],
    module: &'a str,
    pe: &'a str,
    os: bool,
    dataflow_text: &'static str,
    rows: u32,
    cols: u32,
    a: u32,
    w: u32,
    acc: u32,
}

#[derive(Template)]
#[template(path = "array_top.v", escape = "none")]
struct TopView<'a> {
    header: &'a [String],
    module: &'a str,
    mesh: &'a str,
    delay: &'a str,
    os: bool,
    dataflow_text: &'static str,
    rows: u32,
    cols: u32,
    a: u32,
    w: u32,
    acc: u32,
    latency: u32,
    drain_bits: u32,
}

#[derive(Template)]
#[template(path = "tb_array.v", escape = "none")]
struct TbView<'a> {
    header: &'a [String],
    tb: &'a str,
    top: &'a str,
    os: bool,
    rows: u32,
    cols: u32,
    a: u32,
    w: u32,
    acc: u32,
    nstim: usize,
    nexp: usize,
    ngemm: usize,
    stim_bits: u32,
    stim_layout: &'static str,
    expect_bits: u32,
    sentinel: String,
}

/// One array input in the place-and-route wrapper.
struct PnrPort {
    name: String,
    pad: String,
    msb: u32,
    lsb: u32,
}

#[derive(Template)]
#[template(path = "array_pnr_top.v", escape = "none")]
struct PnrView<'a> {
    header: &'a [String],
    top: &'a str,
    array: &'a str,
    cols: u32,
    acc: u32,
    in_bits: u32,
    ports: Vec<PnrPort>,
}

fn dataflow_text(a: &ArrayShape) -> &'static str {
    match a.dataflow {
        Dataflow::Ws => "weight stationary",
        Dataflow::Os => "output stationary",
    }
}

/// Bits of an unsigned number that holds `v`.
fn bits_for(v: u64) -> u32 {
    (64 - v.leading_zeros()).max(1)
}

/// The array's input ports (name, width), MSB first as packed in a stimulus word.
fn input_ports(d: &Design, a: &ArrayShape) -> Vec<(&'static str, u32)> {
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

/// A wide `$readmemh` word from fields given MSB first as (two's-complement value, bits).
fn pack(fields: &[(i64, u32)]) -> String {
    let total: u32 = fields.iter().map(|f| f.1).sum();
    let mut bits = Vec::with_capacity(total as usize); // LSB first
    for &(v, n) in fields.iter().rev() {
        for i in 0..n {
            bits.push(if i < 64 { (v >> i) & 1 == 1 } else { v < 0 });
        }
    }
    let digits = hex::digits(total);
    let mut s = String::with_capacity(digits);
    for d in (0..digits).rev() {
        let mut nib = 0u32;
        for b in 0..4 {
            if bits.get(d * 4 + b).copied().unwrap_or(false) {
                nib |= 1 << b;
            }
        }
        s.push(char::from_digit(nib, 16).expect("nibble"));
    }
    s
}

/// Stimulus, expected-value and GEMM-mark files of a run.
fn vector_files(d: &Design, a: &ArrayShape, run: &ArrayRun) -> (String, String, String) {
    let (aw, w, acc) = (d.act.bits(), d.weights.bits(), d.widths.acc);
    let act = |v: i64| d.act.to_bits(v) as i64;
    let stim = hex::file(run.stim.iter().map(|s| {
        let mut f: Vec<(i64, u32)> = Vec::new();
        let codes = |f: &mut Vec<(i64, u32)>| {
            f.extend(s.w.iter().rev().map(|&x| (i64::from(x), w)));
        };
        let acts = |f: &mut Vec<(i64, u32)>| {
            f.extend(s.act.iter().rev().map(|&x| (act(x), aw)));
        };
        match a.dataflow {
            Dataflow::Ws => {
                f.push((i64::from(s.w_valid), 1));
                f.push((i64::from(s.valid), 1));
                codes(&mut f);
                acts(&mut f);
                f.extend(s.psum.iter().rev().map(|&x| (x, acc)));
            }
            Dataflow::Os => {
                f.push((i64::from(s.valid), 1));
                f.push((i64::from(s.last), 1));
                acts(&mut f);
                codes(&mut f);
            }
        }
        pack(&f)
    }));
    let row_bits = a.cols * acc;
    let expect_bits = expect_bits(*a, acc);
    let mut expect: Vec<String> = run
        .outputs
        .iter()
        .map(|o| {
            let mut f = vec![(o.cycle as i64, 32), (0, expect_bits - 32 - row_bits)];
            f.extend(o.row.iter().rev().map(|&x| (x, acc)));
            pack(&f)
        })
        .collect();
    expect.push(sentinel(expect_bits));
    let gemms = hex::file(
        run.gemms
            .iter()
            .map(|g| pack(&[(g.start as i64, 32), (g.last_output as i64, 32)])),
    );
    (stim, hex::file(expect), gemms)
}

/// Expected-row word: the cycle in the top 32 bits, then the row zero-extended to whole hex
/// digits (so the cycle is the first eight digits of each line).
fn expect_bits(a: ArrayShape, acc: u32) -> u32 {
    32 + (a.cols * acc).next_multiple_of(4)
}

/// The sentinel word at any width (`a5` repeated).
fn sentinel(bits: u32) -> String {
    let digits = hex::digits(bits);
    let mut s: String = "a5".repeat(digits.div_ceil(2))[..digits].to_string();
    let top_bits = bits - 4 * (digits as u32 - 1);
    let top = s.as_bytes()[0] as char;
    let v = top.to_digit(16).expect("hex") & ((1 << top_bits) - 1);
    s.replace_range(0..1, &char::from_digit(v, 16).expect("hex").to_string());
    s
}

/// Number of random GEMMs for a vector budget (one per [`VECTORS_PER_GEMM`], at least one
/// when any are asked for).
pub fn random_gemms(vectors: usize) -> usize {
    vectors.div_ceil(VECTORS_PER_GEMM)
}

/// Every file of an array design, with the testbench running its test GEMMs.
pub(crate) fn bundle(d: &Design, opts: &Options) -> Result<Bundle, EmitError> {
    let gemms = array::test_gemms(d, random_gemms(opts.vectors), opts.seed);
    bundle_gemms(d, &gemms)
}

/// Every file of an array design, with the testbench running the given GEMMs.
pub(crate) fn bundle_gemms(d: &Design, gemms: &[array::Gemm]) -> Result<Bundle, EmitError> {
    let a = d.array.expect("an array design");
    let os = a.dataflow == Dataflow::Os;
    let m = ArrayModules::new(d);
    let (aw, w, acc) = (d.act.bits(), d.weights.bits(), d.widths.acc);
    let mut files = BTreeMap::new();
    let rtl = m.rtl_files();

    let mac = if os {
        MacCommon::new(d)
    } else {
        MacCommon::with_psum(d)
    };
    files.insert(rtl[0].clone(), mac_rtl(d, &mac)?);
    let h = |module: &str| config_lines(d, module);
    files.insert(
        rtl[1].clone(),
        render(
            &DelayView {
                header: &h(&m.delay),
                module: &m.delay,
            },
            &rtl[1],
        )?,
    );
    let pe = if os {
        render(
            &PeOsView {
                header: &h(&m.pe),
                module: &m.pe,
                mac: &m.mac,
                a: aw,
                w,
                acc,
            },
            &rtl[2],
        )?
    } else {
        render(
            &PeWsView {
                header: &h(&m.pe),
                module: &m.pe,
                mac: &m.mac,
                a: aw,
                w,
                acc,
            },
            &rtl[2],
        )?
    };
    files.insert(rtl[2].clone(), pe);
    files.insert(
        rtl[3].clone(),
        render(
            &MeshView {
                header: &h(&m.mesh),
                module: &m.mesh,
                pe: &m.pe,
                os,
                dataflow_text: dataflow_text(&a),
                rows: a.rows,
                cols: a.cols,
                a: aw,
                w,
                acc,
            },
            &rtl[3],
        )?,
    );
    files.insert(
        rtl[4].clone(),
        render(
            &TopView {
                header: &h(&m.top),
                module: &m.top,
                mesh: &m.mesh,
                delay: &m.delay,
                os,
                dataflow_text: dataflow_text(&a),
                rows: a.rows,
                cols: a.cols,
                a: aw,
                w,
                acc,
                latency: a.rows + a.cols - 1,
                drain_bits: bits_for(u64::from(a.rows)),
            },
            &rtl[4],
        )?,
    );

    let run = array::run(d, gemms);
    let (stim, expect, marks) = vector_files(d, &a, &run);
    files.insert("vectors/stim.hex".into(), stim);
    files.insert("vectors/expect.hex".into(), expect);
    files.insert("vectors/gemms.hex".into(), marks);

    let tb_top = format!("tb_{}", d.name);
    let tb_file = format!("tb/{tb_top}.v");
    let ports = input_ports(d, &a);
    let stim_bits: u32 = ports.iter().map(|p| p.1).sum();
    let expect_bits = expect_bits(a, acc);
    files.insert(
        tb_file.clone(),
        render(
            &TbView {
                header: &h(&tb_top),
                tb: &tb_top,
                top: &m.top,
                os,
                rows: a.rows,
                cols: a.cols,
                a: aw,
                w,
                acc,
                nstim: run.stim.len(),
                nexp: run.outputs.len(),
                ngemm: run.gemms.len(),
                stim_bits,
                stim_layout: if os {
                    "{in_valid, in_last, in_act, in_w}"
                } else {
                    "{w_valid, in_valid, w_row, in_row, psum_row}"
                },
                expect_bits,
                sentinel: sentinel(expect_bits),
            },
            &tb_file,
        )?,
    );

    let pnr_top = format!("{}_pnr_top", m.top);
    let pnr_file = format!("synth/{pnr_top}.v");
    let mut lsb = stim_bits;
    let name_w = ports.iter().map(|p| p.0.len()).max().unwrap_or(0).max(11);
    let pnr_ports = ports
        .iter()
        .map(|&(name, bits)| {
            lsb -= bits;
            PnrPort {
                name: name.to_string(),
                pad: " ".repeat(name_w + 1 - name.len()),
                msb: lsb + bits - 1,
                lsb,
            }
        })
        .collect();
    files.insert(
        pnr_file.clone(),
        render(
            &PnrView {
                header: &h(&pnr_top),
                top: &pnr_top,
                array: &m.top,
                cols: a.cols,
                acc,
                in_bits: stim_bits,
                ports: pnr_ports,
            },
            &pnr_file,
        )?,
    );
    // The PE alone, synthesized as a second top to measure the array's plumbing overhead.
    let variants = [(PE_VARIANT, rtl[..3].to_vec(), m.pe.clone())];
    project::add_project_files(
        &mut files,
        d,
        &project::Tops {
            rtl: &rtl,
            top: &m.top,
            tb_top: &tb_top,
            tb_file: &tb_file,
            pnr_file: &pnr_file,
            pnr_top: &pnr_top,
            variants: &variants,
        },
    )?;
    Ok(Bundle {
        name: d.name.clone(),
        top: m.top.clone(),
        tb_top,
        tb_file,
        vectors: run.outputs.len(),
        checks: "output rows",
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_and_sentinel() {
        assert_eq!(pack(&[(1, 1), (-1, 3), (5, 4)]), "f5");
        assert_eq!(pack(&[(1, 1), (-2, 8)]), "1fe");
        assert_eq!(pack(&[(-1, 70)]), "3fffffffffffffffff");
        assert_eq!(sentinel(8), "a5");
        assert_eq!(sentinel(9), "05a");
        assert_eq!(sentinel(11), "25a");
        assert_eq!(sentinel(12), "a5a");
        assert_eq!(bits_for(8), 4);
        assert_eq!(bits_for(1), 1);
        assert_eq!(random_gemms(2000), 8);
        assert_eq!(random_gemms(1), 1);
    }
}
