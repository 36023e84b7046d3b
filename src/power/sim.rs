//! The gate-level simulation `potmac power` weighs: a netlist and its cell models under the
//! design's own testbench on Icarus, checked against the golden model, its nets' toggles
//! counted from the VCD.

use super::{stimulus, vcd, PowerError, PowerOptions};
use crate::config::Design;
use crate::emit;
use crate::hw::vectors::Vector;
use crate::hw::MacModel;
use crate::tools::{sim_result, Bench, Sim, SimOutcome, Source};
use std::path::Path;

pub(crate) fn io_error(p: &Path) -> impl FnOnce(std::io::Error) -> PowerError {
    let path = p.display().to_string();
    move |source| PowerError::Io { path, source }
}

pub(crate) fn parse_error(p: &Path) -> impl FnOnce(String) -> PowerError {
    let path = p.display().to_string();
    move |message| PowerError::Parse { path, message }
}

/// A gate-level simulation checked against the golden model.
#[derive(Debug, Clone)]
pub struct GateSim {
    /// Toggles of the netlist's nets.
    pub toggles: vcd::Toggles,
    /// MAC operations simulated.
    pub macs: u64,
    /// Checks passed.
    pub checked: u64,
    /// A MAC's final accumulator.
    pub final_acc: Option<i64>,
    /// The netlist's text.
    pub netlist: String,
}

/// Simulate the netlist `gates` (relative to `dir`) with the cell models `cells` under the
/// design's testbench in `dir/work`, and count its toggles.
pub fn simulate(
    d: &Design,
    dir: &Path,
    o: &PowerOptions,
    work: &str,
    gates: &str,
    cells: String,
) -> Result<GateSim, PowerError> {
    let work = dir.join(work);
    if work.exists() {
        std::fs::remove_dir_all(&work).map_err(io_error(&work))?;
    }
    std::fs::create_dir_all(work.join("tb")).map_err(io_error(&work))?;
    std::fs::create_dir_all(work.join("vectors")).map_err(io_error(&work))?;
    let mut model = MacModel::new(d);
    let (mut files, tb_file, macs) = if d.array.is_some() {
        let gemms = stimulus::array_gemms(d, &o.stimulus, o.cycles, o.seed)?;
        let macs = gemms
            .iter()
            .map(|g| g.shape.m * g.shape.k * g.shape.n)
            .sum::<u64>();
        let (files, tb_file) = emit::power::array_bench(d, &gemms)?;
        (files, tb_file, macs)
    } else {
        let stims = stimulus::generate(d, &o.stimulus, o.cycles, o.seed)?;
        let vectors: Vec<Vector> = stims
            .iter()
            .map(|&stim| Vector {
                stim,
                expect: model.step(&stim),
            })
            .collect();
        let tb_file = format!("tb/tb_{}.v", d.name);
        (
            emit::power::mac_bench(d, &vectors)?,
            tb_file,
            vectors.len() as u64,
        )
    };
    let tb_top = format!("tb_{}", d.name);
    files.insert("cells.v".into(), cells);
    const VCD: &str = "power.vcd";
    // The testbench applies the first vector at 20 ns, after its reset.
    files.insert(
        "dump.v".into(),
        emit::power::dump_module("power_dump", &format!("{tb_top}.dut"), VCD, 19)?,
    );
    for (path, text) in &files {
        std::fs::write(work.join(path), text).map_err(io_error(&work.join(path)))?;
    }
    // `work` is two folders below `dir`.
    let gates_rel = format!("../../{gates}");
    let bench = Bench {
        dir: work.clone(),
        tops: vec![tb_top.clone(), "power_dump".into()],
        sources: ["cells.v", &gates_rel, &tb_file, "dump.v"]
            .iter()
            .map(|f| Source::File(f.to_string()))
            .collect(),
        build_dir: String::new(),
        waves: false,
        label: format!("the gates of {}", crate::progress::short_name(dir)),
    };
    let image = Sim::Icarus.build(&bench, o.timeout)?;
    let r = Sim::Icarus.run(&image, &[], &image.log("sim.log"), o.timeout)?;
    let checked = match sim_result(r, &Sim::Icarus.runtime())? {
        (SimOutcome::Pass(n), _) => n,
        (SimOutcome::Fail(n), log) => {
            return Err(PowerError::Mismatch {
                design: d.name.clone(),
                detail: format!(
                    "{n} checks of the testbench failed (log: {})",
                    log.display()
                ),
            })
        }
    };
    let gates_path = dir.join(gates);
    let netlist = std::fs::read_to_string(&gates_path).map_err(io_error(&gates_path))?;
    let vcd_path = work.join(VCD);
    let text = std::fs::read_to_string(&vcd_path).map_err(io_error(&vcd_path))?;
    let toggles =
        vcd::count(&text, &[tb_top.as_str(), "dut"], 0).map_err(parse_error(&vcd_path))?;
    // A MAC's final accumulator, read back from the VCD (arrays: the testbench compares every
    // output row and its cycle with the array model).
    let final_acc = if d.array.is_none() {
        let want = model.acc();
        let got = final_acc(&toggles, d.widths.acc).ok_or_else(|| PowerError::Mismatch {
            design: d.name.clone(),
            detail: "the VCD has no defined final acc_o".into(),
        })?;
        if got != want {
            return Err(PowerError::Mismatch {
                design: d.name.clone(),
                detail: format!("final accumulator {got}, golden model {want}"),
            });
        }
        Some(got)
    } else {
        None
    };
    Ok(GateSim {
        toggles,
        macs,
        checked,
        final_acc,
        netlist,
    })
}

/// The final `acc_o` of a VCD, two's complement.
fn final_acc(t: &vcd::Toggles, bits: u32) -> Option<i64> {
    let mut v: i128 = 0;
    for i in (0..bits).rev() {
        let b = match t.last.get(&format!("acc_o[{i}]"))? {
            b'0' => 0,
            b'1' => 1,
            _ => return None,
        };
        v = (v << 1) | b;
    }
    Some(crate::hw::wrap_signed(v, bits) as i64)
}
