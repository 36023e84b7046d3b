//! `potmac infer --liberty FILE`: the energy of a whole inference on the accelerator, per
//! image, by part.
//!
//! The logic (everything but the memories) is the accelerator's gate netlist mapped to the
//! library with its hierarchy kept until mapped, so each cell's instance name begins with the
//! path of the RTL instance it comes from: [`part_of`] sorts it into the array, the post-op
//! units, the sequencer, the argmax, the host interface (control registers, input loader,
//! output writer, reset synchronizer) or the rest of the datapath (its own buffers, delay
//! lines and multiplexers). A net's switching energy goes to the part of the cell that drives
//! it, a pin's internal energy and a cell's leakage to the cell's part (the same figures as
//! [`super::liberty`], per net and pin: [`super::joules`]).
//!
//! The memories are not mapped: their instances stay in the netlist and are simulated from
//! the RTL, counting accesses ([`MemAccess`]): a read of the whole word every cycle (the
//! generated memory has no read enable) and a write every cycle its write enable is high,
//! each `width` bits, times an energy per bit the user gives ([`HOROWITZ_PJ_PER_BIT`] by
//! default). Nothing here scales that figure to the library's node.

use super::joules::NetEnergy;
use super::netlist::{Netlist, Nets};
use super::Delay;
use crate::tools::liberty::tables::Tables;
use crate::tools::liberty::Library;
use std::collections::BTreeMap;

/// The default memory energy per bit accessed, pJ: Horowitz, "Computing's energy problem (and
/// what we can do about it)", ISSCC 2014, 45 nm at 0.9 V: a 64-bit read of an 8 KB SRAM costs
/// about 10 pJ, so 10/64 pJ a bit (writes are taken to cost as much as reads).
pub const HOROWITZ_PJ_PER_BIT: f64 = 10.0 / 64.0;

/// A part of the accelerator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The systolic array (its PEs and skew lines).
    Array,
    /// The post-op units (bias, requantization, ReLU), one per column.
    PostOp,
    /// The sequencer that walks the program.
    Sequencer,
    /// The argmax of the last layer.
    Argmax,
    /// The host interface: control registers, input loader, output writer, reset synchronizer.
    Host,
    /// The rest of the datapath: its own buffers, delay lines, multiplexers, address logic.
    Datapath,
}

impl Part {
    /// Every part, in report order.
    pub const ALL: [Part; 6] = [
        Part::Array,
        Part::PostOp,
        Part::Sequencer,
        Part::Argmax,
        Part::Host,
        Part::Datapath,
    ];

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Part::Array => "array",
            Part::PostOp => "post-op",
            Part::Sequencer => "sequencer",
            Part::Argmax => "argmax",
            Part::Host => "host interface",
            Part::Datapath => "datapath other",
        }
    }
}

/// The part a cell instance belongs to, from its hierarchical name (the instance names of
/// `templates/accel/accel.v`, `top.v` and `top_os.v`).
pub fn part_of(instance: &str) -> Part {
    let under = |p: &str| {
        instance
            .strip_prefix(p)
            .is_some_and(|r| r.starts_with('.') || r.starts_with('['))
    };
    if under("u_core.u_array") {
        Part::Array
    } else if under("u_core.g_postop") {
        Part::PostOp
    } else if under("u_core.u_seq") {
        Part::Sequencer
    } else if under("u_core.u_argmax") {
        Part::Argmax
    } else if ["u_ctrl", "u_load", "u_out", "u_rstsync"]
        .iter()
        .any(|p| under(p))
    {
        Part::Host
    } else {
        Part::Datapath
    }
}

/// The accesses of one memory instance during the measured run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MemAccess {
    /// Instance path below the accelerator top.
    pub instance: String,
    /// Bits per word.
    pub width: u64,
    /// Word reads (one a cycle) and writes.
    pub reads: u64,
    pub writes: u64,
}

impl MemAccess {
    /// Bits read and written.
    pub fn bits(&self) -> u64 {
        (self.reads + self.writes) * self.width
    }
}

/// The `MEM <instance> <width> <reads> <writes>` lines of a simulation log (see
/// `templates/power/ram_count.v`); the instance path is given below `dut`.
pub fn parse_mem_lines(log: &str) -> Result<Vec<MemAccess>, String> {
    let mut out = Vec::new();
    for line in log.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.first() != Some(&"MEM") {
            continue;
        }
        let bad = || format!("cannot read `{line}`");
        let [_, path @ .., w, r, wr] = &f[..] else {
            return Err(bad());
        };
        let num = |s: &str| s.parse::<u64>().map_err(|_| bad());
        let path = path.join("");
        let instance = path
            .split_once(".dut.")
            .map_or(path.as_str(), |(_, r)| r)
            .trim_start_matches('\\')
            .to_string();
        out.push(MemAccess {
            instance,
            width: num(w)?,
            reads: num(r)?,
            writes: num(wr)?,
        });
    }
    Ok(out)
}

/// Energy of one part per image, pJ.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct PartEnergy {
    pub switching_pj: f64,
    pub internal_pj: f64,
    pub leakage_pj: f64,
    pub total_pj: f64,
}

