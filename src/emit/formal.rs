//! Views for the formal-equivalence files of a single-MAC folder: an independent reference
//! model written from the code table ([`WeightFormat::table`]), never from the datapath
//! templates, a miter for SymbiYosys, the Yosys script `potmac prove` runs and the `.sby` job.

use super::mac_view::MacCommon;
use super::ports::{align, Port, PortView};
use super::{config_lines, render, table_lines, EmitError};
use crate::config::Design;
use crate::quant::WeightFormat;
use crate::tools::yosys::{CEX_VCD, SCRIPT};
use askama::Template;
use std::collections::BTreeMap;

/// The reference computes `act * value` either once, on the value the case picks (uniform,
/// APoT), or per code as a product with a constant (PoT): both come from the code table, and
/// the choice is the one measured to prove faster (PoT 4-bit × 12-bit signed: 81 s with one
/// multiplier, 0.9 s per code; APoT 7-bit × 4-bit: 5.7 s with one multiplier, 63 s per code).
///
/// Uniform formats wider than this use a two's-complement expression instead of a case with
/// 2^bits arms.
const MAX_CASE_BITS: u32 = 8;

/// Default induction depth (`-maxsteps` and the SymbiYosys `depth`): the accumulator is the
/// output register, so induction of length 1 suffices for an equivalent design.
pub const DEPTH: u32 = 4;

/// File names of the formal files of a design.
#[derive(Debug, Clone)]
pub struct FormalNames {
    /// Reference module, `<name>_ref`.
    pub reference: String,
    /// Miter module, `<name>_miter`.
    pub miter: String,
    /// `formal/<name>_ref.v`.
    pub ref_file: String,
    /// `formal/<name>_miter.v`.
    pub miter_file: String,
    /// `formal/<name>.sby`.
    pub sby: String,
}

impl FormalNames {
    /// For a design name.
    pub fn new(name: &str) -> Self {
        FormalNames {
            reference: format!("{name}_ref"),
            miter: format!("{name}_miter"),
            ref_file: format!("formal/{name}_ref.v"),
            miter_file: format!("formal/{name}_miter.v"),
            sby: format!("formal/{name}.sby"),
        }
    }
}

/// The bounds of a saturating reference: at the wide sum's width and at the accumulator's.
struct SatView {
    max_wide: String,
    min_wide: String,
    max: String,
    min: String,
}

impl SatView {
    fn new(acc: u32) -> Self {
        let max = ((1i128 << (acc - 1)) - 1) as i64;
        let mask = if acc == 64 {
            u64::MAX
        } else {
            (1u64 << acc) - 1
        };
        SatView {
            max_wide: literal(max, acc + 1),
            min_wide: format!("-{}'sd{}", acc + 1, 1u64 << (acc - 1)),
            max: format!("{acc}'h{:x}", max as u64 & mask),
            min: format!("{acc}'h{:x}", (!max) as u64 & mask),
        }
    }
}

struct CaseView {
    code: String,
    value: String,
}

#[derive(Template)]
#[template(path = "formal/ref.v", escape = "none")]
struct RefView<'a> {
    header: &'a [String],
    c: &'a MacCommon,
    module: &'a str,
    mac: &'a str,
    ports: Vec<PortView>,
    act_ext: String,
    uniform_pad: Option<u32>,
    per_code_products: bool,
    w_msb: u32,
    cases: Vec<CaseView>,
    saturate: Option<SatView>,
}

#[derive(Template)]
#[template(path = "formal/miter.v", escape = "none")]
struct MiterView<'a> {
    header: &'a [String],
    c: &'a MacCommon,
    module: &'a str,
    mac: &'a str,
    reference: &'a str,
    sby: &'a str,
    ports: Vec<PortView>,
}

#[derive(Template)]
#[template(path = "formal/prove.ys", escape = "none")]
struct ProveYs<'a> {
    name: &'a str,
    mac: &'a str,
    reference: &'a str,
    miter: String,
    rtl: &'a str,
    ref_file: &'a str,
    script: &'a str,
    vcd: &'a str,
    depth: u32,
}

#[derive(Template)]
#[template(path = "formal/job.sby", escape = "none")]
struct SbyView<'a> {
    name: &'a str,
    mac: &'a str,
    reference: &'a str,
    miter: &'a str,
    rtl: &'a str,
    job: String,
    depth: u32,
}

