//! `potmac power --liberty FILE`: energy in picojoules per MAC operation on a user's library.
//! The design mapped to the library (`synth --liberty`'s netlist with vector ports) is
//! simulated under the same testbench as potmac's own netlist, with Verilog models written
//! from the library's functions ([`super::models`]), and checked against the golden model;
//! every net's toggles times its energy per transition ([`super::joules`]: switching ½·C·V²,
//! internal energy from the `internal_power` tables) plus the cells' leakage over the
//! simulated cycles at [`LEAKAGE_PERIOD_NS`], divided by the MAC operations.

use super::joules::{self, NetEnergy};
use super::netlist::Netlist;
use super::sim::{io_error, parse_error, simulate};
use super::{work_dir, PowerError, PowerOptions};
use crate::config::Design;
use crate::tools::liberty::foreign::ForeignLibrary;
use crate::tools::liberty::tables::Tables;
use std::collections::BTreeMap;
use std::path::Path;

/// The clock period at which leakage is charged to the simulated cycles (100 MHz).
pub const LEAKAGE_PERIOD_NS: f64 = 10.0;

/// The clock port of the generated tops.
const CLOCK: &str = "clk_i";

/// Energy per MAC operation on a library, in pJ.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LibertyEnergy {
    /// The library's name.
    pub library: String,
    /// Cell instances of the mapped netlist.
    pub cells: usize,
    /// ½·C·V² of the nets cells drive (pin capacitances and the library's wire load).
    pub switching_pj: f64,
    /// The cells' internal energy (the clock pins' included).
    pub internal_pj: f64,
    /// Leakage over the simulated cycles at [`LEAKAGE_PERIOD_NS`].
    pub leakage_pj: f64,
    /// Their sum.
    pub total_pj: f64,
    /// The flip-flops' share of the total (latches' too), as OpenSTA's `report_power`
    /// groups it by cell: their internal energy (clock pin included), the switching of the
    /// nets they drive, their leakage.
    pub ff_pj: f64,
    /// The rest: the combinational cells' (`total_pj - ff_pj`).
    pub logic_pj: f64,
    /// Clock cycles simulated (the clock net's rising edges).
    pub cycles: u64,
    /// The whole run's energy per clock cycle (an array: per array cycle, idle PEs and
    /// fill/drain included): `total_pj` × MACs / cycles.
    pub pj_per_cycle: f64,
}

/// Toggles of each net (its names' counts are the same net's: the largest is taken).
pub fn net_toggles(t: &super::vcd::Toggles, nets: &super::netlist::Nets) -> BTreeMap<String, u64> {
    let mut per_net: BTreeMap<String, u64> = BTreeMap::new();
    for (bit, &n) in &t.by_bit {
        if let Some(root) = nets.root.get(bit) {
            let e = per_net.entry(root.clone()).or_insert(0);
            *e = (*e).max(n);
        }
    }
    per_net
}

/// Σ toggles × energy per transition, in J.
pub fn energy(toggles: &BTreeMap<String, u64>, per_transition: &BTreeMap<String, f64>) -> f64 {
    per_transition
        .iter()
        .map(|(net, e)| e * toggles.get(net).copied().unwrap_or(0) as f64)
        .sum()
}

/// Simulate the netlist `gates` (relative to `dir`; mapped to `lib`) and weigh its toggles.
pub fn measure(
    d: &Design,
    dir: &Path,
    o: &PowerOptions,
    lib: &ForeignLibrary,
    tables: &Tables,
    gates: &str,
) -> Result<LibertyEnergy, PowerError> {
    let path = dir.join(gates);
    let text = std::fs::read_to_string(&path).map_err(io_error(&path))?;
    let netlist = Netlist::parse(&text).map_err(parse_error(&path))?;
    let used = netlist.cells.iter().map(|c| c.cell.clone()).collect();
    let cells = super::models::models(&lib.text, &used, o.delay == super::Delay::Unit, false)
        .map_err(|m| PowerError::Parse {
            path: lib.source.display().to_string(),
            message: m,
        })?;
    let work = format!("{}_{}", work_dir(o), lib.stem);
    let sim = simulate(d, dir, o, &work, gates, cells)?;
    let nets = netlist
        .nets(&lib.library, 0.0)
        .map_err(parse_error(&path))?;
    let e: NetEnergy = joules::net_energy(&netlist, &nets, &lib.library, tables, CLOCK);
    let toggles = net_toggles(&sim.toggles, &nets);
    let cycles = nets
        .root
        .get(CLOCK)
        .and_then(|c| toggles.get(c))
        .map_or(0, |n| n / 2);
    let per_mac = |j: f64| j * 1e12 / sim.macs.max(1) as f64;
    let switching_pj = per_mac(energy(&toggles, &e.switching));
    let internal_pj = per_mac(energy(&toggles, &e.internal));
    let leak = |w: f64| per_mac(w * cycles as f64 * LEAKAGE_PERIOD_NS * 1e-9);
    let leakage_pj = leak(e.leakage_w);
    let ff_switching: BTreeMap<String, f64> = e
        .switching
        .iter()
        .filter(|(net, _)| e.ff_nets.contains(*net))
        .map(|(n, x)| (n.clone(), *x))
        .collect();
    let ff_pj = per_mac(energy(&toggles, &ff_switching) + energy(&toggles, &e.ff_internal))
        + leak(e.ff_leakage_w);
    let total_pj = switching_pj + internal_pj + leakage_pj;
    Ok(LibertyEnergy {
        library: lib.library.name.clone(),
        cells: netlist.cells.len(),
        switching_pj,
        internal_pj,
        leakage_pj,
        total_pj,
        ff_pj,
        logic_pj: total_pj - ff_pj,
        cycles,
        pj_per_cycle: total_pj * sim.macs as f64 / cycles.max(1) as f64,
    })
}
