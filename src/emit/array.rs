//! Views for a systolic array: the MAC unit (the plain `<name>_mac` for `os`, the partial-sum
//! variant `<name>_mac_psum` for `ws`), a delay line, the PE, the mesh, the top with skew and
//! controller, its testbench, vectors and a pin-light place-and-route wrapper.

use super::mac::mac_rtl;
use super::mac_view::MacCommon;
use super::ports::{align, PortView};
use super::{config_lines, hex, project, render, Bundle, EmitError, Options};
use crate::config::{ArrayShape, Dataflow, Design};
use crate::hw::array::{self, ArrayRun, VECTORS_PER_GEMM};
use askama::Template;
use std::collections::BTreeMap;

mod ports;
use ports::{input_ports, mesh_ports, pe_ports, pnr_ports, top_ports};

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

/// Every value the array templates use, computed once per design. Each module has its own
/// template (one module per file and dataflow); they all read this one view.
#[derive(Debug, Clone)]
pub(super) struct ArrayView {
    mac: String,
    delay: String,
    pe: String,
    mesh: String,
    pub(super) top: String,
    tb: String,
    pnr: String,
    pub(super) rows: u32,
    pub(super) cols: u32,
    pub(super) act_bits: u32,
    pub(super) w_bits: u32,
    pub(super) acc: u32,
    /// `ws`: input row to output row (R+C-1).
    latency: u32,
    /// `os`: cycles from the last operand step to the first output row (R+C).
    os_first_out: u32,
    /// `os`: width of the output-row counter.
    drain_bits: u32,
    pub(super) nstim: usize,
    pub(super) nexp: usize,
    ngemm: usize,
    pub(super) stim_bits: u32,
    pub(super) stim_layout: &'static str,
    pub(super) expect_bits: u32,
    pub(super) sentinel: String,
    pnr_in_bits: u32,
    pnr_conns: Vec<PnrConn>,
}

impl ArrayView {
    /// The testbench's waveform files (read by `partials/tb_clock.v` as `waves`).
    fn waves(&self) -> super::Waves {
        super::WAVES
    }
}

/// One array input of the place-and-route wrapper: a slice of the shift chain.
#[derive(Debug, Clone)]
struct PnrConn {
    name: &'static str,
    pad: String,
    msb: u32,
    lsb: u32,
}

/// A template over the shared [`ArrayView`], with the module's header and aligned ports.
macro_rules! array_template {
    ($name:ident, $path:literal, no_ports) => {
        #[derive(Template)]
        #[template(path = $path, escape = "none")]
        struct $name<'a> {
            header: &'a [String],
            v: &'a ArrayView,
        }
    };
    ($name:ident, $path:literal) => {
        #[derive(Template)]
        #[template(path = $path, escape = "none")]
        struct $name<'a> {
            header: &'a [String],
            v: &'a ArrayView,
            ports: Vec<PortView>,
        }
    };
}

array_template!(DelayTpl, "array/delay.v", no_ports);
array_template!(PeWsTpl, "array/pe_ws.v");
array_template!(PeOsTpl, "array/pe_os.v");
array_template!(MeshWsTpl, "array/mesh_ws.v");
array_template!(MeshOsTpl, "array/mesh_os.v");
array_template!(TopWsTpl, "array/top_ws.v");
array_template!(TopOsTpl, "array/top_os.v");
array_template!(TbWsTpl, "tb/array_ws.v", no_ports);
array_template!(TbOsTpl, "tb/array_os.v", no_ports);
array_template!(PnrTpl, "array/pnr_top.v");

/// Bits of an unsigned number that holds `v`.
fn bits_for(v: u64) -> u32 {
    (64 - v.leading_zeros()).max(1)
}

