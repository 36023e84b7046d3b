//! The accelerator's register files checked by real tools: for the committed ws and os
//! accelerators, `make regs` has PeakRDL (`peakrdl c-header`) compile the generated SystemRDL
//! into its own C header, and a C program that includes both that header and potmac's
//! `regs/<name>_regs.h` must compile: `_Static_assert`s check that every register offset
//! (`offsetof` on PeakRDL's struct), field position and mask, and every configuration field's
//! reset value agree between the two headers, and that potmac's configuration defines have the
//! design's values. A header with one wrong offset must fail to compile.
//!
//! Needs `peakrdl` with `peakrdl-cheader` (verification/requirements.txt), `make` and `cc`:
//! a missing tool skips locally and fails under CI.

mod common;

use common::{design, have, root, scratch};
use potmac::emit::{self, regmap, Options};
use potmac::hw::accel::regs::{ERRORS, MAP};
use potmac::hw::accel::{M_BITS, S_BITS};
use potmac::tools::Tool;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

const PEAKRDL: Tool = Tool {
    bin: "peakrdl",
    package: "peakrdl-cli and peakrdl-cheader (pip install -r verification/requirements.txt)",
};
const MAKE: Tool = Tool {
    bin: "make",
    package: "make",
};
const CC: Tool = Tool {
    bin: "cc",
    package: "gcc",
};

const OPTS: Options = Options {
    vectors: 10,
    seed: 1,
};

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The C program: both headers, and a `_Static_assert` per fact.
fn check_program(name: &str, expect: &[(&str, u64)]) -> String {
    let p = name.to_uppercase();
    let rdl = format!("{}_REGS_", p);
    let mut c = String::new();
    writeln!(c, "#include <stddef.h>").unwrap();
    writeln!(c, "#include \"{}\"", regmap::peakrdl_header_path(name)).unwrap();
    writeln!(c, "#include \"{}\"", regmap::header_path(name)).unwrap();
    let mut check = |cond: String, what: String| {
        writeln!(c, "_Static_assert({cond}, \"{what}\");").unwrap();
    };
    for r in MAP {
        check(
            format!(
                "offsetof({}_t, {}) == {p}_{}_OFFSET",
                regmap::addrmap_name(name),
                r.name,
                r.name
            ),
            format!("offset of {}", r.name),
        );
        for f in r.fields {
            let (ours, theirs) = (
                format!("{p}_{}_{}", r.name, f.name.to_uppercase()),
                format!("{rdl}_{}__{}", r.name, f.name.to_uppercase()),
            );
            check(
                format!("{theirs}_bp == {ours}_SHIFT"),
                format!("shift of {}.{}", r.name, f.name),
            );
            check(
                format!("{theirs}_bm == {ours}_MASK"),
                format!("mask of {}.{}", r.name, f.name),
            );
        }
    }
    let d = design(&std::fs::read_to_string(root().join(config_of(name))).unwrap());
    for v in regmap::hw_values(&d, d.accel.expect("an accelerator design").out_tiles) {
        let f = potmac::hw::accel::regs::reg(v.reg).field(v.field);
        let ours = format!("{p}_{}_{}", v.reg, f.name.to_uppercase());
        check(
            format!(
                "{rdl}_{}__{}_reset == ((({p}_{} << {ours}_SHIFT) & {ours}_MASK) >> {ours}_SHIFT)",
                v.reg,
                f.name.to_uppercase(),
                v.define
            ),
            format!("reset of {}.{} is {}", v.reg, v.field, v.define),
        );
    }
    for (define, value) in expect {
        check(
            format!("{p}_{define} == {value}u"),
            format!("{define} is {value}"),
        );
    }
    c.push_str("int main(void) { return 0; }\n");
    c
}

fn config_of(name: &str) -> String {
    format!("verification/configs/accel/{name}.yaml")
}

fn cc(dir: &Path, src: &str) -> Output {
    std::fs::write(dir.join("check.c"), src).unwrap();
    Command::new("cc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-I", "."])
        .args(["check.c", "-o", "build/check"])
        .current_dir(dir)
        .output()
        .expect("cc starts")
}

#[test]
fn peakrdl_accepts_the_rdl_and_both_headers_agree() {
    if !have(&[PEAKRDL, MAKE, CC]) {
        return;
    }
    let out = scratch("regs");
    for (name, dataflow) in [("pot_w4a8_accel8x8", 0), ("pot_w4a8_accel8x8_os", 1)] {
        let d = design(&std::fs::read_to_string(root().join(config_of(name))).unwrap());
        let b = emit::bundle(&d, &OPTS).unwrap();
        let dir = emit::write(&b, &out).unwrap();
        // PeakRDL through the folder's Makefile: accepted, without warnings.
        let o = Command::new("make")
            .arg("regs")
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{name}: make regs\n{}", text(&o));
        assert!(
            !text(&o).to_lowercase().contains("warning"),
            "{name}: make regs warns\n{}",
            text(&o)
        );
        assert!(dir.join(regmap::peakrdl_header_path(name)).is_file());
        std::fs::create_dir_all(dir.join("build")).unwrap();
        // 8 PoT codes of 4 bits: one 32-bit chunk per weight word; 8 bias elements of a 25-bit
        // bias, a 16-bit M and a 6-bit S (47 bits): 376 bits, 12 chunks.
        let expect = [
            ("ID", 0x706f_746d),
            ("ROWS", 8),
            ("COLS", 8),
            ("DATAFLOW", dataflow),
            ("WEIGHT_KIND", 1),
            ("WEIGHT_BITS", 4),
            ("ACT_BITS", 8),
            ("MAX_BATCH", 64),
            ("LAYERS", 3),
            ("ACC_BITS", u64::from(d.widths.acc)),
            ("BIAS_BITS", u64::from(d.widths.acc)),
            ("WEIGHT_WORDS", 13696),
            ("ACT_WORDS", 6272),
            ("BIAS_WORDS", 26),
            ("MEM_CHUNKS_WEIGHTS", 1),
            (
                "MEM_CHUNKS_BIASES",
                u64::from(8 * (d.widths.acc + M_BITS + S_BITS)).div_ceil(32),
            ),
            ("ERR_REG_BUSY", 1 << 11),
            ("ERR_BATCH", 1),
        ];
        assert_eq!(ERRORS[11].0, "reg_busy");
        let src = check_program(name, &expect);
        let o = cc(&dir, &src);
        assert!(o.status.success(), "{name}: cc\n{}\n{src}", text(&o));
        // The check catches a disagreement: one wrong offset in potmac's header.
        let h = dir.join(regmap::header_path(name));
        let good = std::fs::read_to_string(&h).unwrap();
        let p = name.to_uppercase();
        let line = good
            .lines()
            .find(|l| l.starts_with(&format!("#define {p}_ISR_OFFSET ")))
            .unwrap();
        let bad = good.replace(line, &line.replace("0x0cu", "0x10u"));
        assert_ne!(bad, good);
        std::fs::write(&h, bad).unwrap();
        let o = cc(&dir, &src);
        assert!(!o.status.success(), "{name}: a wrong offset compiled");
        assert!(text(&o).contains("offset of ISR"), "{}", text(&o));
    }
}
