//! The accelerator's register map ([`crate::hw::accel::regs`]) as files for the host side:
//! a SystemRDL 2.0 description (`regs/<name>_regs.rdl`, this design's hardware configuration
//! as the reset values of the read-only fields, so PeakRDL and other SystemRDL tools see the
//! real design) and potmac's own C header (`regs/<name>_regs.h`: offsets, field shifts and
//! masks, error bits and the configuration as defines), plus the reference page
//! `docs/reference/registers.md` ([`reference_markdown`]).

use super::{config_lines, render, EmitError};
use crate::config::{Dataflow, Design};
use crate::hw::accel::regs::{self, Access, Field, Reg, ERRORS, MAP};
use crate::hw::accel::AccelWidths;
use crate::quant::WeightFormat;
use askama::Template;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The SystemRDL file of design `name`, relative to its folder.
pub fn rdl_path(name: &str) -> String {
    format!("regs/{name}_regs.rdl")
}

/// potmac's C header of design `name`, relative to its folder.
pub fn header_path(name: &str) -> String {
    format!("regs/{name}_regs.h")
}

/// The C header `make regs` has PeakRDL make from the SystemRDL file.
pub fn peakrdl_header_path(name: &str) -> String {
    format!("regs/{name}_regs_peakrdl.h")
}

/// The SystemRDL address map's name (PeakRDL's C header calls its struct `<this>_t`).
pub fn addrmap_name(name: &str) -> String {
    format!("{name}_regs")
}

/// One read-only field whose value is fixed by the design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HwValue {
    /// Register and field of [`MAP`].
    pub reg: &'static str,
    pub field: &'static str,
    /// The C header's define, after `<NAME>_`.
    pub define: &'static str,
    /// The value (the field reads [`Field::encode`] of it).
    pub value: u32,
}

/// Weight format code of HWCFG0's `wkind`.
fn wkind(f: &WeightFormat) -> u32 {
    match f {
        WeightFormat::Uniform(_) => 0,
        WeightFormat::Pot(_) => 1,
        WeightFormat::Apot(_) => 2,
    }
}