/// Stimulus, expected-value and GEMM-mark files of a run.
fn vector_files(d: &Design, a: &ArrayShape, run: &ArrayRun) -> (String, String, String) {
    let (aw, w, acc) = (d.act.bits(), d.weights.bits(), d.widths.acc);
    let act = |v: i64| i128::from(d.act.to_bits(v));
    let stim = hex::file(run.stim.iter().map(|s| {
        let codes = s.w.iter().rev().map(|&x| (i128::from(x), w));
        let acts = s.act.iter().rev().map(|&x| (act(x), aw));
        let mut f: Vec<(i128, u32)> = Vec::new();
        match a.dataflow {
            Dataflow::Ws => {
                f.push((i128::from(s.w_valid), 1));
                f.push((i128::from(s.valid), 1));
                f.extend(codes);
                f.extend(acts);
                f.extend(s.psum.iter().rev().map(|&x| (i128::from(x), acc)));
            }
            Dataflow::Os => {
                f.push((i128::from(s.valid), 1));
                f.push((i128::from(s.last), 1));
                f.extend(acts);
                f.extend(codes);
            }
        }
        hex::pack(&f)
    }));
    let row_bits = a.cols * acc;
    let expect_bits = expect_bits(*a, acc);
    let expect = run
        .outputs
        .iter()
        .map(|o| {
            let mut f = vec![(i128::from(o.cycle), 32), (0, expect_bits - 32 - row_bits)];
            f.extend(o.row.iter().rev().map(|&x| (i128::from(x), acc)));
            hex::pack(&f)
        })
        .chain(std::iter::once(hex::sentinel(expect_bits)));
    let gemms = hex::file(
        run.gemms
            .iter()
            .map(|g| hex::pack(&[(i128::from(g.start), 32), (g.last_output as i128, 32)])),
    );
    (stim, hex::file(expect), gemms)
}

