//! Views for a single MAC unit: the RTL of each weight kind, its testbench, vectors and the
//! place-and-route wrapper.

use super::mac_view::MacCommon;
use super::ports::PortView;
use super::{config_lines, formal, hex, project, render, table_lines, Bundle, EmitError, Options};
use crate::config::Design;
use crate::hw::vectors::{mac_vectors, Vector};
use crate::quant::WeightFormat;
use askama::Template;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "mac/uniform.v", escape = "none")]
struct UniformMac<'a> {
    header: &'a [String],
    c: &'a MacCommon,
    ports: Vec<PortView>,
}

#[derive(Template)]
#[template(path = "mac/pot.v", escape = "none")]
struct PotMac<'a> {
    header: &'a [String],
    c: &'a MacCommon,
    ports: Vec<PortView>,
    exp_bits: u32,
    has_zero: bool,
    zero_exp: u32,
}

/// One case of an APoT field decoder.
struct TermCase {
    value: u32,
    shift: u32,
}

/// One APoT term: a code field and its decoder.
struct TermView {
    index: usize,
    msb: u32,
    lsb: u32,
    width: u32,
    choices: String,
    cases: Vec<TermCase>,
}

#[derive(Template)]
#[template(path = "mac/apot.v", escape = "none")]
struct ApotMac<'a> {
    header: &'a [String],
    c: &'a MacCommon,
    ports: Vec<PortView>,
    terms: Vec<TermView>,
}

#[derive(Template)]
#[template(path = "tb/mac.v", escape = "none")]
struct MacTb<'a> {
    header: &'a [String],
    waves: super::Waves,
    c: &'a MacCommon,
    tb: &'a str,
    n: usize,
    sentinel: String,
}

#[derive(Template)]
#[template(path = "mac/pnr_top.v", escape = "none")]
struct PnrTop<'a> {
    header: &'a [String],
    c: &'a MacCommon,
    ports: Vec<PortView>,
    top: &'a str,
}

#[derive(Template)]
#[template(path = "mac/uniform_plain.v", escape = "none")]
struct UniformPlain<'a> {
    header: &'a [String],
    c: &'a MacCommon,
    ports: Vec<PortView>,
    top: &'a str,
}

/// Name of the hand-written baseline variant (uniform designs only).
pub const PLAIN: &str = "plain";

/// The MAC RTL of a design.
pub(crate) fn mac_rtl(d: &Design, c: &MacCommon) -> Result<String, EmitError> {
    let mut header = config_lines(d, &c.module);
    header.extend(table_lines(d));
    let what = format!("{}.v", c.module);
    match &d.weights {
        WeightFormat::Uniform(_) => render(
            &UniformMac {
                header: &header,
                c,
                ports: c.ports(),
            },
            &what,
        ),
        WeightFormat::Pot(p) => render(
            &PotMac {
                header: &header,
                c,
                ports: c.ports(),
                exp_bits: p.exp_bits(),
                has_zero: p.zero_exp().is_some(),
                zero_exp: p.zero_exp().unwrap_or(0),
            },
            &what,
        ),
        WeightFormat::Apot(a) => {
            let terms = a
                .terms()
                .into_iter()
                .enumerate()
                .map(|(index, t)| TermView {
                    index,
                    msb: t.lsb + t.width - 1,
                    lsb: t.lsb,
                    width: t.width,
                    choices: std::iter::once("0".to_string())
                        .chain(t.shifts.iter().map(|s| format!("2^{s}")))
                        .collect::<Vec<_>>()
                        .join(", "),
                    cases: t
                        .shifts
                        .iter()
                        .enumerate()
                        .map(|(i, &shift)| TermCase {
                            value: i as u32 + 1,
                            shift,
                        })
                        .collect(),
                })
                .collect();
            render(
                &ApotMac {
                    header: &header,
                    c,
                    ports: c.ports(),
                    terms,
                },
                &what,
            )
        }
    }
}

/// Stimulus and expected-value files.
fn vector_files(d: &Design, vectors: &[Vector]) -> (String, String) {
    let a = d.act.bits();
    let w = d.weights.bits();
    let stim = hex::file(vectors.iter().map(|v| {
        let s = &v.stim;
        let ctl = (u8::from(s.rst) << 2) | (u8::from(s.clr) << 1) | u8::from(s.en);
        hex::pack(&[
            (i128::from(ctl), 3),
            (i128::from(d.act.to_bits(s.act)), a),
            (i128::from(s.code), w),
        ])
    }));
    let expect = hex::file(
        vectors
            .iter()
            .map(|v| hex::word(v.expect as i128, d.widths.acc))
            .chain(std::iter::once(hex::sentinel(d.widths.acc))),
    );
    (stim, expect)
}

