//! Yosys driver: runs a design folder's synthesis script for one target and reads the
//! `stat -json` report it writes (never the text log).

use super::liberty::{GeArea, Library};
use super::{run, Tool, ToolError};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

mod prove;
pub use prove::{parse_prove_log, prove, ProveOutcome, CEX_VCD, LOG, SCRIPT};

/// Yosys.
pub const YOSYS: Tool = Tool {
    bin: "yosys",
    package: "yosys",
};

/// Synthesis variant of an array's top that keeps the hierarchy (`synth/hier_*.ys`): each
/// distinct module is synthesized once and `stat -top` weights it by its instances.
pub const HIER_VARIANT: &str = "hier";

/// Synthesis variant of a design's top on an FPGA target with DSP blocks allowed
/// (`synth/dsp_*.ys`); every other script keeps them off.
pub const DSP_VARIANT: &str = "dsp";

/// Synthesis target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Generic gates (`abc -g cmos2`: NAND/NOR/NOT) with a CMOS transistor estimate.
    Generic,
    /// Lattice iCE40 LUT4s, DSPs off.
    Ice40,
    /// Xilinx 7-series LUTs, DSPs off (`-nodsp`).
    Xc7,
    /// Lattice ECP5 LUT4s, DSPs off (`synth_ecp5 -nodsp`).
    Ecp5,
}

impl Target {
    /// Every target.
    pub const ALL: [Target; 4] = [Target::Generic, Target::Ice40, Target::Xc7, Target::Ecp5];

    /// Short name, used in file names.
    pub fn name(&self) -> &'static str {
        match self {
            Target::Generic => "generic",
            Target::Ice40 => "ice40",
            Target::Xc7 => "xc7",
            Target::Ecp5 => "ecp5",
        }
    }

    /// Whether the target has DSP blocks (the FPGAs), so that `--dsp` has a script
    /// ([`DSP_VARIANT`]) that lets Yosys use them.
    pub fn has_dsps(&self) -> bool {
        *self != Target::Generic
    }

    /// Script path relative to the design folder.
    pub fn script(&self) -> String {
        self.script_for("")
    }

    /// `stat -json` output path relative to the design folder.
    pub fn stat_json(&self) -> String {
        self.stat_json_for("")
    }

    /// Script of a variant (`""` for the design itself, `"plain"` for the hand-written
    /// uniform baseline).
    pub fn script_for(&self, variant: &str) -> String {
        format!("synth/{}{}.ys", prefix(variant), self.name())
    }

    /// `stat -json` output of a variant.
    pub fn stat_json_for(&self, variant: &str) -> String {
        format!("build/stat_{}{}.json", prefix(variant), self.name())
    }

    /// `stat -json -tech cmos` of the combinational cells of a variant (generic target).
    pub fn comb_json_for(&self, variant: &str) -> String {
        format!("build/stat_{}{}_comb.json", prefix(variant), self.name())
    }

    /// `stat -json` of a variant mapped to potmac's cell library (generic target).
    pub fn ge_json_for(&self, variant: &str) -> String {
        format!("build/stat_{}{}_ge.json", prefix(variant), self.name())
    }

    /// The memory cells a variant keeps (generic target, accelerators), as a Yosys JSON
    /// netlist.
    pub fn mem_json_for(&self, variant: &str) -> String {
        format!("build/mem_{}{}.json", prefix(variant), self.name())
    }

    /// The design of a variant after `synth`, before any mapping, as RTLIL (generic target):
    /// the start of the runs on a user's cell library.
    pub fn rtlil_for(&self, variant: &str) -> String {
        format!("build/synth_{}{}.il", prefix(variant), self.name())
    }

    /// The gate netlist of a variant mapped to potmac's cell library (generic target).
    pub fn gates_for(&self, variant: &str) -> String {
        format!("build/gates_{}{}.v", prefix(variant), self.name())
    }
}

fn prefix(variant: &str) -> String {
    if variant.is_empty() {
        String::new()
    } else {
        format!("{variant}_")
    }
}

/// `yosys` arguments for a script.
pub fn args(script: &str, log: &str) -> Vec<String> {
    vec![
        "-q".into(),
        "-l".into(),
        log.into(),
        "-s".into(),
        script.into(),
    ]
}

/// `yosys` arguments for a target and variant.
pub fn target_args(t: Target, variant: &str) -> Vec<String> {
    args(
        &t.script_for(variant),
        &format!("build/yosys_{}{}.log", prefix(variant), t.name()),
    )
}