/// The energy of a measured run per image.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AccelEnergy {
    /// The library's name.
    pub library: String,
    /// Cell instances of the logic (memories aside).
    pub cells: usize,
    /// Images and cycles of the measured run, and its gate delay.
    pub images: u64,
    pub cycles: u64,
    pub delay: Delay,
    /// The logic by part.
    pub parts: Vec<(Part, PartEnergy)>,
    /// The memories' accesses over the run.
    pub memories: Vec<MemAccess>,
    /// The memories' energy per bit accessed, pJ.
    pub mem_pj_per_bit: f64,
    /// The memories' energy per image, pJ.
    pub memory_pj: f64,
    /// All of it per image, pJ: the parts and the memories.
    pub total_pj: f64,
}

impl AccelEnergy {
    /// The logic's energy per image (the parts' sum), pJ.
    pub fn logic_pj(&self) -> f64 {
        self.parts.iter().map(|(_, e)| e.total_pj).sum()
    }

    /// Bits the memories read and wrote per image.
    pub fn memory_bits_per_image(&self) -> f64 {
        self.memories.iter().map(MemAccess::bits).sum::<u64>() as f64 / self.images.max(1) as f64
    }
}

/// What one run measured.
pub struct Run<'a> {
    /// The netlist (memory instances included) and the nets of its cells.
    pub netlist: &'a Netlist,
    pub nets: &'a Nets,
    /// Toggles per net root.
    pub toggles: &'a BTreeMap<String, u64>,
    /// Per-transition energies of the nets and pins.
    pub energy: &'a NetEnergy,
    /// Gate delay of the simulation.
    pub delay: Delay,
    /// Clock cycles, images and memory accesses of the run.
    pub cycles: u64,
    pub images: u64,
    pub memories: Vec<MemAccess>,
}

