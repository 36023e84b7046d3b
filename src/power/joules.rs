//! Energy in joules of a netlist mapped to a user's library: what one transition of each net
//! costs, from the library's pin capacitances, `internal_power` tables and leakage.
//!
//! Per transition of a net: **switching** ½·C·V² with C the input-pin capacitances of its
//! fanout (no wire; only nets a cell drives: a module input's net is its driver's load).
//! **Internal** energy, as Liberty defines its tables (`rise_power` per rising transition of
//! the pin, `fall_power` per falling one; a net's transitions alternate, so one transition
//! costs their mean): for the cell output driving the net, the mean over its
//! `internal_power` groups (one per related input) weighted by how likely each input is to
//! be the one that switched the output (see [`group_duty`]), each at its related input's
//! transition time and the net's load; plus, for every input pin the net reaches, that pin's
//! own tables at the net's transition time. Transition times come from the timing arcs'
//! `rise_transition`/`fall_transition` tables, propagated from ideal (zero) transitions at
//! the module inputs and the clock. **Leakage**: each cell's `cell_leakage_power`, all the
//! time.
//!
//! Beside it, [`NetEnergy::sta2019`]: the internal energy per transition as Debian's OpenSTA
//! (its 2019 build) counts it at a uniform activity, to check the lookups against
//! `report_power`: it adds the rise and the fall table of every group (no mean), weights each
//! group by its duty without normalising, and takes the related input's transition in the
//! output's direction whatever the arc's sense.

use super::netlist::{Netlist, Nets};
use crate::tools::liberty::function::Expr;
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
    /// Net → internal energy per transition as OpenSTA's 2019 build counts it when every
    /// net has the same activity (see the module docs).
    pub sta2019: BTreeMap<String, f64>,
    /// Net → switching energy per transition as OpenSTA counts it: on the larger of the
    /// fanout's summed `rise_capacitance` and summed `fall_capacitance`.
    pub sta2019_switching: BTreeMap<String, f64>,
    /// Leakage power of all cells, W.
    pub leakage_w: f64,
    /// The flip-flops' (and latches') share, grouped by cell as OpenSTA's `report_power`
    /// groups its Sequential row: the nets they drive (their switching is theirs) ...
    pub ff_nets: std::collections::BTreeSet<String>,
    /// ... net → the internal energy per transition of their pins on that net (clock pin
    /// included) ...
    pub ff_internal: BTreeMap<String, f64>,
    /// ... and their leakage power, W.
    pub ff_leakage_w: f64,
    /// Net → (rise, fall) transition time in the library's time unit.
    pub slew: BTreeMap<String, (f64, f64)>,
    /// The internal energy per transition of each (instance, pin, net): ours and OpenSTA
    /// 2019's.
    pub pins: Vec<(String, String, String, f64, f64)>,
}

/// An output pin's driver: (instance index, pin).
type Driver = (usize, String);

struct Ctx<'a> {
    netlist: &'a Netlist,
    nets: &'a Nets,
    tables: &'a Tables,
    /// Net → its driving output pin.
    driver: BTreeMap<String, Driver>,
    /// Net → the cell input pins it drives.
    fanout: BTreeMap<String, usize>,
    /// Net → its fanout's summed rise and fall capacitances.
    cap_rf: BTreeMap<String, (f64, f64)>,
    /// Net of each (instance, pin).
    pin_net: Vec<BTreeMap<String, String>>,
    slew: BTreeMap<String, (f64, f64)>,
    busy: std::collections::BTreeSet<String>,
}