/// Bits per word of the program, weight and bias memories.
pub fn word_bits(d: &Design) -> [(&'static str, u32); 3] {
    let w = AccelWidths::new(d);
    [
        ("program", w.desc),
        ("weights", w.side * w.code),
        ("biases", w.side * w.bias_col),
    ]
}

/// Every field whose value the design fixes, in register order: ID, VERSION, the hardware
/// configuration, the memory depths and MEM_CHUNKS.
///
/// # Panics
/// If `d` is not an accelerator design.
pub fn hw_values(d: &Design, out_tiles: u32) -> Vec<HwValue> {
    let w = AccelWidths::new(d);
    let a = d.array.expect("an array design");
    let x = d.accel.expect("an accelerator design");
    let [program, weights, biases] = word_bits(d).map(|(_, bits)| bits.div_ceil(32));
    let v = |reg, field, define, value| HwValue {
        reg,
        field,
        define,
        value,
    };
    vec![
        v("ID", "id", "ID", regs::ID),
        v("VERSION", "minor", "VERSION_MINOR", regs::VERSION & 0xffff),
        v("VERSION", "major", "VERSION_MAJOR", regs::VERSION >> 16),
        v("HWCFG0", "rows", "ROWS", a.rows),
        v("HWCFG0", "cols", "COLS", a.cols),
        v(
            "HWCFG0",
            "dataflow",
            "DATAFLOW",
            u32::from(a.dataflow == Dataflow::Os),
        ),
        v("HWCFG0", "wkind", "WEIGHT_KIND", wkind(&d.weights)),
        v("HWCFG0", "wbits", "WEIGHT_BITS", w.code),
        v("HWCFG0", "abits", "ACT_BITS", w.act),
        v("HWCFG1", "batch", "MAX_BATCH", x.batch),
        v("HWCFG1", "layers", "LAYERS", x.layers),
        v("HWCFG2", "acc", "ACC_BITS", w.acc),
        v("HWCFG2", "sum", "SUM_BITS", w.postop.sum),
        v("HWCFG2", "bias", "BIAS_BITS", w.postop.bias),
        v("HWCFG2", "out_tiles", "OUT_TILES", out_tiles),
        v("WEIGHT_WORDS", "words", "WEIGHT_WORDS", x.weight_words),
        v("ACT_WORDS", "words", "ACT_WORDS", x.act_words),
        v("BIAS_WORDS", "words", "BIAS_WORDS", x.bias_words),
        v("MEM_CHUNKS", "program", "MEM_CHUNKS_PROGRAM", program),
        v("MEM_CHUNKS", "weights", "MEM_CHUNKS_WEIGHTS", weights),
        v("MEM_CHUNKS", "biases", "MEM_CHUNKS_BIASES", biases),
    ]
}

/// The value a read of register `reg` returns when all its fields are fixed by the design
/// (ID, VERSION, HWCFG*, the memory depths, MEM_CHUNKS): the RTL's read data.
pub fn fixed_word(d: &Design, reg: &str) -> u32 {
    let out_tiles = d.accel.expect("an accelerator design").out_tiles;
    hw_values(d, out_tiles)
        .iter()
        .filter(|v| v.reg == reg)
        .map(|v| {
            let f = regs::reg(reg).field(v.field);
            f.encode(v.value) << f.lsb
        })
        .sum()
}

/// A string as a SystemRDL string literal's contents (`"` and `\` escaped).
fn rdl_string(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

struct RdlField {
    name: &'static str,
    msb: u32,
    lsb: u32,
    sw: &'static str,
    /// `hw = na` for a constant (a field with a fixed value).
    constant: bool,
    /// `onread = ...` / `onwrite = ...`.
    side_effect: Option<&'static str>,
    reset: Option<String>,
    desc: String,
}

struct RdlReg {
    name: &'static str,
    offset: String,
    desc: String,
    fields: Vec<RdlField>,
}

#[derive(Template)]
#[template(path = "regs/regs.rdl", escape = "none")]
struct RdlTpl<'a> {
    header: &'a [String],
    addrmap: String,
    desc: String,
    regs: Vec<RdlReg>,
}

/// One `#define NAME VALUE`, the name padded so the values line up.
struct Define {
    name: String,
    value: String,
}

/// One block of defines under a comment.
struct DefineBlock {
    comment: String,
    defines: Vec<Define>,
}

#[derive(Template)]
#[template(path = "regs/regs.h", escape = "none")]
struct HeaderTpl<'a> {
    header: &'a [String],
    guard: String,
    blocks: Vec<DefineBlock>,
}

/// Header lines of a register file: the usual generated-file lines and what the file is.
fn header_lines(d: &Design, file: &str, what: &str) -> Vec<String> {
    let mut h = config_lines(d, file);
    h.insert(1, format!(" {what}"));
    h.insert(
        2,
        format!(
            " Register map version {}.{}, from potmac's table src/hw/accel/regs.rs.",
            regs::VERSION >> 16,
            regs::VERSION & 0xffff
        ),
    );
    h
}

/// The value set at `reg.field`, if the design fixes it.
fn fixed<'a>(values: &'a [HwValue], r: &Reg, f: &Field) -> Option<&'a HwValue> {
    values.iter().find(|v| v.reg == r.name && v.field == f.name)
}