/// Resource figures of one synthesized design.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SynthStats {
    /// All cells.
    pub cells: u64,
    /// CMOS transistor estimate of the combinational logic (`stat -tech cmos` over every
    /// cell but the flip-flops; generic target only).
    pub transistors: Option<u64>,
    /// Flip-flops.
    pub ffs: u64,
    /// LUTs (FPGA targets).
    pub luts: Option<u64>,
    /// Carry cells (FPGA targets).
    pub carries: Option<u64>,
    /// DSP blocks: SB_MAC16 (iCE40), DSP48E1 (xc7), MULT18X18D (ECP5); 0 unless DSPs were
    /// allowed (`--dsp`).
    pub dsps: u64,
    /// Block RAMs: SB_RAM40_4K (iCE40), DP16KD (ECP5), RAMB36E1 + RAMB18E1 cells (xc7; see
    /// `bram36`). FPGA targets only.
    pub brams: Option<u64>,
    /// xc7: block RAM in RAMB36 equivalents (a RAMB18E1 is half of one).
    pub bram36: Option<f64>,
    /// LUT RAM primitives: RAM32M, RAM64M, RAM128X1D, ... (xc7), TRELLIS_DPR16X4 (ECP5).
    pub lutram: Option<u64>,
    /// xc7: LUTs used as memory, not in `luts`: LUT RAM (RAM32M and RAM64M 4, RAM128X1D 4,
    /// RAM64X1D 2, ...) and shift registers (SRL16E, SRLC32E: 1), as Vivado's "LUT as Memory".
    pub lutram_luts: Option<u64>,
    /// iCE40: SB_SPRAM256KA single-port RAMs (UltraPlus).
    pub spram: Option<u64>,
    /// Memories kept as memory cells (generic target, accelerators: the synchronous-read
    /// RAMs an ASIC builds from SRAM macros; not in the cells, transistors and GE).
    pub memories: Option<u64>,
    /// Bits of those memories.
    pub memory_bits: Option<u64>,
    /// Cell counts by type.
    pub by_type: BTreeMap<String, u64>,
    /// Area in gate equivalents on potmac's cell library, flip-flops included (generic
    /// target only).
    pub ge: Option<GeArea>,
}

/// Parse a `stat -json` report.
pub fn parse_stat(json: &str, target: Target) -> Result<SynthStats, String> {
    let v = stat_value(json)?;
    let d = v.get("design").ok_or("stat JSON has no `design` section")?;
    let num = |x: &Value| -> Option<u64> {
        x.as_u64()
            .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
    };
    let cells = d.get("num_cells").and_then(num).ok_or("no num_cells")?;
    let mut by_type = BTreeMap::new();
    if let Some(m) = d.get("num_cells_by_type").and_then(Value::as_object) {
        for (k, x) in m {
            by_type.insert(k.clone(), num(x).unwrap_or(0));
        }
    }
    let sum = |pred: &dyn Fn(&str) -> bool| -> u64 {
        by_type
            .iter()
            .filter(|(k, _)| pred(k))
            .map(|(_, n)| *n)
            .sum()
    };
    let (ffs, luts, carries, dsps) = match target {
        Target::Generic => (sum(&|k| k.contains("DFF")), None, None, 0),
        Target::Ecp5 => (
            sum(&|k| k == "TRELLIS_FF"),
            Some(sum(&|k| k == "LUT4")),
            Some(sum(&|k| k == "CCU2C")),
            sum(&|k| k == "MULT18X18D"),
        ),
        Target::Ice40 => (
            sum(&|k| k.starts_with("SB_DFF")),
            Some(sum(&|k| k == "SB_LUT4")),
            Some(sum(&|k| k == "SB_CARRY")),
            sum(&|k| k == "SB_MAC16"),
        ),
        Target::Xc7 => (
            sum(&|k| k.starts_with("FD")),
            Some(sum(&|k| k.starts_with("LUT"))),
            Some(sum(&|k| k.starts_with("CARRY"))),
            sum(&|k| k.starts_with("DSP")),
        ),
    };
    let n = |k: &str| by_type.get(k).copied().unwrap_or(0);
    let (brams, bram36, lutram, lutram_luts, spram) = match target {
        Target::Generic => (None, None, None, None, None),
        Target::Ice40 => (
            Some(n("SB_RAM40_4K")),
            None,
            None,
            None,
            Some(n("SB_SPRAM256KA")),
        ),
        Target::Ecp5 => (
            Some(n("DP16KD")),
            None,
            Some(n("TRELLIS_DPR16X4")),
            None,
            None,
        ),
        Target::Xc7 => {
            let (b36, b18) = (n("RAMB36E1"), n("RAMB18E1"));
            let mut cells = 0;
            let mut luts = 0;
            for (k, c) in &by_type {
                if let Some(l) = xc7_lutram_luts(k) {
                    cells += c;
                    luts += c * l;
                } else if k.starts_with("SRL") {
                    luts += c;
                }
            }
            (
                Some(b36 + b18),
                Some(b36 as f64 + b18 as f64 / 2.0),
                Some(cells),
                Some(luts),
                None,
            )
        }
    };
    let memories = (target == Target::Generic)
        .then(|| sum(&|k| k.starts_with("$mem")))
        .filter(|&m| m > 0);
    Ok(SynthStats {
        cells: cells - memories.unwrap_or(0),
        transistors: None,
        ffs,
        luts,
        carries,
        dsps,
        brams,
        bram36,
        lutram,
        lutram_luts,
        spram,
        memories,
        memory_bits: None,
        by_type,
        ge: None,
    })
}

