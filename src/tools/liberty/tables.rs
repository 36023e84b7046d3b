//! The NLDM tables of a Liberty library that energy needs: each cell's leakage, each pin's
//! `internal_power` (energy per transition, by input transition time and output load) and
//! each timing arc's `rise_transition` / `fall_transition` (to know the transition times),
//! with the units that turn them into joules.
//!
//! Units: capacitance in `capacitive_load_unit` (pF for both libraries used here), times in
//! `time_unit` (ns), internal energies in capacitance unit × voltage² (pF·V² = pJ), leakage in
//! `leakage_power_unit` (nW).

use super::wire_load::wire_load;
pub use super::wire_load::WireLoad;
use super::{items, numbers, strip_comments, Item};
use std::collections::BTreeMap;

/// What a table axis is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// The input's (or related pin's) transition time.
    Slew,
    /// The load on the output.
    Load,
}

/// A one- or two-dimensional lookup table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub axes: Vec<(Axis, Vec<f64>)>,
    /// Row-major: `values[i * len(axis 2) + j]`.
    pub values: Vec<f64>,
}

/// Linear interpolation (and extrapolation beyond the ends, as static timing does) of `x`
/// in `index`: the two points and the weight of the second.
fn bracket(index: &[f64], x: f64) -> (usize, usize, f64) {
    if index.len() < 2 {
        return (0, 0, 0.0);
    }
    let mut i = 0;
    while i + 2 < index.len() && x > index[i + 1] {
        i += 1;
    }
    let w = (x - index[i]) / (index[i + 1] - index[i]);
    (i, i + 1, w)
}

impl Table {
    /// The value at a transition time and a load (each ignored when the table has no such
    /// axis).
    pub fn at(&self, slew: f64, load: f64) -> f64 {
        let coord = |a: Axis| if a == Axis::Slew { slew } else { load };
        match self.axes.as_slice() {
            [] => self.values.first().copied().unwrap_or(0.0),
            [(a, ix)] => {
                let (i, j, w) = bracket(ix, coord(*a));
                self.values[i] * (1.0 - w) + self.values[j] * w
            }
            [(a1, ix1), (a2, ix2), ..] => {
                let (i0, i1, u) = bracket(ix1, coord(*a1));
                let (j0, j1, v) = bracket(ix2, coord(*a2));
                let n = ix2.len();
                let z = |i: usize, j: usize| self.values[i * n + j];
                z(i0, j0) * (1.0 - u) * (1.0 - v)
                    + z(i0, j1) * (1.0 - u) * v
                    + z(i1, j0) * u * (1.0 - v)
                    + z(i1, j1) * u * v
            }
        }
    }
}

/// A pair of tables for a rising and a falling output (or input) transition.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiseFall {
    /// The related input pin, when stated.
    pub related: Option<String>,
    /// `positive_unate`, `negative_unate`, `non_unate` (timing arcs), or `rising_edge` for a
    /// flip-flop's clock-to-output arc.
    pub sense: Option<String>,
    /// An `internal_power` group's `when` condition (Liberty function syntax).
    pub when: Option<String>,
    pub rise: Option<Table>,
    pub fall: Option<Table>,
}

/// The tables of one pin.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PinTables {
    /// `internal_power` groups.
    pub power: Vec<RiseFall>,
    /// Timing arcs' `rise_transition` / `fall_transition`.
    pub transition: Vec<RiseFall>,
    /// `rise_capacitance` and `fall_capacitance`, when stated.
    pub rise_cap: Option<f64>,
    pub fall_cap: Option<f64>,
}

/// The tables of one cell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellTables {
    /// `cell_leakage_power`, in the library's leakage unit.
    pub leakage: f64,
    pub pins: BTreeMap<String, PinTables>,
}

/// A library's energy data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tables {
    /// `nom_voltage`, V.
    pub voltage: f64,
    /// One capacitance unit in F (1e-12 for pF).
    pub cap_unit: f64,
    /// One leakage unit in W (1e-9 for nW).
    pub leakage_unit: f64,
    /// One time unit in s (1e-9 for ns).
    pub time_unit: f64,
    pub cells: BTreeMap<String, CellTables>,
    /// The `default_wire_load` model, when the library names one.
    pub wire_load: Option<WireLoad>,
}

/// `"1nW"` → 1e-9 (the unit's suffix letters after the SI prefix are ignored).
fn si(text: &str) -> Option<f64> {
    let t = text.trim().trim_matches('"');
    let digits = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let n: f64 = t[..digits].parse().ok()?;
    let prefix = match t[digits..].trim().chars().next()? {
        'f' => 1e-15,
        'p' => 1e-12,
        'n' => 1e-9,
        'u' => 1e-6,
        'm' => 1e-3,
        _ => 1.0,
    };
    Some(n * prefix)
}

/// A template's axes (`None`: a variable energy does not depend on) and default indices.
type Axes = Vec<(Option<Axis>, Vec<f64>)>;

/// Table templates: name → axes with their default indices.
type Templates = BTreeMap<String, Axes>;

