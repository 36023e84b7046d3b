//! `potmac prove` through Yosys: runs a folder's `formal/prove.ys` (a SAT-based induction on
//! the MAC-versus-reference miter) and reads the outcome from its log.

use super::{args, YOSYS};
use crate::tools::{run, ToolError};
use std::path::Path;
use std::time::Duration;

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
