//! nextpnr-ice40 driver: places and routes the registered MAC wrapper on an iCE40 HX8K and
//! reads Fmax from the JSON report.

use super::{run, Tool, ToolError};
use std::path::Path;
use std::time::Duration;

/// nextpnr for iCE40.
pub const NEXTPNR: Tool = Tool {
    bin: "nextpnr-ice40",
    package: "nextpnr-ice40",
};

/// Netlist written by `synth/pnr.ys`, relative to the design folder.
pub const NETLIST: &str = "build/pnr_netlist.json";
/// Report written by nextpnr.
pub const REPORT: &str = "build/pnr_report.json";

/// nextpnr arguments (fixed seed: deterministic results).
pub fn args() -> Vec<String> {
    [
        "--hx8k",
        "--package",
        "ct256",
        "--json",
        NETLIST,
        "--report",
        REPORT,
        "--freq",
        "300",
        "--timing-allow-fail",
        "--seed",
        "1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Parse the worst achieved clock frequency (MHz) from a nextpnr report.
pub fn parse_fmax(report: &str) -> Result<f64, String> {
    let v: serde_json::Value =
        serde_json::from_str(report).map_err(|e| format!("bad nextpnr report: {e}"))?;
    let clocks = v
        .get("fmax")
        .and_then(|f| f.as_object())
        .ok_or("nextpnr report has no `fmax` section")?;
    clocks
        .values()
        .filter_map(|c| c.get("achieved").and_then(|a| a.as_f64()))
        .reduce(f64::min)
        .ok_or_else(|| "nextpnr report lists no clock".to_string())
}

/// Synthesize the wrapper (`synth/pnr.ys`), place and route, return Fmax in MHz.
pub fn fmax(dir: &Path, timeout: Duration) -> Result<f64, ToolError> {
    let yosys = super::yosys::YOSYS;
    let name = crate::progress::short_name(dir);
    let step = crate::progress::step(
        &format!("yosys: synthesizing {name} for place and route"),
        None,
    );
    run(
        &yosys,
        &super::yosys::args("synth/pnr.ys", "build/yosys_pnr.log"),
        dir,
        timeout,
        &dir.join("build/yosys_pnr.log"),
    )?
    .check(&yosys)?;
    drop(step);
    let _step = crate::progress::step(&format!("nextpnr: placing and routing {name}"), None);
    let log = dir.join("build/nextpnr.log");
    run(&NEXTPNR, &args(), dir, timeout, &log)?.check(&NEXTPNR)?;
    let text = std::fs::read_to_string(dir.join(REPORT)).map_err(|source| ToolError::Io {
        bin: NEXTPNR.bin,
        source,
    })?;
    parse_fmax(&text).map_err(|m| ToolError::Failed {
        bin: NEXTPNR.bin,
        status: 0,
        log,
        tail: format!("\n  {m}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmax_is_the_worst_clock() {
        let r = r#"{"fmax": {"clk": {"achieved": 151.2, "constraint": 300.0},
                    "clk2": {"achieved": 99.5, "constraint": 300.0}}}"#;
        assert_eq!(parse_fmax(r).unwrap(), 99.5);
        assert!(parse_fmax("{}").is_err());
    }
}
