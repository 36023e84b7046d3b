//! `infer --liberty FILE`: the energy of a whole inference. The accelerator of
//! [`super::Accelerator`] (same design, program and bus testbench) is mapped to the library
//! with its hierarchy kept until mapped and its memories left as RTL
//! (`templates/synth/accel_energy.ys`); Icarus runs that netlist, with models of the
//! library's cells, on one run of test images; every logit, class and pass cycle count must
//! still equal the integer and cycle models'. The nets' toggles over the run (from the start
//! write to the interrupt) and the memories' counted accesses give the energy per image by
//! part ([`crate::power::accel`]).

use super::accel::write;
use super::report::SimResult;
use super::{InferOptions, Samples};
use crate::emit::{self, liberty::energy_script};
use crate::flow::synth::liberty::{self as lib_flow, LibertyOptions, CLOCK_PORT};
use crate::flow::{usage, Context, Result};
use crate::hw::accel::{pass_cycles, AccelWidths};
use crate::infer::program::chunk_images;
use crate::infer::{accel_design, check_pass, compile, AccelSim};
use crate::model::read::Export;
use crate::power::accel::{self as energy, AccelEnergy, MemAccess, Run};
use crate::power::liberty::{net_toggles, LEAKAGE_PERIOD_NS};
use crate::power::netlist::Netlist;
use crate::power::{joules, models, vcd, Delay};
use crate::tools::liberty::tables::Tables;
use crate::tools::{self, icarus, yosys, Bench, Sim, SimOutcome, Source};
use crate::train::data;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What `--liberty` measures with.
#[derive(Debug, Clone)]
pub struct EnergyOptions {
    /// The library.
    pub liberty: PathBuf,
    /// The memories' energy per bit accessed, pJ.
    pub mem_pj_per_bit: f64,
    /// Gate delay of the cell models.
    pub delay: Delay,
}

/// One measured run.
#[derive(Debug, Clone)]
pub struct EnergyReport {
    /// Design name.
    pub design: String,
    /// The gate-level run's images, cycles and check (as the RTL runs report them).
    pub sim: SimResult,
    /// The energy, when the run passed its checks.
    pub energy: Option<AccelEnergy>,
    /// The reports' folder (`energy.json`, `energy.md`).
    pub report_dir: PathBuf,
    /// Wall time of the whole run.
    pub wall: Duration,
}

/// The reset synchronizer's instance in the accelerator top (`templates/accel/accel.v`).
const RESET_SYNC: &str = "u_rstsync.";

/// The module that measures the run (`templates/power/accel_dump.v`).
const DUMP: &str = "power_dump";

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).context(|| format!("reading {}", path.display()))
}

