//! External tools: one subprocess runner (PATH lookup, timeout, log file) and one driver per
//! tool. Drivers describe their command lines as plain argument lists so the generated
//! `Makefile` and potmac itself run exactly the same commands.

pub mod icarus;
pub mod interrupt;
pub mod liberty;
pub mod nextpnr;
pub mod pnr;
pub mod runner;
pub mod sim;
pub mod sta;
pub mod verilator;
pub mod yosys;

pub use runner::{find, run, Run, Tool, ToolError};
pub use sim::{Bench, Image, Simulator, Source};

/// The plusarg that makes a generated testbench dump waveforms.
pub const WAVES_PLUSARG: &str = "+waves";

/// One of the simulators, by name: the value of `--sim`. Derefs to its [`Simulator`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sim {
    /// Icarus Verilog (`iverilog -g2012` + `vvp`).
    Icarus,
    /// Verilator (`--binary --timing`).
    Verilator,
}

impl Sim {
    /// Both simulators, Icarus first.
    pub const ALL: [Sim; 2] = [Sim::Icarus, Sim::Verilator];
}

impl std::ops::Deref for Sim {
    type Target = dyn Simulator;
    fn deref(&self) -> &(dyn Simulator + 'static) {
        match self {
            Sim::Icarus => &icarus::Icarus,
            Sim::Verilator => &verilator::Verilator,
        }
    }
}

impl std::str::FromStr for Sim {
    type Err = String;
    fn from_str(s: &str) -> Result<Sim, String> {
        Sim::ALL
            .into_iter()
            .find(|x| x.name() == s)
            .ok_or_else(|| format!("unknown simulator `{s}` (expected icarus or verilator)"))
    }
}

impl std::fmt::Display for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Outcome of one simulation run, read from the testbench's final line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimOutcome {
    /// `PASS n`: n vectors checked, no mismatch.
    Pass(u64),
    /// `FAIL n`: n mismatches (or a failed check such as the watchdog).
    Fail(u64),
}

/// Read the single `PASS n` / `FAIL n` result line of a testbench log. `None` when the log has
/// no result line (the simulator died before the testbench finished).
pub fn parse_result(log: &str) -> Option<SimOutcome> {
    let mut out = None;
    for line in log.lines() {
        let mut it = line.split_whitespace();
        let word = it.next();
        let n = it.next().and_then(|t| t.parse::<u64>().ok());
        match (word, n) {
            (Some("PASS"), Some(n)) => out = Some(SimOutcome::Pass(n)),
            (Some("FAIL"), Some(n)) => return Some(SimOutcome::Fail(n)),
            (Some("FAIL"), None) => return Some(SimOutcome::Fail(1)),
            _ => {}
        }
    }
    out
}

/// The outcome of a finished simulation run: its `PASS`/`FAIL` line, or a tool error when the
/// testbench never printed one (a crash, or a simulator that exited early).
pub(crate) fn sim_result(
    r: Run,
    sim: &Tool,
) -> Result<(SimOutcome, std::path::PathBuf), ToolError> {
    match parse_result(&r.output) {
        Some(o) => Ok((o, r.log)),
        None => {
            let log = r.log.clone();
            Err(r.check(sim).err().unwrap_or(ToolError::Failed {
                bin: sim.bin,
                status: 0,
                log,
                tail: "\n  the testbench printed no PASS/FAIL line".into(),
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_lines() {
        assert_eq!(parse_result("x\nPASS 12\n"), Some(SimOutcome::Pass(12)));
        assert_eq!(
            parse_result("FAIL 3\n- tb.v:9: Verilog $finish"),
            Some(SimOutcome::Fail(3))
        );
        assert_eq!(
            parse_result("FAIL watchdog: stuck\n"),
            Some(SimOutcome::Fail(1))
        );
        assert_eq!(parse_result("PASS 2\nFAIL 1\n"), Some(SimOutcome::Fail(1)));
        assert_eq!(parse_result("MISMATCH\n"), None);
        assert_eq!(parse_result("PASSED 3\n"), None);
    }
}
