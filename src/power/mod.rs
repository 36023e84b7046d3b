//! The energy proxy of `potmac power`: switched capacitance per MAC operation of the gate
//! netlist mapped to potmac's cell library.
//!
//! Method: Yosys maps the design to `synth/potmac_cells.lib` (the folder's generic script,
//! which also gives the GE area) and writes the gate netlist; Icarus simulates that netlist
//! with Verilog models of the cells (1 ps unit gate delay, so unequal paths make glitches
//! that are counted, or zero delay) under the design's own testbench, which checks the
//! accumulator after every cycle against the golden Rust model; the nets of the netlist's
//! scope are dumped to a VCD. Every 0↔1 change of a net is weighted by the capacitance it
//! drives: the input-pin capacitances of its fanout (logical effort, in units of the unit
//! inverter's input) plus one unit load for the net itself. The sum over the run divided by
//! the number of MAC operations is the switched capacitance per MAC (energy per MAC is
//! ½·C·V² per toggle, so it is proportional). The clock net is reported apart.
//! Limits: unit loads (no wire capacitance, no placement), no clock tree, no flip-flop
//! internal nodes, no short-circuit or leakage power, one supply voltage.

pub mod accel;
pub mod joules;
pub mod liberty;
pub mod models;
pub mod netlist;
pub mod sim;
pub mod stimulus;
pub mod vcd;

pub use crate::emit::power::Delay;
pub use sim::{simulate, GateSim};
pub use stimulus::{Stimulus, HOLD_CYCLES};

use sim::parse_error;

use crate::config::Design;
use crate::emit::{self, EmitError};
use crate::tools::liberty::{GeArea, Library};
use crate::tools::yosys::{self, Target};
use crate::tools::ToolError;
use netlist::{NetKind, Netlist};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Errors of a power measurement (messages never embed their `source`).
#[derive(Debug, thiserror::Error)]
pub enum PowerError {
    /// A tool failed.
    #[error(transparent)]
    Tool(#[from] ToolError),
    /// A file could not be rendered.
    #[error(transparent)]
    Emit(#[from] EmitError),
    /// A file could not be read or written.
    #[error("{path}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The `--stimulus real` export folder is unusable.
    #[error("{path}: {message}")]
    Export { path: String, message: String },
    /// The netlist or VCD could not be read.
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    /// The gate-level simulation differs from the golden model: the netlist is not the design.
    #[error("{design}: the gate-level netlist differs from the golden model: {detail}")]
    Mismatch { design: String, detail: String },
}

/// How to measure.
#[derive(Debug, Clone)]
pub struct PowerOptions {
    /// Input sequence.
    pub stimulus: Stimulus,
    /// A MAC: cycles (MAC operations) to simulate, at most (`real` may have fewer). An array:
    /// about this many cycles of the fully used array (`stimulus::array_gemms`).
    pub cycles: usize,
    /// Gate delay of the cell models.
    pub delay: Delay,
    /// Seed of the random stimuli.
    pub seed: u64,
    /// Timeout per tool run.
    pub timeout: Duration,
}

/// Switched capacitance, in unit-inverter input capacitances (C_inv).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Switched {
    /// Nets driven by combinational cells.
    pub logic: f64,
    /// Flip-flop outputs.
    pub flip_flops: f64,
    /// Module inputs except the clock (the design's share of its drivers' load).
    pub inputs: f64,
    /// All of them (the energy figure; the clock is apart).
    pub total: f64,
    /// The clock net (the flip-flops' clock pins plus its unit load); no clock tree.
    pub clock: f64,
}

/// The result of one measurement.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PowerReport {
    /// Design name.
    pub design: String,
    /// `random`, `held` or `real`.
    pub stimulus: &'static str,
    /// Gate delay model.
    pub delay: Delay,
    /// MAC operations simulated: every cycle of a MAC; an array's useful M·K·N products.
    pub macs: u64,
    /// Checks the testbench passed against the golden model (a MAC: every cycle; an
    /// array: every output row).
    pub checked: u64,
    /// A MAC's final accumulator, read from the gate-level simulation and equal to the
    /// golden model's (`None` for arrays).
    pub final_acc: Option<i64>,
    /// GE area of the mapped netlist.
    pub ge: GeArea,
    /// Net toggles per MAC operation (clock excluded).
    pub toggles_per_mac: f64,
    /// Switched capacitance per MAC operation.
    pub per_mac: Switched,
    /// The netlist's nets and cells.
    pub nets: usize,
    /// Cell instances.
    pub cells: usize,
    /// Energy in joules on a user's library (`--liberty`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liberty: Option<liberty::LibertyEnergy>,
}

/// The folder where one measurement runs, relative to the design folder.
pub fn work_dir(o: &PowerOptions) -> String {
    format!("build/power_{}_{}", o.stimulus.name(), o.delay.name())
}

/// GE area of a generated design folder (its generic Yosys script, mapped to potmac's cell
/// library; flip-flops included): the same figure as `potmac synth`'s `GE` columns.
pub fn ge_area(dir: &Path, timeout: Duration) -> Result<GeArea, PowerError> {
    Ok(yosys::synth(dir, Target::Generic, timeout)?
        .ge
        .unwrap_or_default())
}