/// Measure one run of the first `o.samples` test images (at most one simulator run's worth)
/// on the gate netlist of the accelerator mapped to `e.liberty`.
pub fn run(export: &Export, o: &InferOptions, e: &EnergyOptions) -> Result<EnergyReport> {
    let wall = Instant::now();
    let dataset = export.dataset()?;
    let model = &export.model;
    let mut test = data::load(dataset, o.data_dir.as_deref())?.test;
    let per = model.input.0 * model.input.1 * model.input.2;
    let chunk = chunk_images(o.batch) as usize;
    let n = match o.samples {
        Samples::First(n) if n <= chunk => n,
        _ => {
            return usage(format!(
                "--liberty measures one simulator run: --samples at most {chunk} (16 passes of \
                 --batch {})",
                o.batch
            ))
        }
    };
    test.truncate(n, per);
    let n = test.len();
    let fmt = model.layers[0].format.label().replace(':', "");
    let a = o.array;
    let name = format!("infer_{fmt}_{}{}x{}", a.dataflow.name(), a.rows, a.cols);
    let design = accel_design(model, a, o.batch, &name)?;
    let program = compile(model, &design)?;
    let w = AccelWidths::new(&design);
    let timeout = o.run.timeout;

    let lo = LibertyOptions {
        path: e.liberty.clone(),
        dont_use: None,
        timing: false,
    };
    lib_flow::check(&lo, yosys::Target::Generic)?;
    tools::find(&yosys::YOSYS)?;
    tools::find(&icarus::IVERILOG)?;
    tools::find(&icarus::VVP)?;
    let lib = lib_flow::load(&lo)?;
    let tables = match Tables::parse(&lib.text) {
        Ok(t) => t,
        Err(m) => return usage(format!("--liberty {}: {m}", lo.path.display())),
    };

    let (_lock, dir, run_dir, top) = super::accel::prepare(&design, &program, &o.run)?;
    let (xs, expected) = super::accel::expected(model, &test.x, n, per);
    let images: String = xs
        .iter()
        .flat_map(|x| program.image_words(&design, x))
        .map(|w| w + "\n")
        .collect();
    write(&run_dir.join("images_energy.hex"), &images)?;

    // The netlist: the RTL files, the memory module a black box.
    let m = emit::AccelModules::new(&design);
    let work = format!("build/energy_{}", lib.stem);
    std::fs::create_dir_all(dir.join(&work)).context(|| format!("creating {work}"))?;
    let ram_file = format!("rtl/{}.v", m.ram);
    let rtl: Vec<String> = read(&dir.join("filelist.f"))?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != ram_file)
        .map(String::from)
        .collect();
    let f = |x: &str| format!("{work}/{x}");
    write(&dir.join(f("cells.lib")), &lib.text)?;
    let script = energy_script(
        &f("map.ys"),
        &top,
        &lib.library.name,
        &f("cells.lib"),
        (&m.ram, &ram_file),
        &rtl,
        &f("gates.v"),
        ("infer/program.hex", "infer/weights", "infer/bias.hex"),
    )?;
    write(&dir.join(f("map.ys")), &script)?;
    {
        let _step = crate::progress::step(
            &format!("yosys: mapping {name} to {}", lib.library.name),
            None,
        );
        tools::run(
            &yosys::YOSYS,
            &yosys::args(&f("map.ys"), &f("yosys.log")),
            &dir,
            timeout,
            &dir.join(f("yosys.log")),
        )?
        .check(&yosys::YOSYS)
        .context(|| format!("mapping {top} to {}", lib.library.name))?;
    }
    // Yosys writes an empty string parameter passed down the hierarchy as a zero-width
    // constant, which Icarus refuses; it is the memory's default, "".
    let gates_path = dir.join(f("gates.v"));
    let text = read(&gates_path)?.replace(".InitFile({0{1'b0}})", ".InitFile(\"\")");
    write(&gates_path, &text)?;
    let netlist = Netlist::parse(&text).map_err(|m| crate::power::PowerError::Parse {
        path: gates_path.display().to_string(),
        message: m,
    })?;
    let mut logic = netlist.clone();
    logic.cells.retain(|c| c.cell != m.ram);
    let used = logic.cells.iter().map(|c| c.cell.clone()).collect();
    let cells =
        models::models(&lib.text, &used, e.delay == Delay::Unit, true).map_err(|message| {
            crate::power::PowerError::Parse {
                path: lib.source.display().to_string(),
                message,
            }
        })?;
    write(&dir.join(f("cells.v")), &cells)?;
    let ram = emit::power::counting_ram(&read(&dir.join(&ram_file))?, DUMP)?;
    write(&dir.join(f("ram.v")), &ram)?;
    let vcd_file = f("power.vcd");
    write(
        &dir.join(f("dump.v")),
        &emit::power::accel_dump_module(DUMP, &m.tb, &vcd_file)?,
    )?;
    let bench = Bench {
        dir: dir.clone(),
        tops: vec![m.tb.clone(), DUMP.into()],
        sources: [
            f("cells.v"),
            f("gates.v"),
            f("ram.v"),
            m.tb_file.clone(),
            f("dump.v"),
        ]
        .into_iter()
        .map(Source::File)
        .collect(),
        build_dir: work.clone(),
        waves: false,
        label: format!("the gates of {name}"),
    };

    // The run, checked as the RTL runs are.
    let t0 = Instant::now();
    let s = AccelSim::from_bench(&bench, Sim::Icarus, timeout)
        .context(|| format!("compiling the gate netlist of {name} on Icarus"))?;
    let mut r = SimResult::new(Sim::Icarus.name(), t0.elapsed().as_secs_f64());
    let maxc = pass_cycles(w.side, w.dataflow, &program.descriptors, o.batch) * 2 + 1000;
    let mut args = vec![
        "program=infer/program.hex".to_string(),
        "weights=infer/weights.hex".into(),
        "bias=infer/bias.hex".into(),
        "images=infer/images_energy.hex".into(),
        format!("words={}", program.in_words),
        format!("count={n}"),
        format!("batch={}", o.batch),
        format!("maxcycles={maxc}"),
        "preloaded".into(),
    ];
    if o.stall > 0 {
        args.push(format!("stall={}", o.stall));
        args.push("seed=1".into());
    }
    let step = crate::progress::step(&format!("icarus: the gates of {name}, {n} images"), None);
    let (outcome, out) = s.run(&args, "energy", timeout, w.side as usize, w.postop.sum)?;
    drop(step);
    r.sim_seconds = out.elapsed.as_secs_f64();
    r.requested = n;
    let batch = o.batch as usize;
    let last = model.layers.len() - 1;
    let passes: Vec<(usize, usize)> = (0..n)
        .step_by(batch)
        .map(|p| (p, (p + batch).min(n)))
        .collect();
    for (pi, &(p0, p1)) in passes.iter().enumerate() {
        let model_cycles = pass_cycles(w.side, w.dataflow, &program.descriptors, (p1 - p0) as u32);
        r.model_cycles += model_cycles;
        r.rtl_cycles += out.cycles.get(pi).copied().unwrap_or(0);
        for (i, ex) in expected.iter().enumerate().take(p1).skip(p0) {
            let y = usize::from(test.y[i]);
            r.images += 1;
            r.hw_ok += usize::from(out.classes.get(&i) == Some(&Some(y)));
            r.int_ok += usize::from(ex.class == y);
        }
        if r.failure.is_none() {
            if let Some(d) = check_pass(&out, p0, &expected[p0..p1], last, model_cycles, pi) {
                r.failure = Some(format!(
                    "the gate netlist on {}: sample {}: {} (log: {})",
                    lib.library.name,
                    d.sample,
                    d.what,
                    s.log("energy").display()
                ));
            }
        }
    }
    if let Some([run, ..]) = out.run {
        r.run_cycles = run;
    }
    if r.failure.is_none() && matches!(outcome, SimOutcome::Fail(_)) {
        r.failure = Some(format!(
            "the testbench failed on the gate netlist (log: {})",
            s.log("energy").display()
        ));
    }
    let report = |energy| EnergyReport {
        design: name.clone(),
        sim: r.clone(),
        energy,
        report_dir: run_dir.clone(),
        wall: wall.elapsed(),
    };
    if r.failure.is_some() {
        return Ok(report(None));
    }

    // The energy.
    let log = read(&s.log("energy"))?;
    let bad_log = |message: String| crate::power::PowerError::Parse {
        path: s.log("energy").display().to_string(),
        message,
    };
    let cycles = log
        .lines()
        .find_map(|l| l.strip_prefix("WINDOW "))
        .and_then(|c| c.trim().parse::<u64>().ok())
        .ok_or_else(|| bad_log("no `WINDOW` line (the measured run's cycles)".into()))?;
    let memories: Vec<MemAccess> = energy::parse_mem_lines(&log).map_err(bad_log)?;
    let vcd_path = dir.join(&vcd_file);
    let toggles = {
        let _step = crate::progress::step("counting toggles", None);
        vcd::count(&read(&vcd_path)?, &[m.tb.as_str(), "dut"], 0).map_err(|message| {
            crate::power::PowerError::Parse {
                path: vcd_path.display().to_string(),
                message,
            }
        })?
    };
    let nets =
        logic
            .nets(&lib.library, 0.0)
            .map_err(|message| crate::power::PowerError::Parse {
                path: gates_path.display().to_string(),
                message,
            })?;
    // The synchronized reset reaches every flip-flop: the nets the reset synchronizer's cells
    // drive are ideal networks, as the clock is.
    let reset: Vec<&str> = logic
        .cells
        .iter()
        .filter(|c| c.name.starts_with(RESET_SYNC))
        .flat_map(|c| {
            let outputs = &lib.library.cells[&c.cell].outputs;
            c.pins
                .iter()
                .filter(|(p, _)| outputs.contains(p))
                .filter_map(|(_, n)| n.as_deref())
        })
        .collect();
    let per = joules::net_energy_ideal(&logic, &nets, &lib.library, &tables, CLOCK_PORT, &reset);
    let toggles = net_toggles(&toggles, &nets);
    let a = energy::weigh(
        Run {
            netlist: &logic,
            nets: &nets,
            toggles: &toggles,
            energy: &per,
            delay: e.delay,
            cycles,
            images: n as u64,
            memories,
        },
        &lib.library,
        &tables,
        LEAKAGE_PERIOD_NS,
        e.mem_pj_per_bit,
    );
    let json = serde_json::to_string_pretty(&a).expect("serializable");
    write(&run_dir.join("energy.json"), &(json + "\n"))?;
    write(&run_dir.join("energy.md"), &table(&name, &a))?;
    Ok(report(Some(a)))
}