fn axis(variable: &str) -> Option<Axis> {
    match variable {
        "input_transition_time" | "input_net_transition" | "related_pin_transition" => {
            Some(Axis::Slew)
        }
        "total_output_net_capacitance" => Some(Axis::Load),
        _ => None,
    }
}

fn template(body: &str) -> Result<Axes, String> {
    let mut vars = [None, None, None];
    let mut idx: [Vec<f64>; 3] = Default::default();
    for it in items(body)? {
        match it {
            Item::Attr(k, v) if k.starts_with("variable_") => {
                let n: usize = k[9..].parse().map_err(|_| format!("bad `{k}`"))?;
                vars[n.clamp(1, 3) - 1] = Some(v);
            }
            Item::Complex(k, a) if k.starts_with("index_") => {
                let n: usize = k[6..].parse().map_err(|_| format!("bad `{k}`"))?;
                idx[n.clamp(1, 3) - 1] = numbers(a)?;
            }
            _ => {}
        }
    }
    Ok(vars
        .iter()
        .zip(idx)
        .take_while(|(v, _)| v.is_some())
        .map(|(v, i)| (axis(v.unwrap_or_default()), i))
        .collect())
}

fn table(tmpl: &Templates, name: &str, body: &str) -> Result<Option<Table>, String> {
    let Some(t) = tmpl.get(name) else {
        // `scalar` and unknown templates: one value.
        let v = items(body)?
            .into_iter()
            .find_map(|i| match i {
                Item::Complex("values", a) => Some(a),
                _ => None,
            })
            .map(numbers)
            .transpose()?
            .unwrap_or_default();
        return Ok(v.first().map(|&x| Table {
            axes: vec![],
            values: vec![x],
        }));
    };
    let mut axes: Axes = t.clone();
    let mut values = Vec::new();
    for it in items(body)? {
        match it {
            Item::Complex(k, a) if k.starts_with("index_") => {
                let n: usize = k[6..].parse().map_err(|_| format!("bad `{k}`"))?;
                if let Some(x) = axes.get_mut(n.saturating_sub(1)) {
                    x.1 = numbers(a)?;
                }
            }
            Item::Complex("values", a) => values = numbers(a)?,
            _ => {}
        }
    }
    // Axes the energy does not depend on (there are none in these libraries) are dropped.
    if axes.iter().any(|a| a.0.is_none()) {
        return Ok(None);
    }
    let axes: Vec<(Axis, Vec<f64>)> = axes
        .into_iter()
        .map(|(a, i)| (a.expect("kept"), i))
        .collect();
    let size: usize = axes.iter().map(|a| a.1.len().max(1)).product();
    if values.len() != size {
        return Err(format!(
            "table `{name}` has {} values for {size} points",
            values.len()
        ));
    }
    Ok(Some(Table { axes, values }))
}

fn rise_fall(tmpl: &Templates, body: &str, rise: &str, fall: &str) -> Result<RiseFall, String> {
    let mut rf = RiseFall::default();
    for it in items(body)? {
        match it {
            Item::Attr("related_pin", v) => rf.related = Some(v.to_string()),
            Item::Attr("when", v) => rf.when = Some(v.to_string()),
            Item::Attr("timing_sense" | "timing_type", v)
                if rf.sense.is_none() || v.contains("edge") =>
            {
                rf.sense = Some(v.to_string())
            }
            Item::Group(k, t, b) if k == rise => rf.rise = table(tmpl, t, b)?,
            Item::Group(k, t, b) if k == fall => rf.fall = table(tmpl, t, b)?,
            _ => {}
        }
    }
    Ok(rf)
}

