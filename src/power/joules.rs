//! Energy in joules of a netlist mapped to a user's library: what one transition of each net
//! costs, from the library's pin capacitances, `internal_power` tables and leakage.
//!
//! Per transition of a net: **switching** ½·C·V² with C the input-pin capacitances of its
//! fanout (no wire; only nets a cell drives: a module input's net is its driver's load);
//! **internal** energy of the cell driving it, from its output pin's `internal_power` tables
//! at the related inputs' transition times and the net's load (the average over the related
//! inputs and over rise and fall), plus the internal energy of every input pin it reaches
//! (input pins' tables, at the net's own transition time). Transition times come from the
//! timing arcs' `rise_transition`/`fall_transition` tables, propagated from ideal (zero)
//! transitions at the module inputs and the clock. **Leakage**: each cell's
//! `cell_leakage_power`, all the time.

use super::netlist::{Netlist, Nets};
use crate::tools::liberty::tables::{RiseFall, Tables};
use crate::tools::liberty::Library;
use std::collections::BTreeMap;

/// The energy of one transition of each net, in joules, and the leakage power.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetEnergy {
    /// Net (root name) → switching energy per transition.
    pub switching: BTreeMap<String, f64>,
    /// Net → internal energy per transition (driver's output pin and fanout's input pins).
    pub internal: BTreeMap<String, f64>,
    /// Leakage power of all cells, W.
    pub leakage_w: f64,
    /// Net → (rise, fall) transition time in the library's time unit.
    pub slew: BTreeMap<String, (f64, f64)>,
    /// The internal energy per transition of each (instance, pin, net).
    pub pins: Vec<(String, String, String, f64)>,
}

/// An output pin's driver: (instance index, pin).
type Driver = (usize, String);

struct Ctx<'a> {
    netlist: &'a Netlist,
    nets: &'a Nets,
    lib: &'a Library,
    tables: &'a Tables,
    /// Net → its driving output pin.
    driver: BTreeMap<String, Driver>,
    /// Net of each (instance, pin).
    pin_net: Vec<BTreeMap<String, String>>,
    slew: BTreeMap<String, (f64, f64)>,
    busy: std::collections::BTreeSet<String>,
}

impl Ctx<'_> {
    fn load(&self, net: &str) -> f64 {
        self.nets.cap.get(net).copied().unwrap_or(0.0)
    }

    /// The (rise, fall) transition of a net, computed on first use.
    fn slew(&mut self, net: &str) -> (f64, f64) {
        if let Some(s) = self.slew.get(net) {
            return *s;
        }
        let Some((inst, pin)) = self.driver.get(net).cloned() else {
            return (0.0, 0.0);
        };
        if !self.busy.insert(net.to_string()) {
            return (0.0, 0.0);
        }
        let cell = &self.netlist.cells[inst].cell;
        let load = self.load(net);
        let arcs: Vec<RiseFall> = self
            .tables
            .cells
            .get(cell)
            .and_then(|c| c.pins.get(&pin))
            .map(|p| p.transition.clone())
            .unwrap_or_default();
        let (mut r, mut f) = (0.0f64, 0.0f64);
        for arc in arcs.iter().filter(|a| a.rise.is_some() || a.fall.is_some()) {
            let (ir, i_f) = match arc
                .related
                .as_ref()
                .and_then(|p| self.pin_net[inst].get(p).cloned())
            {
                Some(n) => self.slew(&n),
                None => (0.0, 0.0),
            };
            let (for_rise, for_fall) = match arc.sense.as_deref() {
                Some("positive_unate") => (ir, i_f),
                Some("negative_unate") => (i_f, ir),
                _ => (ir.max(i_f), ir.max(i_f)),
            };
            if let Some(t) = &arc.rise {
                r = r.max(t.at(for_rise, load));
            }
            if let Some(t) = &arc.fall {
                f = f.max(t.at(for_fall, load));
            }
        }
        self.busy.remove(net);
        self.slew.insert(net.to_string(), (r, f));
        (r, f)
    }
}

/// The per-transition energies of the nets of `netlist` (whose `nets` were computed with the
/// library's capacitances and no unit load).
pub fn net_energy(netlist: &Netlist, nets: &Nets, lib: &Library, tables: &Tables) -> NetEnergy {
    let mut cx = Ctx {
        netlist,
        nets,
        lib,
        tables,
        driver: BTreeMap::new(),
        pin_net: Vec::new(),
        slew: BTreeMap::new(),
        busy: Default::default(),
    };
    for (i, inst) in netlist.cells.iter().enumerate() {
        let mut m = BTreeMap::new();
        for (pin, net) in &inst.pins {
            let Some(net) = net else { continue };
            let root = nets.root.get(net).cloned().unwrap_or_else(|| net.clone());
            if cx
                .lib
                .cells
                .get(&inst.cell)
                .is_some_and(|c| c.outputs.contains(pin))
            {
                cx.driver.insert(root.clone(), (i, pin.clone()));
            }
            m.insert(pin.clone(), root);
        }
        cx.pin_net.push(m);
    }
    let v = tables.voltage;
    let mut e = NetEnergy::default();
    for (net, &c) in &nets.cap {
        if cx.driver.contains_key(net) {
            e.switching
                .insert(net.clone(), 0.5 * c * tables.cap_unit * v * v);
        }
    }
    // Internal energies are in capacitance unit × voltage unit² (pF·V² = pJ).
    let energy_unit = tables.cap_unit;
    for (i, inst) in netlist.cells.iter().enumerate() {
        let Some(ct) = tables.cells.get(&inst.cell) else {
            continue;
        };
        e.leakage_w += ct.leakage * tables.leakage_unit;
        let Some(cell) = lib.cells.get(&inst.cell) else {
            continue;
        };
        for (pin, pt) in &ct.pins {
            let Some(net) = cx.pin_net[i].get(pin).cloned() else {
                continue;
            };
            let is_out = cell.outputs.contains(pin);
            let load = cx.load(&net);
            let mut sum = 0.0;
            for arc in &pt.power {
                // Transition times for the rise and the fall tables: an input pin's own; for
                // an output, the related input's, in the direction that makes the output
                // rise or fall (unateness of the timing arc between them).
                let (for_rise, for_fall) = match (is_out, &arc.related) {
                    (true, Some(rel)) => {
                        let (r, f) = match cx.pin_net[i].get(rel).cloned() {
                            Some(rn) => cx.slew(&rn),
                            None => (0.0, 0.0),
                        };
                        let negative = pt
                            .transition
                            .iter()
                            .find(|t| t.related.as_deref() == Some(rel.as_str()))
                            .and_then(|t| t.sense.as_deref())
                            == Some("negative_unate");
                        if negative {
                            (f, r)
                        } else {
                            (r, f)
                        }
                    }
                    (true, None) => (0.0, 0.0),
                    (false, _) => cx.slew(&net),
                };
                let mut k = 0;
                let mut x = 0.0;
                if let Some(t) = &arc.rise {
                    x += t.at(for_rise, load);
                    k += 1;
                }
                if let Some(t) = &arc.fall {
                    x += t.at(for_fall, load);
                    k += 1;
                }
                if k > 0 {
                    // The average of rise and fall; the arcs of a pin add up, as OpenSTA's
                    // 2019 build adds them.
                    sum += x / f64::from(k);
                }
            }
            if !pt.power.is_empty() {
                *e.internal.entry(net.clone()).or_insert(0.0) += sum * energy_unit;
                e.pins
                    .push((inst.name.clone(), pin.clone(), net, sum * energy_unit));
            }
        }
    }
    e.slew = cx.slew;
    e
}