/// Weigh a run by part: switching by the driving cell's part, internal energy by the pin's
/// cell, leakage by cell over `run.cycles` at `period_ns`; memories at `pj_per_bit`.
pub fn weigh(
    run: Run,
    lib: &Library,
    tables: &Tables,
    period_ns: f64,
    pj_per_bit: f64,
) -> AccelEnergy {
    let mut by: BTreeMap<Part, PartEnergy> = Part::ALL
        .iter()
        .map(|&p| (p, PartEnergy::default()))
        .collect();
    let toggles = |net: &str| run.toggles.get(net).copied().unwrap_or(0) as f64;
    let mut cells = 0;
    for inst in &run.netlist.cells {
        let Some(cell) = lib.cells.get(&inst.cell) else {
            continue;
        };
        cells += 1;
        let part = by.get_mut(&part_of(&inst.name)).expect("every part");
        for (pin, net) in &inst.pins {
            let Some(net) = net else { continue };
            if !cell.outputs.contains(pin) {
                continue;
            }
            let root = run.nets.root.get(net).map_or(net.as_str(), String::as_str);
            if let Some(e) = run.energy.switching.get(root) {
                part.switching_pj += e * toggles(root) * 1e12;
            }
        }
        if let Some(t) = tables.cells.get(&inst.cell) {
            part.leakage_pj +=
                t.leakage * tables.leakage_unit * run.cycles as f64 * period_ns * 1e-9 * 1e12;
        }
    }
    for (inst, _pin, net, ours, _sta) in &run.energy.pins {
        let part = by.get_mut(&part_of(inst)).expect("every part");
        part.internal_pj += ours * toggles(net) * 1e12;
    }
    let images = run.images.max(1) as f64;
    let parts: Vec<(Part, PartEnergy)> = by
        .into_iter()
        .map(|(p, e)| {
            let e = PartEnergy {
                switching_pj: e.switching_pj / images,
                internal_pj: e.internal_pj / images,
                leakage_pj: e.leakage_pj / images,
                total_pj: (e.switching_pj + e.internal_pj + e.leakage_pj) / images,
            };
            (p, e)
        })
        .collect();
    let bits: u64 = run.memories.iter().map(MemAccess::bits).sum();
    let memory_pj = bits as f64 * pj_per_bit / images;
    let logic: f64 = parts.iter().map(|(_, e)| e.total_pj).sum();
    AccelEnergy {
        library: lib.name.clone(),
        cells,
        images: run.images,
        cycles: run.cycles,
        delay: run.delay,
        parts,
        memories: run.memories,
        mem_pj_per_bit: pj_per_bit,
        memory_pj,
        total_pj: logic + memory_pj,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::power::joules::net_energy;

    #[test]
    fn parts_from_instance_names() {
        assert_eq!(
            part_of("u_core.u_array.u_mesh.g_pe_row[0].g_pe_col[1].u_pe.g12"),
            Part::Array
        );
        assert_eq!(part_of("u_core.g_postop[3].u_postop.g7"), Part::PostOp);
        assert_eq!(part_of("u_core.u_seq.g1"), Part::Sequencer);
        assert_eq!(part_of("u_core.u_argmax.g1"), Part::Argmax);
        assert_eq!(part_of("u_ctrl.g4"), Part::Host);
        assert_eq!(part_of("u_out.u_class_delay.g4"), Part::Host);
        assert_eq!(part_of("u_core.g9"), Part::Datapath);
        assert_eq!(part_of("u_core.u_array_x.g9"), Part::Datapath);
        assert_eq!(part_of("g3"), Part::Datapath);
    }

    /// Hand-counted: 3 memories over a run of 2 images.
    #[test]
    fn memory_bits_by_hand() {
        let log = "ROW 0 0 0 ff\nMEM tb_x.dut.\\u_core.u_wmem.g_bank[0].u_ram  32 100 0\nMEM tb_x.dut.\\u_core.u_psum  184 100 40\nMEM tb_x.dut.\\u_out.u_fifo  12 100 2\nPASS 2\n";
        let m = parse_mem_lines(log).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].instance, "u_core.u_wmem.g_bank[0].u_ram");
        assert_eq!(m[1].instance, "u_core.u_psum");
        // 100 reads of 32 bits; 140 accesses of 184 bits; 102 of 12.
        assert_eq!(m[0].bits(), 3200);
        assert_eq!(m[1].bits(), 140 * 184);
        assert_eq!(m[2].bits(), 1224);
        assert_eq!(3200 + 25760 + 1224, 30184);
        assert!(parse_mem_lines("MEM x 1 2\n").is_err());
        assert!(parse_mem_lines("MEM x 1 2 z\n").is_err());
    }

    /// Two inverters in two parts and a memory, by hand; the parts and the memories add up to
    /// the total.
    #[test]
    fn parts_add_up_to_the_total() {
        let text = r#"library (t) { capacitive_load_unit (1, pf); leakage_power_unit : "1nW";
  nom_voltage : 1.0;
  cell (INV) { area : 1; cell_leakage_power : 2;
    pin (A) { direction : input; capacitance : 1;
      internal_power () { rise_power (scalar) { values ("1"); } fall_power (scalar) { values ("1"); } } }
    pin (Y) { direction : output; function : "(!A)";
      internal_power () { related_pin : "A";
        rise_power (scalar) { values ("2"); } fall_power (scalar) { values ("2"); } } } } }"#;
        let lib = Library::parse(text).unwrap();
        let tables = Tables::parse(text).unwrap();
        let n = Netlist::parse(
            "module m(clk_i, a, y);\n input clk_i;\n input a;\n output y;\n wire n;\n INV \\u_core.u_array.g1 (.A(a), .Y(n));\n INV \\u_ctrl.g2 (.A(n), .Y(y));\n ram #(.Width(8)) \\u_core.u_psum (.clk_i(clk_i));\nendmodule\n",
        )
        .unwrap();
        let mut logic = n.clone();
        logic.cells.retain(|c| lib.cells.contains_key(&c.cell));
        let nets = logic.nets(&lib, 0.0).unwrap();
        let e = net_energy(&logic, &nets, &lib, &tables, "clk_i");
        let toggles: BTreeMap<String, u64> = [("a", 4), ("n", 4), ("y", 4)]
            .map(|(k, v)| (k.to_string(), v))
            .into();
        let run = Run {
            netlist: &n,
            nets: &nets,
            toggles: &toggles,
            energy: &e,
            delay: Delay::Unit,
            cycles: 10,
            images: 2,
            memories: vec![MemAccess {
                instance: "u_core.u_psum".into(),
                width: 8,
                reads: 10,
                writes: 5,
            }],
        };
        let a = weigh(run, &lib, &tables, 10.0, 0.5);
        let near = |x: f64, y: f64| (x - y).abs() < 1e-9;
        let get = |p: Part| a.parts.iter().find(|(q, _)| *q == p).unwrap().1;
        let (arr, host) = (get(Part::Array), get(Part::Host));
        // n: ½·1 pF·1 V² per transition, 4 transitions, driven by the array's inverter: 2 pJ
        // over 2 images.
        assert!(near(arr.switching_pj, 1.0), "{arr:?}");
        // y drives nothing: no switching.
        assert!(near(host.switching_pj, 0.0));
        // Array inverter: its A pin 1 pJ × 4 (a) + its Y pin 2 pJ × 4 (n) = 12 pJ; host
        // inverter: A 1 × 4 (n) + Y 2 × 4 (y) = 12 pJ; per image 6 each.
        assert!(
            near(arr.internal_pj, 6.0) && near(host.internal_pj, 6.0),
            "{a:?}"
        );
        // Leakage: 2 nW × 10 cycles × 10 ns = 2e-16 J = 2e-4 pJ per cell, per image 1e-4.
        assert!(near(arr.leakage_pj, 1e-4) && near(host.leakage_pj, 1e-4));
        // Memory: 15 × 8 bits × 0.5 pJ / 2 images.
        assert!(near(a.memory_pj, 30.0));
        assert_eq!(a.cells, 2);
        let sum: f64 = a.parts.iter().map(|(_, e)| e.total_pj).sum::<f64>() + a.memory_pj;
        assert!(near(sum, a.total_pj) && near(a.logic_pj() + a.memory_pj, a.total_pj));
        assert!(near(a.total_pj, 1.0 + 12.0 + 2e-4 + 30.0));
    }
}
