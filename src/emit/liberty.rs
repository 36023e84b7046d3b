//! Scripts of the runs on a user's standard-cell library (`potmac synth --liberty FILE`),
//! rendered at run time into the design folder's `build/lib_<library>/`: the Yosys script
//! that maps the design to the library and the OpenSTA script that times it. Every path in
//! them is relative to the design folder.

use super::{render, EmitError};
use askama::Template;

/// The files of one run, relative to the design folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibertyFiles {
    /// The copy of the library (dont-use cells marked).
    pub liberty: String,
    /// The Yosys script.
    pub script: String,
    /// Its log.
    pub log: String,
    /// `stat -json` of the mapped design.
    pub stat_json: String,
    /// `stat -liberty` (the text report with the chip area).
    pub stat_txt: String,
    /// The mapped netlist for OpenSTA.
    pub netlist: String,
    /// The mapped netlist for simulation (vector ports).
    pub gates: String,
    /// The OpenSTA power script (uniform activity) and its log.
    pub power_script: String,
    pub power_log: String,
    /// The OpenSTA script.
    pub sta_script: String,
    /// Its log (the timing report).
    pub sta_log: String,
}

impl LibertyFiles {
    /// The files of a library's runs on a variant (`""`: the design's top) in
    /// `build/lib_<stem>/`.
    pub fn new(stem: &str, variant: &str) -> LibertyFiles {
        let dir = format!("build/lib_{stem}");
        let p = match variant {
            "" => String::new(),
            v => format!("{v}_"),
        };
        LibertyFiles {
            liberty: format!("{dir}/cells.lib"),
            script: format!("{dir}/{p}map.ys"),
            log: format!("{dir}/{p}yosys.log"),
            stat_json: format!("{dir}/{p}stat.json"),
            stat_txt: format!("{dir}/{p}area.txt"),
            netlist: format!("{dir}/{p}netlist.v"),
            gates: format!("{dir}/{p}gates.v"),
            power_script: format!("{dir}/{p}power.tcl"),
            power_log: format!("{dir}/{p}power.log"),
            sta_script: format!("{dir}/{p}sta.tcl"),
            sta_log: format!("{dir}/{p}sta.log"),
        }
    }
}

#[derive(Template)]
#[template(path = "synth/liberty.ys", escape = "none")]
struct MapScript<'a> {
    top: &'a str,
    library: &'a str,
    liberty: &'a str,
    script: &'a str,
    generic: &'a str,
    rtlil: &'a str,
    memories: bool,
    stat_json: &'a str,
    stat_txt: &'a str,
    netlist: &'a str,
    gates: &'a str,
}

#[derive(Template)]
#[template(path = "synth/power.tcl", escape = "none")]
struct PowerScript<'a> {
    top: &'a str,
    library: &'a str,
    script: &'a str,
    liberty: &'a str,
    netlist: &'a str,
    clock: &'a str,
    period: &'a str,
}

/// The OpenSTA script that reports the power of the mapped `top` with every net making one
/// transition per clock period of `period_ns` (the clock two).
pub fn power_script(
    f: &LibertyFiles,
    top: &str,
    library: &str,
    clock: &str,
    period_ns: u32,
) -> Result<String, EmitError> {
    render(
        &PowerScript {
            top,
            library,
            script: &f.power_script,
            liberty: &f.liberty,
            netlist: &f.netlist,
            clock,
            period: &period_ns.to_string(),
        },
        &f.power_script,
    )
}

#[derive(Template)]
#[template(path = "synth/sta.tcl", escape = "none")]
struct StaScript<'a> {
    top: &'a str,
    library: &'a str,
    script: &'a str,
    liberty: &'a str,
    netlist: &'a str,
    clock: &'a str,
    period: &'a str,
}

/// The Yosys script that maps `top` (saved as RTLIL by the generic script `generic` in
/// `rtlil`) to the library `library`; `memories`: the design keeps memory cells.
pub fn map_script(
    f: &LibertyFiles,
    top: &str,
    library: &str,
    generic: &str,
    rtlil: &str,
    memories: bool,
) -> Result<String, EmitError> {
    render(
        &MapScript {
            top,
            library,
            liberty: &f.liberty,
            script: &f.script,
            generic,
            rtlil,
            memories,
            stat_json: &f.stat_json,
            stat_txt: &f.stat_txt,
            netlist: &f.netlist,
            gates: &f.gates,
        },
        &f.script,
    )
}

/// The OpenSTA script that times the mapped `top` with one clock of `period_ns` on `clock`.
pub fn sta_script(
    f: &LibertyFiles,
    top: &str,
    library: &str,
    clock: &str,
    period_ns: u32,
) -> Result<String, EmitError> {
    render(
        &StaScript {
            top,
            library,
            script: &f.sta_script,
            liberty: &f.liberty,
            netlist: &f.netlist,
            clock,
            period: &period_ns.to_string(),
        },
        &f.sta_script,
    )
}

#[derive(Template)]
#[template(path = "synth/accel_energy.ys", escape = "none")]
struct EnergyScript<'a> {
    top: &'a str,
    library: &'a str,
    liberty: &'a str,
    script: &'a str,
    ram: &'a str,
    ram_file: &'a str,
    rtl_files: &'a [String],
    gates: &'a str,
    program: &'a str,
    weights: &'a str,
    bias: &'a str,
}

/// The Yosys script of `potmac infer --liberty` at `script`: the accelerator `top` from its
/// RTL files `rtl_files` (the memory module `ram`, in `ram_file`, a black box) mapped to the
/// library at `liberty`, hierarchy kept until mapped (see `templates/synth/accel_energy.ys`),
/// written to `gates`; the memories filled from `init` (the program file, the weight banks'
/// prefix, the bias file). Paths relative to the design folder.
#[allow(clippy::too_many_arguments)]
pub fn energy_script(
    script: &str,
    top: &str,
    library: &str,
    liberty: &str,
    (ram, ram_file): (&str, &str),
    rtl_files: &[String],
    gates: &str,
    (program, weights, bias): (&str, &str, &str),
) -> Result<String, EmitError> {
    render(
        &EnergyScript {
            top,
            library,
            liberty,
            script,
            ram,
            ram_file,
            rtl_files,
            gates,
            program,
            weights,
            bias,
        },
        script,
    )
}
