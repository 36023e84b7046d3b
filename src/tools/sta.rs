//! OpenSTA driver (Debian `opensta`, the `sta` binary): runs a generated timing script on a
//! netlist mapped to a user's library and reads the worst path of `report_checks`.

use super::{run, Tool, ToolError};
use std::path::Path;
use std::time::Duration;

/// OpenSTA.
pub const STA: Tool = Tool {
    bin: "sta",
    package: "opensta",
};

/// The clock period of the generated script, in ns: long enough that every path meets it,
/// so the worst slack gives the minimum period.
pub const PERIOD_NS: u32 = 1000;

/// The worst path of a design, from OpenSTA.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Timing {
    /// Minimum clock period in ns: the script's period minus the worst slack.
    pub min_period_ns: f64,
    /// 1000 / `min_period_ns`.
    pub fmax_mhz: f64,
    /// Where the worst path starts (a flip-flop or an input port) and what it is.
    pub startpoint: String,
    /// Where it ends (a flip-flop's data or reset pin, or an output port).
    pub endpoint: String,
    /// Its path group (`clk`, or `**async_default**` for a reset's recovery check).
    pub path_group: String,
    /// When the path starts at a flip-flop: the net its output drives (the register's name
    /// in the RTL, e.g. `acc_o[21]`), from the netlist.
    pub start_register: Option<String>,
    /// When it ends at a flip-flop: the net its output drives.
    pub end_register: Option<String>,
}

impl Timing {
    /// Where the path starts: the register's net or the port.
    pub fn start(&self) -> &str {
        self.start_register
            .as_deref()
            .unwrap_or_else(|| point_name(&self.startpoint))
    }

    /// Where it ends.
    pub fn end(&self) -> &str {
        self.end_register
            .as_deref()
            .unwrap_or_else(|| point_name(&self.endpoint))
    }
}

/// A path end as OpenSTA names it, without what it is: `clr_i (input port ...)` → `clr_i`.
pub fn point_name(point: &str) -> &str {
    point.split(" (").next().unwrap_or(point)
}

/// The cell type and the `(pin, net)` connections of an instance of a netlist written by
/// Yosys's `write_verilog -noattr -noexpr` (one `.PIN(NET)` a line; escaped names without
/// their backslash and trailing space).
pub fn instance(netlist: &str, name: &str) -> Option<(String, Vec<(String, String)>)> {
    let head = format!(" {name} (");
    let at = netlist.lines().position(|l| l.ends_with(&head))?;
    let mut lines = netlist.lines().skip(at);
    let cell = lines.next()?.split_whitespace().next()?.to_string();
    let mut pins = Vec::new();
    for l in lines {
        let l = l.trim();
        if l.starts_with(");") {
            break;
        }
        let Some(rest) = l.strip_prefix('.') else {
            continue;
        };
        let (pin, net) = rest.split_once('(')?;
        let net = net.trim_end_matches(',').trim_end_matches(')').trim();
        pins.push((pin.to_string(), net.trim_start_matches('\\').to_string()));
    }
    Some((cell, pins))
}

/// The design's power from OpenSTA's `report_power`, in W.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct StaPower {
    pub internal: f64,
    pub switching: f64,
    pub leakage: f64,
    pub total: f64,
}

/// Run a `report_power` script in `dir` and read its `Total` line.
pub fn power(
    dir: &Path,
    script: &str,
    log: &str,
    timeout: Duration,
) -> Result<StaPower, ToolError> {
    let log = dir.join(log);
    let r = run(&STA, &args(script), dir, timeout, &log)?.check(&STA)?;
    let failed = |tail: String| ToolError::Failed {
        bin: STA.bin,
        status: 0,
        log: log.clone(),
        tail: format!("\n  {tail}"),
    };
    if let Some(e) = r.output.lines().find(|l| l.starts_with("Error")) {
        return Err(failed(e.to_string()));
    }
    parse_power(&r.output).map_err(failed)
}

/// The `Total` line of a `report_power` report: internal, switching, leakage and total power.
pub fn parse_power(text: &str) -> Result<StaPower, String> {
    let line = text
        .lines()
        .find(|l| l.starts_with("Total"))
        .ok_or("the power report has no `Total` line")?;
    let v: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .take(4)
        .map(|x| x.parse().map_err(|_| format!("bad power line `{line}`")))
        .collect::<Result<_, _>>()?;
    match v[..] {
        [internal, switching, leakage, total] => Ok(StaPower {
            internal,
            switching,
            leakage,
            total,
        }),
        _ => Err(format!("bad power line `{line}`")),
    }
}

/// `sta` arguments for a script.
pub fn args(script: &str) -> Vec<String> {
    vec!["-no_splash".into(), "-exit".into(), script.into()]
}