impl Ctx<'_> {
    /// The net's load: its fanout's pin capacitances and the library's wire load.
    fn load(&self, net: &str) -> f64 {
        let wire = self
            .tables
            .wire_load
            .as_ref()
            .map_or(0.0, |w| w.cap(self.fanout.get(net).copied().unwrap_or(0)));
        self.nets.cap.get(net).copied().unwrap_or(0.0) + wire
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

/// Probability that `e` is true when every variable is independently true half the time.
fn probability(e: &Expr) -> f64 {
    match e {
        Expr::Const(b) => f64::from(u8::from(*b)),
        Expr::Var(_) => 0.5,
        Expr::Not(a) => 1.0 - probability(a),
        Expr::And(a, b) => probability(a) * probability(b),
        Expr::Or(a, b) => 1.0 - (1.0 - probability(a)) * (1.0 - probability(b)),
        Expr::Xor(a, b) => {
            let (p, q) = (probability(a), probability(b));
            p * (1.0 - q) + q * (1.0 - p)
        }
    }
}

/// `e` is the variable `pin` or its inversion.
fn is_pin(e: &Expr, pin: &str) -> bool {
    match e {
        Expr::Var(v) => v == pin,
        Expr::Not(a) => matches!(a.as_ref(), Expr::Var(v) if v == pin),
        _ => false,
    }
}

/// The condition under which `pin` switches the output of `function`, where the function's
/// shape shows it at once (the other operand of an AND; the other operand inverted of an OR
/// or XOR; always, for a buffer or an inverter of `pin`); `None` otherwise.
fn sensitizing(function: &Expr, pin: &str) -> Option<Expr> {
    let not = |e: &Expr| match e {
        Expr::Not(a) => a.as_ref().clone(),
        e => Expr::Not(Box::new(e.clone())),
    };
    match function {
        Expr::Var(v) => (v == pin).then_some(Expr::Const(true)),
        Expr::Not(a) => sensitizing(a, pin),
        Expr::And(a, b) if is_pin(a, pin) => Some(b.as_ref().clone()),
        Expr::And(a, b) if is_pin(b, pin) => Some(a.as_ref().clone()),
        Expr::Or(a, b) | Expr::Xor(a, b) if is_pin(a, pin) => Some(not(b)),
        Expr::Or(a, b) | Expr::Xor(a, b) if is_pin(b, pin) => Some(not(a)),
        _ => None,
    }
}

/// The weight of one `internal_power` group of a pin: the probability of its `when`
/// condition; for a group related to an input of the pin's function without one, the
/// probability that this input switches the output (when the function's shape shows it;
/// otherwise one half); 1 for a clock pin's own group or a group related to the clock; one
/// half otherwise. Every input is taken as independently high half the time (the duties
/// OpenSTA uses at a uniform activity).
pub fn group_duty(group: &RiseFall, function: Option<&Expr>, clock: bool) -> f64 {
    if let Some(p) = group.when.as_deref().and_then(|w| Expr::parse(w).ok()) {
        return probability(&p);
    }
    if let (Some(f), Some(rel)) = (function, group.related.as_deref()) {
        if let Some(s) = sensitizing(f, rel) {
            return probability(&s);
        }
    }
    if clock {
        1.0
    } else {
        0.5
    }
}

/// The per-transition energies of the nets of `netlist` (whose `nets` were computed with the
/// library's capacitances and no unit load); `clock` is the clock port.
pub fn net_energy(
    netlist: &Netlist,
    nets: &Nets,
    lib: &Library,
    tables: &Tables,
    clock: &str,
) -> NetEnergy {
    net_energy_ideal(netlist, nets, lib, tables, clock, &[])
}

/// [`net_energy`] with the nets named in `ideal` taken as ideal networks, as the clock and the
/// module inputs are: zero transition time, as if a buffer tree drove them (a reset that
/// reaches thousands of flip-flops has, unbuffered, a transition time far outside the
/// library's tables, and every flip-flop's reset-related tables would be extrapolated there).
pub fn net_energy_ideal(
    netlist: &Netlist,
    nets: &Nets,
    lib: &Library,
    tables: &Tables,
    clock: &str,
    ideal: &[&str],
) -> NetEnergy {
    let mut cx = Ctx {
        netlist,
        nets,
        tables,
        driver: BTreeMap::new(),
        fanout: BTreeMap::new(),
        cap_rf: BTreeMap::new(),
        pin_net: Vec::new(),
        slew: BTreeMap::new(),
        busy: Default::default(),
    };
    for (i, inst) in netlist.cells.iter().enumerate() {
        let mut m = BTreeMap::new();
        for (pin, net) in &inst.pins {
            let Some(net) = net else { continue };
            let root = nets.root.get(net).cloned().unwrap_or_else(|| net.clone());
            let cell = lib.cells.get(&inst.cell);
            if cell.is_some_and(|c| c.outputs.contains(pin)) {
                cx.driver.insert(root.clone(), (i, pin.clone()));
            }
            if let Some(&c) = cell.and_then(|c| c.inputs.get(pin)) {
                *cx.fanout.entry(root.clone()).or_insert(0) += 1;
                let p = tables.cells.get(&inst.cell).and_then(|t| t.pins.get(pin));
                let rf = cx.cap_rf.entry(root.clone()).or_insert((0.0, 0.0));
                rf.0 += p.and_then(|p| p.rise_cap).unwrap_or(c);
                rf.1 += p.and_then(|p| p.fall_cap).unwrap_or(c);
            }
            m.insert(pin.clone(), root);
        }
        cx.pin_net.push(m);
    }
    for name in ideal {
        if let Some(root) = nets.root.get(*name) {
            cx.slew.insert(root.clone(), (0.0, 0.0));
        }
    }
    let clock_net = nets.root.get(clock).cloned();
    let v = tables.voltage;
    let mut e = NetEnergy::default();
    for net in nets.cap.keys() {
        if cx.driver.contains_key(net) {
            let c = cx.load(net);
            e.switching
                .insert(net.clone(), 0.5 * c * tables.cap_unit * v * v);
            let (r, f) = cx.cap_rf.get(net).copied().unwrap_or_default();
            let c = c - cx.nets.cap.get(net).copied().unwrap_or(0.0) + r.max(f);
            e.sta2019_switching
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
        if cell.sequential {
            e.ff_leakage_w += ct.leakage * tables.leakage_unit;
            for (pin, net) in &cx.pin_net[i] {
                if cell.outputs.contains(pin) {
                    e.ff_nets.insert(net.clone());
                }
            }
        }
        for (pin, pt) in &ct.pins {
            if pt.power.is_empty() {
                continue;
            }
            let Some(net) = cx.pin_net[i].get(pin).cloned() else {
                continue;
            };
            let is_out = cell.outputs.contains(pin);
            let load = if is_out { cx.load(&net) } else { 0.0 };
            let function = cell.functions.get(pin).and_then(|f| Expr::parse(f).ok());
            let (mut ours, mut weights, mut sta) = (0.0, 0.0, 0.0);
            for g in &pt.power {
                // The pin whose transition time the tables take: the related one, or the
                // pin itself.
                let from = g.related.as_deref().unwrap_or(pin);
                let from_net = cx.pin_net[i].get(from).cloned();
                let (r, f) = match &from_net {
                    Some(n) => cx.slew(n),
                    None => (0.0, 0.0),
                };
                let clock = from_net.is_some() && from_net == clock_net;
                let duty = group_duty(g, function.as_ref(), clock);
                // Our mean: an output's rise follows the related input's fall through an
                // inverting arc.
                let negative = is_out
                    && pt
                        .transition
                        .iter()
                        .find(|t| t.related.as_deref() == Some(from))
                        .and_then(|t| t.sense.as_deref())
                        == Some("negative_unate");
                let (for_rise, for_fall) = if negative { (f, r) } else { (r, f) };
                let look = |t: &Option<crate::tools::liberty::tables::Table>, s: f64| {
                    t.as_ref().map(|t| t.at(s, load))
                };
                let both = [look(&g.rise, for_rise), look(&g.fall, for_fall)];
                let n = both.iter().flatten().count();
                if n > 0 {
                    ours += duty * both.iter().flatten().sum::<f64>() / n as f64;
                    weights += duty;
                }
                // OpenSTA 2019: rise and fall added, each at the related pin's transition
                // in the same direction, times the duty.
                let same = [look(&g.rise, r), look(&g.fall, f)];
                sta += duty * same.iter().flatten().sum::<f64>();
            }
            let ours = if weights > 0.0 { ours / weights } else { 0.0 } * energy_unit;
            let sta = sta * energy_unit;
            *e.internal.entry(net.clone()).or_insert(0.0) += ours;
            if cell.sequential {
                *e.ff_internal.entry(net.clone()).or_insert(0.0) += ours;
            }
            *e.sta2019.entry(net.clone()).or_insert(0.0) += sta;
            e.pins
                .push((inst.name.clone(), pin.clone(), net, ours, sta));
        }
    }
    e.slew = cx.slew;
    e
}

#[cfg(test)]
mod tests;
