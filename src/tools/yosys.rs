//! Yosys driver: runs a design folder's synthesis script for one target and reads the
//! `stat -json` report it writes (never the text log).

use super::liberty::{GeArea, Library};
use super::{run, Tool, ToolError};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Yosys.
pub const YOSYS: Tool = Tool {
    bin: "yosys",
    package: "yosys",
};

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
    let v: Value = serde_json::from_str(json).map_err(|e| format!("bad stat JSON: {e}"))?;
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

/// The CMOS transistor estimate of a `stat -json -tech cmos` report: the `design` total, or
/// the sum over modules when Yosys left the total out.
pub fn parse_transistors(json: &str) -> Result<u64, String> {
    let v: Value = serde_json::from_str(&repair_trailing_commas(json))
        .map_err(|e| format!("bad stat JSON: {e}"))?;
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

/// The Yosys script `potmac prove` runs, relative to a design folder.
pub const SCRIPT: &str = "formal/prove.ys";

/// Where that script writes a counterexample, relative to the folder.
pub const CEX_VCD: &str = "build/prove_cex.vcd";

/// Where `potmac prove` and `make prove` keep the Yosys log, relative to the folder.
pub const LOG: &str = "build/prove.log";

/// The result of a formal-equivalence run (`formal/prove.ys`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProveOutcome {
    /// Base case and induction step hold: the MAC equals its reference for every input
    /// sequence.
    Proven,
    /// The base case found an input sequence on which the accumulators differ.
    Counterexample {
        /// Per cycle (from 1), each port of the miter as `(name, value)`: the inputs, then
        /// both accumulators at the start of the cycle (`mac_acc_o`, `ref_acc_o`, signed).
        cycles: Vec<Vec<(String, String)>>,
        /// The counterexample as a VCD, relative to the folder.
        vcd: String,
    },
    /// Neither proven nor refuted, and why.
    Inconclusive(String),
}

/// Run a folder's `formal/prove.ys` (with `-maxsteps` replaced by `depth`) and read its log.
pub fn prove(dir: &Path, depth: u32, timeout: Duration) -> Result<ProveOutcome, ToolError> {
    let io = |source| ToolError::Io {
        bin: YOSYS.bin,
        source,
    };
    std::fs::create_dir_all(dir.join("build")).map_err(io)?;
    let _ = std::fs::remove_file(dir.join(CEX_VCD));
    let script = std::fs::read_to_string(dir.join(SCRIPT)).map_err(io)?;
    let script = with_depth(&script, depth);
    let run_script = "build/prove_run.ys";
    std::fs::write(dir.join(run_script), script).map_err(io)?;
    let _step = crate::progress::step(
        &format!("yosys: proving {}", crate::progress::short_name(dir)),
        None,
    );
    let r = match run(
        &YOSYS,
        &args(run_script, LOG),
        dir,
        timeout,
        &dir.join("build/prove_run.log"),
    ) {
        Err(ToolError::Timeout { secs, .. }) => {
            return Ok(ProveOutcome::Inconclusive(format!(
                "no result within the timeout ({secs} s); raise --timeout"
            )))
        }
        r => r?,
    };
    let log = std::fs::read_to_string(dir.join(LOG)).unwrap_or_default();
    match parse_prove_log(&log, depth) {
        Some(ProveOutcome::Counterexample { cycles, .. }) => Ok(ProveOutcome::Counterexample {
            cycles,
            vcd: CEX_VCD.into(),
        }),
        Some(o) => Ok(o),
        None => {
            r.check(&YOSYS)?;
            Err(ToolError::Failed {
                bin: YOSYS.bin,
                status: 0,
                log: dir.join(LOG),
                tail: "\n  the log has no proof result".into(),
            })
        }
    }
}

/// `formal/prove.ys` with its `-maxsteps` set to `depth`.
fn with_depth(script: &str, depth: u32) -> String {
    let mut out = String::new();
    for line in script.lines() {
        let mut words: Vec<String> = line.split(' ').map(str::to_string).collect();
        if let Some(i) = words.iter().position(|w| w == "-maxsteps") {
            if i + 1 < words.len() {
                words[i + 1] = depth.to_string();
            }
        }
        out.push_str(&words.join(" "));
        out.push('\n');
    }
    out
}