/// The energy per image as a Markdown table: each part's pJ and share, the memories, the
/// total.
pub fn table(design: &str, a: &AccelEnergy) -> String {
    let share = |x: f64| 100.0 * x / a.total_pj.max(f64::MIN_POSITIVE);
    let mut out = format!(
        "Energy per image of `{design}` on {}: {} images, {} cycles, {} cells, {} gate delay.\n\n\
         | part | pJ/image | share | switching | internal | leakage |\n|---|---|---|---|---|---|\n",
        a.library,
        a.images,
        a.cycles,
        a.cells,
        a.delay.name()
    );
    for (p, e) in &a.parts {
        out.push_str(&format!(
            "| {} | {:.1} | {:.1} % | {:.1} | {:.1} | {:.3} |\n",
            p.name(),
            e.total_pj,
            share(e.total_pj),
            e.switching_pj,
            e.internal_pj,
            e.leakage_pj
        ));
    }
    out.push_str(&format!(
        "| memories | {:.1} | {:.1} % | {:.0} bits/image × {} pJ/bit | | |\n| **total** | **{:.1}** | 100 % | | | |\n",
        a.memory_pj,
        share(a.memory_pj),
        a.memory_bits_per_image(),
        a.mem_pj_per_bit,
        a.total_pj
    ));
    out.push_str("\nMemories (bits read and written over the run; a read every cycle, the memory has no read enable):\n\n| memory | width | reads | writes | bits |\n|---|---|---|---|---|\n");
    for m in &a.memories {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            m.instance,
            m.width,
            m.reads,
            m.writes,
            m.bits()
        ));
    }
    out
}