/// LUTs of a 7-series LUT RAM primitive (UG474: one LUT6 holds 64 bits single-port, or 32
/// bits dual-port as two LUT5s), or `None` for any other cell.
fn xc7_lutram_luts(cell: &str) -> Option<u64> {
    Some(match cell {
        "RAM32X1S" | "RAM64X1S" | "RAM16X1S" => 1,
        "RAM32X1D" | "RAM64X1D" | "RAM128X1S" | "RAM16X1D" => 2,
        "RAM32M" | "RAM64M" | "RAM128X1D" | "RAM256X1S" => 4,
        "RAM256X1D" => 8,
        _ => return None,
    })
}

/// Yosys 0.23 writes `stat -json` over a partial selection with a trailing comma and no
/// `design` section; drop commas that directly precede a closing brace or bracket.
fn repair_trailing_commas(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut pending_comma = false;
    let mut pending_ws = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for ch in json.chars() {
        if in_string {
            out.push(ch);
            match (escaped, ch) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if pending_comma {
            if ch.is_whitespace() {
                pending_ws.push(ch);
                continue;
            }
            if ch != '}' && ch != ']' {
                out.push(',');
            }
            out.push_str(&pending_ws);
            pending_ws.clear();
            pending_comma = false;
        }
        match ch {
            ',' => pending_comma = true,
            '"' => {
                in_string = true;
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

/// Parse a `stat -json` report as Yosys 0.23 writes it: trailing commas over a partial
/// selection, and with `-top` the text of the hierarchy (`top 1 / sub 16`) printed between
/// the modules and the `design` section, which then holds the instance-weighted totals; that
/// section alone is kept when the whole does not parse.
fn stat_value(json: &str) -> Result<Value, String> {
    let repaired = repair_trailing_commas(json);
    match serde_json::from_str(&repaired) {
        Ok(v) => Ok(v),
        Err(e) => match repaired.rfind("\"design\":") {
            Some(i) => serde_json::from_str(&format!("{{{}", &repaired[i..]))
                .map_err(|e| format!("bad stat JSON: {e}")),
            None => Err(format!("bad stat JSON: {e}")),
        },
    }
}

/// The CMOS transistor estimate of a `stat -json -tech cmos` report: the `design` total, or
/// the sum over modules when Yosys left the total out.
pub fn parse_transistors(json: &str) -> Result<u64, String> {
    let v = stat_value(json)?;
    let num = |t: &Value| -> Option<u64> {
        t.as_u64()
            .or_else(|| t.as_str().and_then(|s| s.parse().ok()))
    };
    let missing = "stat JSON has no transistor estimate (a cell without a CMOS cost?)";
    if let Some(t) = v
        .get("design")
        .and_then(|d| d.get("estimated_num_transistors"))
    {
        return num(t).ok_or_else(|| format!("bad transistor estimate {t}"));
    }
    let modules = v.get("modules").and_then(Value::as_object).ok_or(missing)?;
    let mut total = 0;
    for m in modules.values() {
        total += m
            .get("estimated_num_transistors")
            .and_then(num)
            .ok_or(missing)?;
    }
    if modules.is_empty() {
        return Err(missing.into());
    }
    Ok(total)
}

/// Bits of the memory cells (`$mem_v2`: `SIZE` words of `WIDTH` bits) of a Yosys JSON
/// netlist.
pub fn parse_memory_bits(json: &str) -> Result<u64, String> {
    let v: Value = serde_json::from_str(json).map_err(|e| format!("bad memory JSON: {e}"))?;
    let param = |c: &Value, k: &str| -> Result<u64, String> {
        let p = c
            .get("parameters")
            .and_then(|p| p.get(k))
            .ok_or_else(|| format!("memory cell without {k}"))?;
        // Yosys writes parameters as binary strings (or numbers with `-compat-int`).
        p.as_u64()
            .or_else(|| p.as_str().and_then(|s| u64::from_str_radix(s, 2).ok()))
            .ok_or_else(|| format!("bad {k} {p}"))
    };
    let mut bits = 0;
    for m in v
        .get("modules")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.values())
    {
        for c in m
            .get("cells")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|c| c.values())
        {
            if c.get("type").and_then(Value::as_str) == Some("$mem_v2") {
                bits += param(c, "SIZE")? * param(c, "WIDTH")?;
            }
        }
    }
    Ok(bits)
}

/// Run the target's script in a design folder and read its statistics.
pub fn synth(dir: &Path, target: Target, timeout: Duration) -> Result<SynthStats, ToolError> {
    synth_variant(dir, target, "", timeout)
}

/// Run the script of a variant (see [`Target::script_for`]) and read its statistics.
pub fn synth_variant(
    dir: &Path,
    target: Target,
    variant: &str,
    timeout: Duration,
) -> Result<SynthStats, ToolError> {
    let io = |source| ToolError::Io {
        bin: YOSYS.bin,
        source,
    };
    std::fs::create_dir_all(dir.join("build")).map_err(io)?;
    let log = dir.join(format!(
        "build/yosys_{}{}.log",
        prefix(variant),
        target.name()
    ));
    let _ = std::fs::remove_file(dir.join(target.stat_json_for(variant)));
    let _ = std::fs::remove_file(dir.join(target.mem_json_for(variant)));
    let what = if variant.is_empty() {
        crate::progress::short_name(dir)
    } else {
        format!("{} ({variant})", crate::progress::short_name(dir))
    };
    let _step = crate::progress::step(
        &format!("yosys: synthesizing {what} for {}", target.name()),
        None,
    );
    run(&YOSYS, &target_args(target, variant), dir, timeout, &log)?.check(&YOSYS)?;
    let bad = |m: String| ToolError::Failed {
        bin: YOSYS.bin,
        status: 0,
        log: log.clone(),
        tail: format!("\n  {m}"),
    };
    let json = std::fs::read_to_string(dir.join(target.stat_json_for(variant))).map_err(io)?;
    let mut stats = parse_stat(&json, target).map_err(bad)?;
    if target == Target::Generic {
        let comb = std::fs::read_to_string(dir.join(target.comb_json_for(variant))).map_err(io)?;
        stats.transistors = parse_transistors(&comb).map_err(bad)?.into();
        let ge = std::fs::read_to_string(dir.join(target.ge_json_for(variant))).map_err(io)?;
        let mut mapped = parse_stat(&ge, target).map_err(bad)?;
        // Memory cells kept whole are not gates: their bits are reported instead.
        mapped.by_type.retain(|k, _| !k.starts_with("$mem"));
        stats.ge = Some(Library::builtin().area(&mapped.by_type).map_err(bad)?);
        let mem = dir.join(target.mem_json_for(variant));
        if stats.memories.is_some() || mem.is_file() {
            let _ = stats.memories.get_or_insert(0);
            let text = std::fs::read_to_string(&mem).map_err(io)?;
            stats.memory_bits = Some(parse_memory_bits(&text).map_err(bad)?);
        }
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_yosys_023_stat_json() {
        let j = r#"{"creator": "Yosys 0.23", "modules": {},
          "design": {"num_cells": 538, "num_cells_by_type": {"$_DFF_P_": 20, "$_NAND_": 208,
          "$_NOR_": 203, "$_NOT_": 107}, "estimated_num_transistors": "2178"}}"#;
        let s = parse_stat(j, Target::Generic).unwrap();
        assert_eq!((s.cells, s.ffs), (538, 20));
        assert_eq!(parse_transistors(j), Ok(2178));
        assert!(parse_transistors(r#"{"design": {"num_cells": 3}}"#).is_err());
        // Yosys 0.23 over a partial selection: trailing comma, no design section.
        let partial = "{\n \"modules\": {\n  \"\\\\m\": {\"num_cells\": 3, \"estimated_num_transistors\": \"5018\"}\n },\n\n}\n";
        assert_eq!(parse_transistors(partial), Ok(5018));
        assert_eq!(repair_trailing_commas("[1, \"a,]\",\n]"), "[1, \"a,]\"\n]");
        let j = r#"{"design": {"num_cells": 10, "num_cells_by_type": {"SB_LUT4": 6,
          "SB_DFFER": 3, "SB_CARRY": 1}}}"#;
        let s = parse_stat(j, Target::Ice40).unwrap();
        assert_eq!((s.luts, s.ffs, s.carries, s.dsps), (Some(6), 3, Some(1), 0));
        assert!(parse_stat("{}", Target::Xc7).is_err());
        // Yosys 0.23 `stat -json -top`: the hierarchy printed as text before `design`.
        let top = "{\n \"modules\": {\n  \"\\\\pe\": {\"num_cells\": 1, \"estimated_num_transistors\": \"0+\"}\n },\n   top 1\n     pe 16\n \"design\": {\"num_cells\": 40, \"num_cells_by_type\": {\"$_NAND_\": 40},\n  \"estimated_num_transistors\": \"160\"}\n}\n";
        assert_eq!(parse_stat(top, Target::Generic).unwrap().cells, 40);
        assert_eq!(parse_transistors(top), Ok(160));
    }
}