/// A Verilog signed literal of `value` at `bits` bits.
fn literal(value: i64, bits: u32) -> String {
    if value < 0 {
        format!("-{bits}'sd{}", value.unsigned_abs())
    } else {
        format!("{bits}'sd{value}")
    }
}

/// Add the formal files of a single-MAC design (its RTL is `rtl`, its module `c.module`).
pub(crate) fn add_formal_files(
    files: &mut BTreeMap<String, String>,
    d: &Design,
    c: &MacCommon,
    rtl: &str,
) -> Result<(), EmitError> {
    let n = FormalNames::new(&d.name);
    let acc = c.acc;
    let pad = acc - c.act_bits;
    let fill = if c.act_signed {
        format!("{{{pad}{{act_i[{}]}}}}", c.act_bits - 1)
    } else {
        format!("{{{pad}{{1'b0}}}}")
    };
    let act_ext = format!("{{{fill}, act_i}}");
    let w = d.weights.bits();
    let wide_uniform = matches!(d.weights, WeightFormat::Uniform(_)) && w > MAX_CASE_BITS;
    let cases = if wide_uniform {
        Vec::new()
    } else {
        d.weights
            .table()
            .into_iter()
            .map(|e| CaseView {
                code: format!("{w}'b{:0width$b}", e.code, width = w as usize),
                value: literal(e.value, acc),
            })
            .collect()
    };
    let mut header = config_lines(d, &n.reference);
    header.extend(table_lines(d));
    files.insert(
        n.ref_file.clone(),
        render(
            &RefView {
                header: &header,
                c,
                module: &n.reference,
                mac: &c.module,
                ports: c.ports(),
                act_ext,
                uniform_pad: wide_uniform.then_some(acc - w),
                per_code_products: matches!(d.weights, WeightFormat::Pot(_)),
                w_msb: w - 1,
                cases,
                saturate: c.saturate.then(|| SatView::new(acc)),
            },
            &n.ref_file,
        )?,
    );
    let mut ports: Vec<Port> = vec![
        Port::input("clk_i", 1),
        Port::input("rst_ni", 1),
        Port::input("en_i", 1),
        Port::input("clr_i", 1),
        Port::input("act_i", c.act_bits),
        Port::input("wcode_i", w),
    ];
    ports.push(Port::output("equal_o", 1));
    let miter_header = config_lines(d, &n.miter);
    files.insert(
        n.miter_file.clone(),
        render(
            &MiterView {
                header: &miter_header,
                c,
                module: &n.miter,
                mac: &c.module,
                reference: &n.reference,
                sby: &n.sby,
                ports: align(&ports),
            },
            &n.miter_file,
        )?,
    );
    files.insert(
        SCRIPT.into(),
        render(
            &ProveYs {
                name: &d.name,
                mac: &c.module,
                reference: &n.reference,
                miter: format!("{}_equiv", d.name),
                rtl,
                ref_file: &n.ref_file,
                script: SCRIPT,
                vcd: CEX_VCD,
                depth: DEPTH,
            },
            SCRIPT,
        )?,
    );
    files.insert(
        n.sby.clone(),
        render(
            &SbyView {
                name: &d.name,
                mac: &c.module,
                reference: &n.reference,
                miter: &n.miter,
                rtl,
                job: format!("{}.sby", d.name),
                depth: DEPTH,
            },
            &n.sby,
        )?,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::literal;

    #[test]
    fn saturation_bounds() {
        let s = super::SatView::new(16);
        assert_eq!(
            (s.max_wide.as_str(), s.min_wide.as_str()),
            ("17'sd32767", "-17'sd32768")
        );
        assert_eq!((s.max.as_str(), s.min.as_str()), ("16'h7fff", "16'h8000"));
        let s = super::SatView::new(64);
        assert_eq!(s.min.as_str(), "64'h8000000000000000");
    }

    #[test]
    fn literals() {
        assert_eq!(literal(-64, 23), "-23'sd64");
        assert_eq!(literal(0, 9), "9'sd0");
        assert_eq!(literal(448, 30), "30'sd448");
    }
}