/// Run `script` in `dir` and read its report (logged to `log`, relative to `dir`).
pub fn time(dir: &Path, script: &str, log: &str, timeout: Duration) -> Result<Timing, ToolError> {
    let log = dir.join(log);
    let _step = crate::progress::step(
        &format!("sta: timing {}", crate::progress::short_name(dir)),
        None,
    );
    let r = run(&STA, &args(script), dir, timeout, &log)?.check(&STA)?;
    // The 2019 build reports Tcl errors and goes on; an error means no trustworthy report.
    let failed = |tail: String| ToolError::Failed {
        bin: STA.bin,
        status: 0,
        log: log.clone(),
        tail: format!("\n  {tail}"),
    };
    if let Some(e) = r.output.lines().find(|l| l.starts_with("Error")) {
        return Err(failed(e.to_string()));
    }
    parse_checks(&r.output, f64::from(PERIOD_NS)).map_err(failed)
}

/// The worst path of a `report_checks -path_delay max` report (one path per path group) run
/// with a clock of `period` ns.
pub fn parse_checks(text: &str, period: f64) -> Result<Timing, String> {
    let mut worst: Option<(f64, Timing)> = None;
    let (mut start, mut end, mut group) = (String::new(), String::new(), String::new());
    for line in text.lines().map(str::trim) {
        if let Some(s) = line.strip_prefix("Startpoint:") {
            start = s.trim().to_string();
        } else if let Some(s) = line.strip_prefix("Endpoint:") {
            end = s.trim().to_string();
        } else if let Some(s) = line.strip_prefix("Path Group:") {
            group = s.trim().to_string();
        } else if line.ends_with("slack (MET)") || line.ends_with("slack (VIOLATED)") {
            let slack: f64 = line
                .split_whitespace()
                .next()
                .and_then(|x| x.parse().ok())
                .filter(|x: &f64| x.is_finite())
                .ok_or_else(|| format!("bad slack line `{line}`"))?;
            if worst.as_ref().is_none_or(|w| slack < w.0) {
                let min = period - slack;
                worst = Some((
                    slack,
                    Timing {
                        min_period_ns: min,
                        fmax_mhz: if min > 0.0 {
                            1000.0 / min
                        } else {
                            f64::INFINITY
                        },
                        startpoint: start.clone(),
                        endpoint: end.clone(),
                        path_group: group.clone(),
                        start_register: None,
                        end_register: None,
                    },
                ));
            }
        }
    }
    worst
        .map(|w| w.1)
        .ok_or_else(|| "the timing report has no path (no clocked register?)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_of_a_yosys_netlist() {
        let v = "  sky130_fd_sc_hd__dfrtp_1 _430_ (\n    .CLK(clk_i),\n    .D(\\acc_d[21] ),\n    .Q(\\acc_o[21] ),\n    .RESET_B(rst_ni)\n  );\n  INVX1 _431_ (\n    .A(x),\n    .Y(_001_)\n  );\n";
        let (cell, pins) = instance(v, "_430_").unwrap();
        assert_eq!(cell, "sky130_fd_sc_hd__dfrtp_1");
        assert_eq!(pins[2], ("Q".to_string(), "acc_o[21]".to_string()));
        assert_eq!(pins.len(), 4);
        assert_eq!(instance(v, "_431_").unwrap().1.len(), 2);
        assert!(instance(v, "_43_").is_none());
    }

    #[test]
    fn the_worst_group_decides() {
        let report = "\
Startpoint: rst_ni (input port clocked by clk)
Endpoint: _479_ (recovery check against rising-edge clock clk)
Path Group: **async_default**
Path Type: max
          1000.1172   slack (MET)

Startpoint: clr_i (input port clocked by clk)
Endpoint: _501_ (rising edge-triggered flip-flop clocked by clk)
Path Group: clk
Path Type: max
           999.9085   data required time
            -3.3369   data arrival time
-------------------------------------------------------------
           996.5716   slack (MET)
";
        let t = parse_checks(report, 1000.0).unwrap();
        assert!((t.min_period_ns - 3.4284).abs() < 1e-9, "{t:?}");
        assert!((t.fmax_mhz - 291.68).abs() < 0.01);
        assert_eq!(t.startpoint, "clr_i (input port clocked by clk)");
        assert!(t.endpoint.starts_with("_501_"));
        assert_eq!(t.path_group, "clk");
        assert!(parse_checks("No paths found.\n", 1000.0).is_err());
        assert_eq!(t.start(), "clr_i");
        assert!(parse_checks("x\n   nan   slack (MET)\n", 1000.0).is_err());
        assert!(parse_checks("x\n   abc   slack (MET)\n", 1000.0).is_err());
    }
}