/// The SystemRDL description of design `d`'s register map.
pub fn rdl(d: &Design, out_tiles: u32) -> Result<String, EmitError> {
    let file = rdl_path(&d.name);
    let a = d.array.expect("an array design");
    let values = hw_values(d, out_tiles);
    let regs = MAP
        .iter()
        .map(|r| RdlReg {
            name: r.name,
            offset: format!("0x{:02x}", r.offset),
            desc: rdl_string(r.desc),
            fields: r
                .fields
                .iter()
                .map(|f| {
                    let value = fixed(&values, r, f);
                    RdlField {
                        name: f.name,
                        msb: f.msb(),
                        lsb: f.lsb,
                        sw: f.access.rdl_sw(),
                        constant: value.is_some(),
                        side_effect: match f.access {
                            Access::Rc => Some("onread = rclr"),
                            Access::W1c => Some("onwrite = woclr"),
                            Access::Tow => Some("onwrite = wot"),
                            Access::Ro | Access::Rw | Access::Wo => None,
                        },
                        // Sizes in decimal, the ID in hex.
                        reset: value.map(|v| match f.encode(v.value) {
                            x if x > 0xffff => format!("0x{x:x}"),
                            x => x.to_string(),
                        }),
                        desc: rdl_string(f.desc),
                    }
                })
                .collect(),
        })
        .collect();
    render(
        &RdlTpl {
            header: &header_lines(
                d,
                &file,
                "SystemRDL 2.0 description of the accelerator's AXI4-Lite register map.",
            ),
            addrmap: addrmap_name(&d.name),
            desc: rdl_string(&format!(
                "AXI4-Lite control registers of the inference accelerator {} ({}x{} {} array; \
                 weights: {}).",
                d.name,
                a.rows,
                a.cols,
                a.dataflow.name(),
                d.weights.summary()
            )),
            regs,
        },
        &file,
    )
}

/// `0x` and eight hex digits, unsigned.
fn hex32(v: u32) -> String {
    format!("0x{v:08x}u")
}

/// potmac's C header of design `d`'s register map.
pub fn c_header(d: &Design, out_tiles: u32) -> Result<String, EmitError> {
    let file = header_path(&d.name);
    let p = d.name.to_uppercase();
    let def = |name: String, value: String| Define { name, value };
    let mut blocks = Vec::new();
    for r in MAP {
        let mut defines = vec![def(
            format!("{p}_{}_OFFSET", r.name),
            format!("0x{:02x}u", r.offset),
        )];
        for f in r.fields {
            let n = format!("{p}_{}_{}", r.name, f.name.to_uppercase());
            defines.push(def(format!("{n}_SHIFT"), format!("{}u", f.lsb)));
            defines.push(def(format!("{n}_MASK"), hex32(f.mask())));
        }
        let fields: Vec<String> = r
            .fields
            .iter()
            .map(|f| format!("{} {}", f.name, f.access.name()))
            .collect();
        blocks.push(DefineBlock {
            comment: format!("{} ({}): {}", r.name, fields.join(", "), r.desc),
            defines,
        });
    }
    blocks.push(DefineBlock {
        comment: "ERROR's bits (sticky; write 1 to clear).".into(),
        defines: ERRORS
            .iter()
            .map(|(name, bit, _)| {
                def(
                    format!("{p}_ERR_{}", name.to_uppercase()),
                    format!("(1u << {bit})"),
                )
            })
            .collect(),
    });
    blocks.push(DefineBlock {
        comment: "MEM_ADDR's select: the memory MEM_DATA writes.".into(),
        defines: regs::MEM_SELECT
            .iter()
            .map(|(name, v)| def(format!("{p}_MEM_{}", name.to_uppercase()), format!("{v}u")))
            .collect(),
    });
    let mut cfg: Vec<Define> = vec![
        def(format!("{p}_VERSION"), hex32(regs::VERSION)),
        def(
            format!("{p}_AXI_ADDR_BITS"),
            format!("{}u", regs::AXI_ADDR_BITS),
        ),
    ];
    for v in hw_values(d, out_tiles) {
        let value = if v.define == "ID" {
            hex32(v.value)
        } else {
            format!("{}u", v.value)
        };
        cfg.push(def(format!("{p}_{}", v.define), value));
    }
    for ((_, bits), mem) in word_bits(d).into_iter().zip(["PROGRAM", "WEIGHT", "BIAS"]) {
        cfg.push(def(format!("{p}_{mem}_WORD_BITS"), format!("{bits}u")));
    }
    blocks.push(DefineBlock {
        comment: "This design's configuration: what ID, VERSION, HWCFG*, *_WORDS and MEM_CHUNKS \
                  read (WEIGHT_BITS and ACT_BITS in full), and the memories' word bits."
            .into(),
        defines: cfg,
    });
    let width = blocks
        .iter()
        .flat_map(|b| &b.defines)
        .map(|d| d.name.len())
        .max()
        .unwrap_or(0);
    for d in blocks.iter_mut().flat_map(|b| &mut b.defines) {
        d.name = format!("{:<width$}", d.name);
    }
    render(
        &HeaderTpl {
            header: &header_lines(
                d,
                &file,
                "C header of the accelerator's AXI4-Lite register map (byte offsets).",
            ),
            guard: format!("{p}_REGS_H"),
            blocks,
        },
        &file,
    )
}