/// Measure a MAC or array design in its generated folder `dir` (see the module docs): map it
/// to gates with the folder's generic Yosys script, then [`measure_gates`].
pub fn measure(d: &Design, dir: &Path, o: &PowerOptions) -> Result<PowerReport, PowerError> {
    let stats = yosys::synth(dir, Target::Generic, o.timeout)?;
    measure_gates(d, dir, o, stats.ge.unwrap_or_default())
}

/// Simulate and weigh the gate netlist already in `dir` (`build/gates_generic.v`, as the
/// generic script wrote it or as edited since); `ge` is reported as given.
pub fn measure_gates(
    d: &Design,
    dir: &Path,
    o: &PowerOptions,
    ge: GeArea,
) -> Result<PowerReport, PowerError> {
    let gates = Target::Generic.gates_for("");
    let sim = simulate(
        d,
        dir,
        o,
        &work_dir(o),
        &gates,
        emit::power::cell_models(o.delay)?,
    )?;
    let netlist = Netlist::parse(&sim.netlist).map_err(parse_error(&dir.join(&gates)))?;
    let nets = netlist
        .nets(Library::builtin(), UNIT_LOAD)
        .map_err(parse_error(&dir.join(&gates)))?;
    let (sw, toggled) = weigh(&sim.toggles, &nets, "clk_i");
    let per = |x: f64| x / sim.macs.max(1) as f64;
    Ok(PowerReport {
        design: d.name.clone(),
        stimulus: o.stimulus.name(),
        delay: o.delay,
        macs: sim.macs,
        checked: sim.checked,
        final_acc: sim.final_acc,
        ge,
        toggles_per_mac: per(toggled as f64),
        per_mac: Switched {
            logic: per(sw.logic),
            flip_flops: per(sw.flip_flops),
            inputs: per(sw.inputs),
            total: per(sw.total),
            clock: per(sw.clock),
        },
        nets: nets.cap.len(),
        cells: netlist.cells.len(),
        liberty: None,
    })
}

/// The load every net carries besides its fanout's input pins (the driver's own output and
/// a short wire), in unit-inverter inputs.
pub const UNIT_LOAD: f64 = 1.0;

/// Toggles × capacitance, summed per net (each net once, whatever its names) and split by
/// driver; the net `clock` apart. Also the number of toggles (clock excluded).
pub fn weigh(t: &vcd::Toggles, nets: &netlist::Nets, clock: &str) -> (Switched, u64) {
    let mut per_net: BTreeMap<&str, u64> = BTreeMap::new();
    for (bit, &n) in &t.by_bit {
        if let Some(root) = nets.root.get(bit) {
            let e = per_net.entry(root.as_str()).or_insert(0);
            *e = (*e).max(n);
        }
    }
    let clock_root = nets.root.get(clock).map(String::as_str);
    let mut s = Switched::default();
    let mut toggles = 0;
    for (root, n) in per_net {
        let c = n as f64 * nets.cap[root];
        if Some(root) == clock_root {
            s.clock += c;
            continue;
        }
        toggles += n;
        match nets.kind.get(root) {
            Some(NetKind::Logic) => s.logic += c,
            Some(NetKind::FlipFlop) => s.flip_flops += c,
            None => s.inputs += c,
        }
    }
    s.total = s.logic + s.flip_flops + s.inputs;
    (s, toggles)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-counted: a NAND2 (`_0_` = !(a & b)) feeding an inverter into a flip-flop.
    #[test]
    fn weighs_toggles_by_the_load_each_net_drives() {
        let net = "module m(clk_i, a, b, q);\n input clk_i;\n wire clk_i;\n input a;\n wire a;\n input b;\n wire b;\n output q;\n wire q;\n wire _0_;\n wire _1_;\n NAND2 _2_ (.A(a), .B(b), .Y(_0_));\n INV _3_ (.A(_0_), .Y(_1_));\n DFFR _4_ (.CLK(clk_i), .D(_1_), .Q(q), .RN(1'h1));\nendmodule\n";
        let n = Netlist::parse(net).unwrap();
        let nets = n.nets(Library::builtin(), UNIT_LOAD).unwrap();
        let t = vcd::Toggles {
            by_bit: [
                ("a", 4),
                ("b", 2),
                ("_0_", 3),
                ("_1_", 3),
                ("q", 1),
                ("clk_i", 10),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
            ..Default::default()
        };
        let (s, toggles) = weigh(&t, &nets, "clk_i");
        let near = |x: f64, y: f64| (x - y).abs() < 1e-4;
        // a, b: NAND2 pin 4/3 + 1 unit each: (4 + 2) × 7/3 = 14.
        assert!(near(s.inputs, 14.0), "{}", s.inputs);
        // _0_: INV pin 1 + 1 = 2, × 3; _1_: DFFR D pin 1 + 1 = 2, × 3: 12.
        assert!(near(s.logic, 12.0), "{}", s.logic);
        // q: no fanout, unit load only, × 1.
        assert!(near(s.flip_flops, 1.0));
        // clk_i: DFFR CLK pin 1 + 1, × 10, apart.
        assert!(near(s.clock, 20.0));
        assert!(near(s.total, 27.0));
        assert_eq!(toggles, 4 + 2 + 3 + 3 + 1);
    }
}