impl Tables {
    /// Read the energy data of a Liberty text.
    pub fn parse(text: &str) -> Result<Tables, String> {
        let text = strip_comments(text);
        let top = items(&text)?;
        let body = top
            .iter()
            .find_map(|i| match i {
                Item::Group("library", _, b) => Some(*b),
                _ => None,
            })
            .ok_or("no `library` group")?;
        let mut t = Tables {
            voltage: f64::NAN,
            cap_unit: 1e-12,
            leakage_unit: 1e-9,
            time_unit: 1e-9,
            cells: BTreeMap::new(),
            wire_load: None,
        };
        let mut wire_loads = BTreeMap::new();
        let mut default_wire_load = None;
        let mut tmpl = Templates::new();
        let lib = items(body)?;
        for it in &lib {
            match *it {
                Item::Attr("nom_voltage", v) => t.voltage = v.parse().unwrap_or(f64::NAN),
                Item::Attr("leakage_power_unit", v) => t.leakage_unit = si(v).unwrap_or(1e-9),
                Item::Attr("time_unit", v) => t.time_unit = si(v).unwrap_or(1e-9),
                Item::Complex("capacitive_load_unit", a) => {
                    let (n, u) = a.split_once(',').ok_or("bad capacitive_load_unit")?;
                    let n: f64 = n.trim().parse().map_err(|_| "bad capacitive_load_unit")?;
                    t.cap_unit =
                        n * si(&format!("1{}", u.trim().trim_matches('"'))).unwrap_or(1e-12);
                }
                Item::Group("wire_load", name, b) => {
                    wire_loads.insert(name.trim_matches('"').to_string(), wire_load(b)?);
                }
                Item::Attr("default_wire_load", v) => default_wire_load = Some(v.to_string()),
                Item::Group("power_lut_template" | "lu_table_template", name, b) => {
                    tmpl.insert(name.to_string(), template(b)?);
                }
                _ => {}
            }
        }
        t.wire_load = default_wire_load.and_then(|n| wire_loads.remove(&n));
        if t.voltage.is_nan() {
            return Err("the library states no `nom_voltage`".into());
        }
        for it in lib {
            let Item::Group("cell", name, cb) = it else {
                continue;
            };
            let mut cell = CellTables::default();
            for ci in items(cb)? {
                match ci {
                    Item::Attr("cell_leakage_power", v) => cell.leakage = v.parse().unwrap_or(0.0),
                    Item::Group("pin", pin, pb) => {
                        let mut p = PinTables::default();
                        for pi in items(pb)? {
                            match pi {
                                Item::Group("internal_power", _, b) => {
                                    p.power
                                        .push(rise_fall(&tmpl, b, "rise_power", "fall_power")?)
                                }
                                Item::Group("timing", _, b) => p.transition.push(rise_fall(
                                    &tmpl,
                                    b,
                                    "rise_transition",
                                    "fall_transition",
                                )?),
                                Item::Attr("rise_capacitance", v) => p.rise_cap = v.parse().ok(),
                                Item::Attr("fall_capacitance", v) => p.fall_cap = v.parse().ok(),
                                _ => {}
                            }
                        }
                        cell.pins.insert(pin.to_string(), p);
                    }
                    _ => {}
                }
            }
            t.cells.insert(name.to_string(), cell);
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIB: &str = r#"library (demo) {
  time_unit : "1ns"; leakage_power_unit : "1nW"; capacitive_load_unit (1, pf); nom_voltage : 1.8;
  power_lut_template (e2) { variable_1 : total_output_net_capacitance;
    variable_2 : input_transition_time; index_1 ("1, 2"); index_2 ("1, 2"); }
  power_lut_template (e1) { variable_1 : input_transition_time; index_1 ("1, 2"); }
  lu_table_template (d2) { variable_1 : input_net_transition;
    variable_2 : total_output_net_capacitance; index_1 ("1, 2"); index_2 ("1, 2"); }
  cell (INV) { area : 1; cell_leakage_power : 0.5;
    pin (A) { direction : input; capacitance : 0.01;
      internal_power () { rise_power (e1) { index_1 ("0.1, 0.3"); values ("0.001, 0.003"); }
        fall_power (e1) { index_1 ("0.1, 0.3"); values ("0.001, 0.003"); } } }
    pin (Y) { direction : output; function : "!A";
      internal_power () { related_pin : "A";
        rise_power (e2) { index_1 ("0.01, 0.03"); index_2 ("0.1, 0.3");
          values ("0.01, 0.02", \
                  "0.03, 0.04"); }
        fall_power (e2) { index_1 ("0.01, 0.03"); index_2 ("0.1, 0.3"); values ("0.01, 0.02", "0.03, 0.04"); } }
      timing () { related_pin : "A"; timing_sense : negative_unate;
        rise_transition (d2) { index_1 ("0.1, 0.3"); index_2 ("0.01, 0.03"); values ("0.1, 0.2", "0.3, 0.4"); }
        fall_transition (d2) { index_1 ("0.1, 0.3"); index_2 ("0.01, 0.03"); values ("0.1, 0.2", "0.3, 0.4"); } } } }
}"#;

    #[test]
    fn tables_units_and_interpolation() {
        let t = Tables::parse(LIB).unwrap();
        assert_eq!(
            (t.voltage, t.cap_unit, t.leakage_unit, t.time_unit),
            (1.8, 1e-12, 1e-9, 1e-9)
        );
        let inv = &t.cells["INV"];
        assert_eq!(inv.leakage, 0.5);
        let y = &inv.pins["Y"];
        let p = &y.power[0];
        assert_eq!(p.related.as_deref(), Some("A"));
        let rise = p.rise.as_ref().unwrap();
        // Load is axis 1, slew axis 2 here: the corners, the middle, and beyond the ends.
        assert!((rise.at(0.1, 0.01) - 0.01).abs() < 1e-12);
        assert!((rise.at(0.3, 0.03) - 0.04).abs() < 1e-12);
        assert!((rise.at(0.2, 0.02) - 0.025).abs() < 1e-12);
        assert!((rise.at(0.0, 0.01) - 0.005).abs() < 1e-12);
        let a = inv.pins["A"].power[0].rise.as_ref().unwrap();
        assert!((a.at(0.2, 99.0) - 0.002).abs() < 1e-12);
        let tr = &y.transition[0];
        assert_eq!(tr.sense.as_deref(), Some("negative_unate"));
        assert!((tr.rise.as_ref().unwrap().at(0.3, 0.02) - 0.35).abs() < 1e-12);
        assert_eq!(si("1nW"), Some(1e-9));
        assert_eq!(si("\"1ns\""), Some(1e-9));
        assert!(Tables::parse("library (x) { }").is_err());
    }
}
