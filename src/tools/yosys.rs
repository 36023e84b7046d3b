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

/// Synthesis target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Generic gates (`abc -g cmos2`: NAND/NOR/NOT) with a CMOS transistor estimate.
    Generic,
    /// Lattice iCE40 LUT4s, DSPs off.
    Ice40,
    /// Xilinx 7-series LUTs, DSPs off (`-nodsp`).
    Xc7,
}

impl Target {
    /// Every target.
    pub const ALL: [Target; 3] = [Target::Generic, Target::Ice40, Target::Xc7];

    /// Short name, used in file names.
    pub fn name(&self) -> &'static str {
        match self {
            Target::Generic => "generic",
            Target::Ice40 => "ice40",
            Target::Xc7 => "xc7",
        }
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
    /// DSP blocks (always 0: DSPs are disabled).
    pub dsps: u64,
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
    let transistors = None;
    Ok(SynthStats {
        cells,
        transistors,
        ffs,
        luts,
        carries,
        dsps,
        by_type,
        ge: None,
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
        let mapped = parse_stat(&ge, target).map_err(bad)?;
        stats.ge = Some(Library::builtin().area(&mapped.by_type).map_err(bad)?);
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