/// Read the result of `sat -tempinduct` from a Yosys log: `None` when the log has none.
pub fn parse_prove_log(log: &str, depth: u32) -> Option<ProveOutcome> {
    if log.contains("Induction step proven: SUCCESS!") {
        return Some(ProveOutcome::Proven);
    }
    if log.contains("model found for base case: FAIL!") {
        let mut cycles: Vec<Vec<(String, String)>> = Vec::new();
        for line in log.lines() {
            let w: Vec<&str> = line.split_whitespace().collect();
            // `  <step> \<signal> <dec> <hex> <bin>` (dec may be empty for wide values).
            if w.len() < 3 || !w[1].starts_with('\\') {
                continue;
            }
            let Ok(step) = w[0].parse::<usize>() else {
                continue;
            };
            let name = w[1].trim_start_matches('\\');
            let name = name.strip_prefix("in_").unwrap_or(name);
            if name == "trigger" || name == "clk_i" {
                continue;
            }
            let bin = w[w.len() - 1];
            // The accumulators are signed: read them as two's complement.
            let (name, signed) = match name {
                "gold_acc_o" => ("mac_acc_o", true),
                "gate_acc_o" => ("ref_acc_o", true),
                n => (n, false),
            };
            let value = match i128::from_str_radix(bin, 2) {
                Ok(v) if signed && bin.len() < 128 && bin.starts_with('1') => {
                    (v - (1i128 << bin.len())).to_string()
                }
                Ok(v) => v.to_string(),
                Err(_) => bin.to_string(),
            };
            if cycles.len() < step {
                cycles.resize(step, Vec::new());
            }
            cycles[step - 1].push((name.to_string(), value));
        }
        const ORDER: [&str; 7] = [
            "rst_ni",
            "en_i",
            "clr_i",
            "act_i",
            "wcode_i",
            "mac_acc_o",
            "ref_acc_o",
        ];
        for c in &mut cycles {
            c.sort_by_key(|(n, _)| ORDER.iter().position(|o| o == n).unwrap_or(ORDER.len()));
        }
        return Some(ProveOutcome::Counterexample {
            cycles,
            vcd: String::new(),
        });
    }
    if log.contains("Called with -verify and proof did fail!") {
        return Some(ProveOutcome::Inconclusive(format!(
            "no counterexample, but the induction step did not close within depth {depth}; \
             try a larger --depth"
        )));
    }
    None
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
    }

    #[test]
    fn reads_prove_logs() {
        assert_eq!(
            parse_prove_log("x\nInduction step proven: SUCCESS!\n", 4),
            Some(ProveOutcome::Proven)
        );
        let cex = "SAT temporal induction proof finished - model found for base case: FAIL!\n\
          ---- ------------- --- --- ----\n\
             1 \\in_act_i       255  ff  11111111\n\
             1 \\in_clk_i         0   0  0\n\
             1 \\gold_acc_o       0   0  000\n\
             1 \\gate_acc_o       0   0  000\n\
             1 \\trigger          0   0  0\n\
             2 \\in_act_i         0   0  00000000\n\
             2 \\gold_acc_o      -1   7  111\n\
             2 \\gate_acc_o           6  110\n";
        let Some(ProveOutcome::Counterexample { cycles, .. }) = parse_prove_log(cex, 4) else {
            panic!("no counterexample");
        };
        let pairs = |c: &[(String, String)]| -> Vec<String> {
            c.iter().map(|(n, v)| format!("{n}={v}")).collect()
        };
        assert_eq!(
            pairs(&cycles[0]),
            ["act_i=255", "mac_acc_o=0", "ref_acc_o=0"]
        );
        assert_eq!(
            pairs(&cycles[1]),
            ["act_i=0", "mac_acc_o=-1", "ref_acc_o=-2"]
        );
        let Some(ProveOutcome::Inconclusive(why)) = parse_prove_log(
            "Trying induction with length 4\nERROR: Called with -verify and proof did fail!\n",
            4,
        ) else {
            panic!("not inconclusive");
        };
        assert!(why.contains("depth 4"), "{why}");
        assert_eq!(parse_prove_log("ERROR: syntax error\n", 4), None);
        assert_eq!(
            with_depth("sat -maxsteps 4 -seq 1 m\n", 9),
            "sat -maxsteps 9 -seq 1 m\n"
        );
    }
}