/// The testbench of a MAC and its vector files for the given vectors, by path in the folder
/// (`tb/tb_<name>.v`, `vectors/stim.hex`, `vectors/expect.hex`): the folder's own testbench
/// text, run on other stimulus (`potmac power`).
pub(crate) fn testbench_files(
    d: &Design,
    vectors: &[Vector],
) -> Result<BTreeMap<String, String>, EmitError> {
    let c = MacCommon::new(d);
    let tb_top = format!("tb_{}", d.name);
    let tb_file = format!("tb/{tb_top}.v");
    let tb_header = config_lines(d, &tb_top);
    let tb = render(
        &MacTb {
            header: &tb_header,
            waves: super::WAVES,
            c: &c,
            tb: &tb_top,
            n: vectors.len(),
            sentinel: hex::sentinel(c.acc),
        },
        &tb_file,
    )?;
    let (stim, expect) = vector_files(d, vectors);
    Ok(BTreeMap::from([
        (tb_file, tb),
        ("vectors/stim.hex".to_string(), stim),
        ("vectors/expect.hex".to_string(), expect),
    ]))
}

/// Every file of a single-MAC design.
pub(crate) fn bundle(d: &Design, opts: &Options) -> Result<Bundle, EmitError> {
    let c = MacCommon::new(d);
    let tb_top = format!("tb_{}", d.name);
    let tb_file = format!("tb/{tb_top}.v");
    let pnr_top = format!("{}_pnr_top", c.module);
    let rtl_file = format!("rtl/{}.v", c.module);
    let vectors = mac_vectors(d, opts.vectors, opts.seed);

    let mut files = BTreeMap::new();
    files.insert(rtl_file.clone(), mac_rtl(d, &c)?);
    let tb_header = config_lines(d, &tb_top);
    files.insert(
        tb_file.clone(),
        render(
            &MacTb {
                header: &tb_header,
                waves: super::WAVES,
                c: &c,
                tb: &tb_top,
                n: vectors.len(),
                sentinel: hex::sentinel(c.acc),
            },
            &tb_file,
        )?,
    );
    let (stim, expect) = vector_files(d, &vectors);
    files.insert("vectors/stim.hex".into(), stim);
    files.insert("vectors/expect.hex".into(), expect);
    let pnr_file = format!("synth/{pnr_top}.v");
    let pnr_header = config_lines(d, &pnr_top);
    files.insert(
        pnr_file.clone(),
        render(
            &PnrTop {
                header: &pnr_header,
                c: &c,
                ports: c.ports(),
                top: &pnr_top,
            },
            &pnr_file,
        )?,
    );
    let mut variants = Vec::new();
    // The hand-written baseline is one behavioural statement; a saturating one would not be.
    if matches!(d.weights, WeightFormat::Uniform(_)) && !c.saturate {
        let top = format!("{}_{PLAIN}", c.module);
        let file = format!("synth/{top}.v");
        let header = config_lines(d, &top);
        let text = render(
            &UniformPlain {
                header: &header,
                c: &c,
                ports: c.ports(),
                top: &top,
            },
            &file,
        )?;
        files.insert(file.clone(), text);
        variants.push((PLAIN, vec![file], top));
    }
    let rtl = vec![rtl_file];
    project::add_project_files(
        &mut files,
        d,
        &project::Tops {
            rtl: &rtl,
            top: &c.module,
            tb_top: &tb_top,
            tb_file: &tb_file,
            pnr_file: &pnr_file,
            pnr_top: &pnr_top,
            variants: &variants,
            formal: true,
            hier: false,
            regs: false,
            memories: false,
            cocotb_test: None,
            dsp_param: None,
        },
    )?;
    formal::add_formal_files(&mut files, d, &c, &rtl[0])?;
    Ok(Bundle {
        name: d.name.clone(),
        top: c.module.clone(),
        tb_top,
        tb_file,
        pnr_file,
        vectors: vectors.len(),
        checks: "vectors",
        files,
    })
}