/// Add the register files of accelerator design `d` to its folder.
pub(crate) fn add_files(
    files: &mut BTreeMap<String, String>,
    d: &Design,
    out_tiles: u32,
) -> Result<(), EmitError> {
    files.insert(rdl_path(&d.name), rdl(d, out_tiles)?);
    files.insert(header_path(&d.name), c_header(d, out_tiles)?);
    Ok(())
}

/// Markdown table text: `|` and `*` escaped.
fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('*', "\\*")
}

/// `docs/reference/registers.md`: the register map as tables, from [`MAP`] and [`ERRORS`]
/// (deterministic; `tests/docs.rs` keeps the committed page equal to it).
pub fn reference_markdown() -> String {
    let mut s = String::new();
    s.push_str("# Register map\n\n");
    s.push_str("<!-- Generated by tests/docs.rs from src/hw/accel/regs.rs; do not edit. -->\n\n");
    let _ = writeln!(
        s,
        "The inference accelerator's AXI4-Lite control registers: 32 bits each, byte offsets \
         in a {} KiB window ({} address bits). The first four are the Vitis/XRT kernel control \
         map; user registers start at 0x10. Generated from the table in \
         `src/hw/accel/regs.rs` by `tests/docs.rs`, which fails when this page is out of date; \
         regenerate it with `POTMAC_BLESS=1 cargo test --test docs`.\n",
        (1u32 << regs::AXI_ADDR_BITS) / 1024,
        regs::AXI_ADDR_BITS
    );
    s.push_str(
        "Every accelerator folder has the same map as SystemRDL 2.0 in `regs/<name>_regs.rdl` \
         (the read-only configuration fields with this design's values as their resets) and as \
         a C header in `regs/<name>_regs.h` (`<NAME>_<REG>_OFFSET`, `<NAME>_<REG>_<FIELD>_SHIFT` \
         and `_MASK`, `<NAME>_ERR_<BIT>`, and the configuration: `<NAME>_ROWS`, \
         `<NAME>_MAX_BATCH`, `<NAME>_MEM_CHUNKS_WEIGHTS`, ...). `make regs` in the folder has \
         PeakRDL (`peakrdl c-header`, from `verification/requirements.txt`) make its own header \
         from the SystemRDL file, `regs/<name>_regs_peakrdl.h`.\n\n",
    );
    s.push_str("Access:\n\n");
    for a in Access::ALL {
        let _ = writeln!(s, "- {}: {}", a.name(), a.meaning());
    }
    s.push_str("\n| offset | register | description |\n|---|---|---|\n");
    for r in MAP {
        let _ = writeln!(
            s,
            "| `0x{:02x}` | [{}](#{}) | {} |",
            r.offset,
            r.name,
            r.name.to_lowercase(),
            md(r.desc)
        );
    }
    for r in MAP {
        let _ = write!(
            s,
            "\n## {}\n\nOffset `0x{:02x}`. {}\n\n| bits | field | access | description |\n\
             |---|---|---|---|\n",
            r.name,
            r.offset,
            md(r.desc)
        );
        for f in r.fields.iter().rev() {
            let bits = if f.width == 1 {
                f.lsb.to_string()
            } else {
                format!("{}:{}", f.msb(), f.lsb)
            };
            let _ = writeln!(
                s,
                "| {bits} | `{}` | {} | {} |",
                f.name,
                f.access.name(),
                md(f.desc)
            );
        }
    }
    s.push_str(
        "\n## Error bits\n\nBits of [ERROR](#error), sticky until written with 1. A run with \
         any of the first six set at `ap_start`, or a program error found before a pass, never \
         starts a pass.\n\n| bit | name | C define | meaning |\n|---|---|---|---|\n",
    );
    for (name, bit, meaning) in ERRORS {
        let _ = writeln!(
            s,
            "| {bit} | `{name}` | `<NAME>_ERR_{}` | {} |",
            name.to_uppercase(),
            md(meaning)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accel(df: &str, weights: &str) -> Design {
        let yaml = format!(
            "name: t_accel\nweights: {weights}\nactivations: {{bits: 8, signed: false}}\n\
             max_dot_length: 784\narray: {{rows: 8, cols: 8, dataflow: {df}}}\n\
             accelerator: {{batch: 64, weight_words: 13696, act_words: 6272, bias_words: 26, \
             layers: 3, image_words: 100352}}\n"
        );
        Design::from_yaml(&yaml, "test").unwrap()
    }

    #[test]
    fn rdl_has_the_map_and_the_design_values() {
        let d = accel("os", "{format: pot, bits: 4, zero: code}");
        let t = rdl(&d, 2).unwrap();
        for line in [
            "addrmap t_accel_regs {",
            "    default regwidth = 32;",
            "    } CTRL @ 0x00;",
            "    } PASSES @ 0x64;",
            "            onread = rclr;",
            "            onwrite = woclr;",
            "            onwrite = wot;",
            "        } rows[7:0];",
            "        } out_tiles[31:24];",
            "        desc = \"Identification: 0x706f746d (\\\"potm\\\").\";",
            "            reset = 0x706f746d;",
        ] {
            assert!(t.lines().any(|l| l == line), "missing {line:?} in\n{t}");
        }
        // The configuration fields are constants with this design's values.
        let field = |name: &str, reg: &str| {
            let end = t
                .find(&format!("}} {name}"))
                .unwrap_or_else(|| panic!("{name}"));
            let start = t[..end].rfind("field {").unwrap();
            assert!(t[end..].find(&format!("}} {reg} @")).is_some());
            t[start..end].to_string()
        };
        let rows = field("rows[7:0]", "HWCFG0");
        assert!(
            rows.contains("reset = 8;") && rows.contains("hw = na;"),
            "{rows}"
        );
        assert!(field("dataflow[16:16]", "HWCFG0").contains("reset = 1;"));
        assert!(field("wkind[19:17]", "HWCFG0").contains("reset = 1;"));
        assert!(field("out_tiles[31:24]", "HWCFG2").contains("reset = 2;"));
        assert!(field("major[31:16]", "VERSION").contains("reset = 1;"));
        let start = field("ap_start[0:0]", "CTRL");
        assert!(
            start.contains("sw = rw;") && !start.contains("reset"),
            "{start}"
        );
        assert!(field("chunk[31:0]", "MEM_DATA").contains("sw = w;"));
        // Header lines, no absolute paths.
        assert!(t.starts_with("// ---"), "{t}");
        assert!(t.contains("// regs/t_accel_regs.rdl: generated by potmac"));
        assert!(!t.contains(env!("CARGO_MANIFEST_DIR")));
    }

    #[test]
    fn c_header_has_offsets_fields_errors_and_config() {
        let d = accel("ws", "{format: apot, bits: 4}");
        let h = c_header(&d, 1).unwrap();
        let define = |name: &str| {
            h.lines()
                .find_map(|l| {
                    let mut it = l.split_whitespace();
                    (it.next() == Some("#define") && it.next() == Some(name))
                        .then(|| it.collect::<Vec<_>>().join(" "))
                })
                .unwrap_or_else(|| panic!("no {name} in\n{h}"))
        };
        assert_eq!(define("T_ACCEL_CTRL_OFFSET"), "0x00u");
        assert_eq!(define("T_ACCEL_ISR_OFFSET"), "0x0cu");
        assert_eq!(define("T_ACCEL_MEM_CHUNKS_OFFSET"), "0x4cu");
        assert_eq!(define("T_ACCEL_CTRL_AP_IDLE_SHIFT"), "2u");
        assert_eq!(define("T_ACCEL_CTRL_AP_IDLE_MASK"), "0x00000004u");
        assert_eq!(define("T_ACCEL_HWCFG0_ABITS_MASK"), "0x0f000000u");
        assert_eq!(define("T_ACCEL_MEM_ADDR_SELECT_MASK"), "0x30000000u");
        assert_eq!(define("T_ACCEL_ERR_BATCH"), "(1u << 0)");
        assert_eq!(define("T_ACCEL_ERR_REG_BUSY"), "(1u << 11)");
        assert_eq!(define("T_ACCEL_ID"), "0x706f746du");
        assert_eq!(define("T_ACCEL_VERSION"), "0x00010000u");
        assert_eq!(define("T_ACCEL_ROWS"), "8u");
        assert_eq!(define("T_ACCEL_DATAFLOW"), "0u");
        assert_eq!(define("T_ACCEL_WEIGHT_KIND"), "2u");
        assert_eq!(define("T_ACCEL_MAX_BATCH"), "64u");
        assert_eq!(define("T_ACCEL_WEIGHT_WORDS"), "13696u");
        assert_eq!(define("T_ACCEL_MEM_WEIGHTS"), "1u");
        // 8 codes of 4 bits: one chunk; the program word (AccelWidths::desc) in 32-bit chunks.
        assert_eq!(define("T_ACCEL_MEM_CHUNKS_WEIGHTS"), "1u");
        let desc = AccelWidths::new(&d).desc;
        assert_eq!(
            define("T_ACCEL_MEM_CHUNKS_PROGRAM"),
            format!("{}u", desc.div_ceil(32))
        );
        assert_eq!(define("T_ACCEL_PROGRAM_WORD_BITS"), format!("{desc}u"));
        assert!(h.contains("#ifndef T_ACCEL_REGS_H\n#define T_ACCEL_REGS_H\n"));
        assert!(h.trim_end().ends_with("#endif // T_ACCEL_REGS_H"), "{h}");
        // Every define once.
        let mut names: Vec<&str> = h
            .lines()
            .filter_map(|l| l.strip_prefix("#define "))
            .map(|l| l.split_whitespace().next().unwrap())
            .collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "a define repeats");
    }

    #[test]
    fn every_fixed_value_names_a_read_only_field_and_fits_it() {
        let d = accel("ws", "{format: uniform, bits: 8}");
        for v in hw_values(&d, d.accel.unwrap().out_tiles) {
            let f = regs::reg(v.reg).field(v.field);
            assert_eq!(f.access, Access::Ro, "{}.{}", v.reg, v.field);
            assert_eq!(f.encode(v.value), v.value, "{}.{}", v.reg, v.field);
        }
        // 16-bit weights and activations read 0 (documented in the fields' descriptions).
        let f = regs::reg("HWCFG0").field("wbits");
        assert_eq!(f.encode(16), 0);
        assert!(f.desc.contains("0 stands for 16"));
    }

    #[test]
    fn reference_lists_every_register_field_and_error() {
        let m = reference_markdown();
        for r in MAP {
            assert!(m.contains(&format!("\n## {}\n", r.name)), "{}", r.name);
            for f in r.fields {
                assert!(m.contains(&format!("| `{}` |", f.name)), "{}", f.name);
            }
        }
        for (name, ..) in ERRORS {
            assert!(m.contains(&format!("| `{name}` |")), "{name}");
        }
        assert!(m.contains("| 7:0 | `rows` | RO | Array rows R. |"));
    }
}