/// Expected-row word: the cycle in the top 32 bits, then the row zero-extended to whole hex
/// digits (so the cycle is the first eight digits of each line).
fn expect_bits(a: ArrayShape, acc: u32) -> u32 {
    32 + (a.cols * acc).next_multiple_of(4)
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

/// The view of an array design with its test GEMMs (as [`bundle`] renders it), for a batch
/// testbench's checker.
pub(super) fn test_view(d: &Design, opts: &Options) -> ArrayView {
    let a = d.array.expect("an array design");
    let gemms = array::test_gemms(d, random_gemms(opts.vectors), opts.seed);
    view(d, &a, &ArrayModules::new(d), &array::run(d, &gemms))
}

/// The view of a design whose testbench runs `run`.
fn view(d: &Design, a: &ArrayShape, m: &ArrayModules, run: &ArrayRun) -> ArrayView {
    let ports = input_ports(d, a);
    let stim_bits: u32 = ports.iter().map(|p| p.1).sum();
    let expect_bits = expect_bits(*a, d.widths.acc);
    let name_w = ports.iter().map(|p| p.0.len()).max().unwrap_or(0).max(11);
    let mut lsb = stim_bits;
    let pnr_conns = ports
        .iter()
        .map(|&(name, bits)| {
            lsb -= bits;
            PnrConn {
                name,
                pad: " ".repeat(name_w + 1 - name.len()),
                msb: lsb + bits - 1,
                lsb,
            }
        })
        .collect();
    ArrayView {
        mac: m.mac.clone(),
        delay: m.delay.clone(),
        pe: m.pe.clone(),
        mesh: m.mesh.clone(),
        top: m.top.clone(),
        tb: format!("tb_{}", d.name),
        pnr: format!("{}_pnr_top", m.top),
        rows: a.rows,
        cols: a.cols,
        act_bits: d.act.bits(),
        w_bits: d.weights.bits(),
        acc: d.widths.acc,
        latency: a.rows + a.cols - 1,
        os_first_out: a.rows + a.cols,
        drain_bits: bits_for(u64::from(a.rows)),
        nstim: run.stim.len(),
        nexp: run.outputs.len(),
        ngemm: run.gemms.len(),
        stim_bits,
        stim_layout: match a.dataflow {
            Dataflow::Os => "{in_valid, in_last, in_act, in_w}",
            Dataflow::Ws => "{w_valid, in_valid, w_row, in_row, psum_row}",
        },
        expect_bits,
        sentinel: hex::sentinel(expect_bits),
        pnr_in_bits: stim_bits,
        pnr_conns,
    }
}

/// Render one array template.
fn module<T: Template>(
    files: &mut BTreeMap<String, String>,
    path: &str,
    t: T,
) -> Result<(), EmitError> {
    files.insert(path.to_string(), render(&t, path)?);
    Ok(())
}

/// Every file of an array design, with the testbench running the given GEMMs.
pub(crate) fn bundle_gemms(d: &Design, gemms: &[array::Gemm]) -> Result<Bundle, EmitError> {
    let a = d.array.expect("an array design");
    let m = ArrayModules::new(d);
    let run = array::run(d, gemms);
    let v = &view(d, &a, &m, &run);
    let mut files = BTreeMap::new();
    let rtl = m.rtl_files();
    let h = |module: &str| config_lines(d, module);

    let mac = match a.dataflow {
        Dataflow::Os => MacCommon::new(d),
        Dataflow::Ws => MacCommon::with_psum(d),
    };
    files.insert(rtl[0].clone(), mac_rtl(d, &mac)?);
    // The delay line is parameterized: its ports are written in the template.
    module(
        &mut files,
        &rtl[1],
        DelayTpl {
            header: &h(&m.delay),
            v,
        },
    )?;
    let df = a.dataflow;
    let pe = (&h(&m.pe), align(&pe_ports(v, df)));
    let mesh = (&h(&m.mesh), align(&mesh_ports(v, df)));
    let top = (&h(&m.top), align(&top_ports(d, &a)));
    let tb_file = format!("tb/{}.v", v.tb);
    let tb_h = h(&v.tb);
    match df {
        Dataflow::Ws => {
            module(
                &mut files,
                &rtl[2],
                PeWsTpl {
                    header: pe.0,
                    v,
                    ports: pe.1,
                },
            )?;
            module(
                &mut files,
                &rtl[3],
                MeshWsTpl {
                    header: mesh.0,
                    v,
                    ports: mesh.1,
                },
            )?;
            module(
                &mut files,
                &rtl[4],
                TopWsTpl {
                    header: top.0,
                    v,
                    ports: top.1,
                },
            )?;
            module(&mut files, &tb_file, TbWsTpl { header: &tb_h, v })?;
        }
        Dataflow::Os => {
            module(
                &mut files,
                &rtl[2],
                PeOsTpl {
                    header: pe.0,
                    v,
                    ports: pe.1,
                },
            )?;
            module(
                &mut files,
                &rtl[3],
                MeshOsTpl {
                    header: mesh.0,
                    v,
                    ports: mesh.1,
                },
            )?;
            module(
                &mut files,
                &rtl[4],
                TopOsTpl {
                    header: top.0,
                    v,
                    ports: top.1,
                },
            )?;
            module(&mut files, &tb_file, TbOsTpl { header: &tb_h, v })?;
        }
    }

    let (stim, expect, marks) = vector_files(d, &a, &run);
    files.insert("vectors/stim.hex".into(), stim);
    files.insert("vectors/expect.hex".into(), expect);
    files.insert("vectors/gemms.hex".into(), marks);

    let pnr_file = format!("synth/{}.v", v.pnr);
    let pnr_ports = align(&pnr_ports());
    module(
        &mut files,
        &pnr_file,
        PnrTpl {
            header: &h(&v.pnr),
            v,
            ports: pnr_ports,
        },
    )?;
    // The PE alone, synthesized as a second top to measure the array's plumbing overhead.
    let variants = [(PE_VARIANT, rtl[..3].to_vec(), m.pe.clone())];
    project::add_project_files(
        &mut files,
        d,
        &project::Tops {
            rtl: &rtl,
            top: &m.top,
            tb_top: &v.tb,
            tb_file: &tb_file,
            pnr_file: &pnr_file,
            pnr_top: &v.pnr,
            variants: &variants,
            formal: false,
            hier: true,
            regs: false,
            memories: false,
            cocotb_test: None,
            dsp_param: None,
        },
    )?;
    Ok(Bundle {
        name: d.name.clone(),
        top: m.top.clone(),
        tb_top: v.tb.clone(),
        tb_file,
        pnr_file,
        vectors: run.outputs.len(),
        checks: "output rows",
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(bits_for(8), 4);
        assert_eq!(bits_for(1), 1);
        assert_eq!(random_gemms(2000), 8);
        assert_eq!(random_gemms(1), 1);
    }
}
