//! Project files that make an output folder self-contained: `filelist.f`, the `Makefile`,
//! Yosys scripts per target and `format.json` (the weight code table).

use super::{render, EmitError};
use crate::config::Design;
use crate::tools::{icarus, liberty, nextpnr, verilator, yosys};
use crate::widths::Overflow;
use askama::Template;
use std::collections::BTreeMap;

/// The cocotb runner: the same in every folder (it reads `format.json` and `filelist.f`).
const COCOTB_RUN: (&str, &str) = (
    "cocotb/run.py",
    include_str!("../../templates/project/cocotb/run.py"),
);

/// The cocotb test and reference model of a MAC or array folder: the same in every such
/// folder (they read `format.json`). An accelerator folder has its own test instead
/// ([`Tops::cocotb_test`]).
const COCOTB: [(&str, &str); 2] = [
    (
        "cocotb/test_design.py",
        include_str!("../../templates/project/cocotb/test_design.py"),
    ),
    (
        "cocotb/model.py",
        include_str!("../../templates/project/cocotb/model.py"),
    ),
];

/// Names the project files refer to.
pub(crate) struct Tops<'a> {
    /// RTL files, in compile order.
    pub rtl: &'a [String],
    /// Top RTL module.
    pub top: &'a str,
    /// Testbench module.
    pub tb_top: &'a str,
    /// Testbench file.
    pub tb_file: &'a str,
    /// Place-and-route wrapper file.
    pub pnr_file: &'a str,
    /// Place-and-route wrapper module.
    pub pnr_top: &'a str,
    /// Synthesis-only variants: (name, files, top), e.g. the hand-written uniform baseline.
    pub variants: &'a [(&'a str, Vec<String>, String)],
    /// Whether the folder has the formal-equivalence files (`formal/`, single MACs).
    pub formal: bool,
    /// Whether the folder also has the hierarchical scripts of its top
    /// (`synth/hier_*.ys`, arrays: each distinct module synthesized once).
    pub hier: bool,
    /// Whether the folder has the register map files (`regs/`, accelerators).
    pub regs: bool,
    /// Whether the top has memories that the generic script keeps as memory cells
    /// (accelerators).
    pub memories: bool,
    /// A rendered cocotb test `(path, text)` that replaces the MAC/array test and model
    /// (accelerators: `cocotb/test_accel.py`).
    pub cocotb_test: Option<(&'a str, String)>,
    /// A parameter of the top that the DSP scripts (`synth/dsp_*.ys`) set to 1 (Yosys
    /// `chparam`), e.g. the accelerator's `PostopDsp`.
    pub dsp_param: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "project/filelist.f", escape = "none")]
struct FileList<'a> {
    rtl_files: &'a [String],
}

#[derive(Template)]
#[template(path = "project/fusesoc.core", escape = "none")]
struct Core<'a> {
    name: &'a str,
    version: &'static str,
    core_name: String,
    core_vlnv: String,
    description: String,
    rtl_files: &'a [String],
    tb_file: &'a str,
    vector_files: Vec<&'a str>,
    top: &'a str,
    tb_top: &'a str,
}

/// The FuseSoC core name (VLN, without the version) of a design.
pub fn core_name(design: &str) -> String {
    format!("potmac:designs:{design}")
}

#[derive(Template)]
#[template(path = "project/Makefile", escape = "none")]
struct Makefile {
    name: String,
    version: &'static str,
    core_name: String,
    waves: super::Waves,
    verilator_waves: String,
    icarus_compile: String,
    icarus_run: String,
    verilator_build: String,
    lint: String,
    pnr_yosys: String,
    nextpnr: String,
    prove: Option<ProveMake>,
    regs: Option<RegsMake>,
}

/// The `make regs` command of an accelerator folder: PeakRDL's C header from the SystemRDL
/// file.
struct RegsMake {
    rdl: String,
    header: String,
}

/// The `make prove` and `make prove-sby` commands of a single-MAC folder.
struct ProveMake {
    yosys: String,
    sby_dir: String,
    sby_job: String,
}

#[derive(Template)]
#[template(path = "synth/generic.ys", escape = "none")]
struct SynthGeneric<'a> {
    title: &'a str,
    script: String,
    rtl_files: &'a [String],
    top: &'a str,
    stat_json: String,
    comb_json: String,
    liberty: &'static str,
    ge_json: String,
    gates: String,
    /// The design after `synth`, before mapping (read by the runs on a user's library).
    rtlil: String,
    /// Keep the hierarchy (`synth` without `-flatten`, `stat -top`).
    hier: bool,
    /// Keep the synchronous-read memories as memory cells, listed in this JSON file
    /// (accelerator tops).
    mem_json: Option<String>,
}

#[derive(Template)]
#[template(path = "synth/ice40.ys", escape = "none")]
struct SynthIce40<'a> {
    title: &'a str,
    script: String,
    rtl_files: &'a [String],
    top: &'a str,
    /// The module whose parameter `dsp_param` is (the top, or the accelerator inside the
    /// place-and-route wrapper).
    param_top: &'a str,
    stat_json: String,
    netlist: Option<&'a str>,
    /// Keep the hierarchy (`-noflatten`, `stat -top`).
    hier: bool,
    /// Allow DSP blocks (`-dsp`).
    dsp: bool,
    /// A parameter of the top set to 1 before elaboration.
    dsp_param: Option<&'a str>,
    /// With `dsp_param`: the accelerator's weight memory as single-port RAM
    /// (`Spram`), mapped to the UP5K's SB_SPRAM256KA by `-spram`: the iCE40's other hard block.
    spram: bool,
}

#[derive(Template)]
#[template(path = "synth/xc7.ys", escape = "none")]
struct SynthXc7<'a> {
    title: &'a str,
    script: String,
    rtl_files: &'a [String],
    top: &'a str,
    stat_json: String,
    /// Keep the hierarchy (no `-flatten`, `stat -top`).
    hier: bool,
    /// Allow DSP blocks (no `-nodsp`).
    dsp: bool,
    /// A parameter of the top set to 1 before elaboration.
    dsp_param: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "synth/ecp5.ys", escape = "none")]
struct SynthEcp5<'a> {
    title: &'a str,
    script: String,
    rtl_files: &'a [String],
    top: &'a str,
    /// The module whose parameter `dsp_param` is (the top, or the accelerator inside the
    /// place-and-route wrapper).
    param_top: &'a str,
    stat_json: String,
    netlist: Option<&'a str>,
    /// Keep the hierarchy (`-noflatten`, `stat -top`).
    hier: bool,
    /// Allow DSP blocks (no `-nodsp`).
    dsp: bool,
    /// A parameter of the top set to 1 before elaboration.
    dsp_param: Option<&'a str>,
}

/// The design as data, for tools outside potmac (the cocotb model reads it): the top module,
/// the widths of its ports, the array shape and the weight code table.
#[derive(serde::Serialize)]
struct FormatJson<'a> {
    top: &'a str,
    testbench: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    array: Option<ArrayJson>,
    format: &'static str,
    bits: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    zero: Option<&'static str>,
    max_level: i64,
    codes: Vec<crate::quant::CodeEntry>,
    activations: ActJson,
    widths: WidthsJson,
}

#[derive(serde::Serialize)]
struct ActJson {
    bits: u32,
    signed: bool,
}

#[derive(serde::Serialize)]
struct ArrayJson {
    rows: u32,
    cols: u32,
    dataflow: &'static str,
}

#[derive(serde::Serialize)]
struct WidthsJson {
    activation: u32,
    weight_code: u32,
    product: u32,
    accumulator: u32,
    /// `saturate` or `wrap` for a narrow accumulator; absent when exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    overflow: Option<&'static str>,
    max_dot_length: u64,
}

pub(crate) fn format_json(d: &Design, t: &Tops<'_>) -> String {
    let zero = match &d.weights {
        crate::quant::WeightFormat::Pot(p) => Some(p.zero().name()),
        _ => None,
    };
    let j = FormatJson {
        top: t.top,
        testbench: t.tb_top,
        array: d.array.map(|a| ArrayJson {
            rows: a.rows,
            cols: a.cols,
            dataflow: a.dataflow.name(),
        }),
        format: d.weights.kind(),
        bits: d.weights.bits(),
        zero,
        max_level: d.weights.max_level(),
        codes: d.weights.table(),
        activations: ActJson {
            bits: d.act.bits(),
            signed: d.act.signed(),
        },
        widths: WidthsJson {
            activation: d.act.bits(),
            weight_code: d.weights.bits(),
            product: d.widths.product,
            accumulator: d.widths.acc,
            overflow: (d.overflow != Overflow::Exact).then(|| d.overflow.name()),
            max_dot_length: d.max_dot_length,
        },
    };
    let mut s = serde_json::to_string_pretty(&j).expect("format.json serializes");
    s.push('\n');
    s
}

/// Add filelist, Makefile, Yosys scripts and format.json.
pub(crate) fn add_project_files(
    files: &mut BTreeMap<String, String>,
    d: &Design,
    t: &Tops<'_>,
) -> Result<(), EmitError> {
    files.insert(
        "filelist.f".into(),
        render(&FileList { rtl_files: t.rtl }, "filelist.f")?,
    );
    files.insert(
        "Makefile".into(),
        render(
            &Makefile {
                name: d.name.clone(),
                version: env!("CARGO_PKG_VERSION"),
                core_name: core_name(&d.name),
                waves: super::WAVES,
                verilator_waves: verilator::WAVES_ARGS.join(" "),
                icarus_compile: icarus::compile_args(t.tb_top, t.tb_file).join(" "),
                icarus_run: icarus::run_args().join(" "),
                verilator_build: verilator::build_args(t.tb_top, t.tb_file).join(" "),
                lint: verilator::lint_args(t.top).join(" "),
                pnr_yosys: yosys::args("synth/pnr.ys", "build/yosys_pnr.log").join(" "),
                nextpnr: nextpnr::args().join(" "),
                prove: t.formal.then(|| ProveMake {
                    yosys: yosys::args(yosys::SCRIPT, yosys::LOG).join(" "),
                    sby_dir: "formal".into(),
                    sby_job: format!("{}.sby", d.name),
                }),
                regs: t.regs.then(|| RegsMake {
                    rdl: super::regmap::rdl_path(&d.name),
                    header: super::regmap::peakrdl_header_path(&d.name),
                }),
            },
            "Makefile",
        )?,
    );
    let plain = Script::default();
    synth_scripts(
        files,
        &format!("{} ({})", t.top, d.name),
        "",
        t.rtl,
        t.top,
        Script {
            memories: t.memories,
            ..plain
        },
    )?;
    synth_scripts(
        files,
        &format!("{} ({}, DSPs allowed)", t.top, d.name),
        yosys::DSP_VARIANT,
        t.rtl,
        t.top,
        Script {
            dsp: true,
            dsp_param: t.dsp_param,
            ..plain
        },
    )?;
    if t.hier {
        synth_scripts(
            files,
            &format!("{} ({}, hierarchical: each module once)", t.top, d.name),
            yosys::HIER_VARIANT,
            t.rtl,
            t.top,
            Script {
                hier: true,
                ..plain
            },
        )?;
    }
    files.insert(liberty::FILE.into(), liberty::TEXT.into());
    for (variant, rtl, top) in t.variants {
        synth_scripts(
            files,
            &format!("{top} ({variant} variant of {})", d.name),
            variant,
            rtl,
            top,
            plain,
        )?;
    }
    let mut pnr_files = t.rtl.to_vec();
    if !pnr_files.iter().any(|f| f == t.pnr_file) {
        pnr_files.push(t.pnr_file.to_string());
    }
    let pnr_title = format!("{} (registered wrapper for place and route)", t.pnr_top);
    // The wrapper's scripts; with a DSP parameter (accelerators) also the DSP variants
    // (`synth/pnr_dsp*.ys`), which write the same netlist and figures.
    let dsp_variants: &[bool] = if t.dsp_param.is_some() {
        &[false, true]
    } else {
        &[false]
    };
    for &dsp in dsp_variants {
        let dsp_param = if dsp { t.dsp_param } else { None };
        let script = nextpnr::Arch::Ice40.script_for(dsp);
        files.insert(
            script.into(),
            render(
                &SynthIce40 {
                    title: &pnr_title,
                    script: script.into(),
                    rtl_files: &pnr_files,
                    top: t.pnr_top,
                    param_top: t.top,
                    stat_json: nextpnr::Arch::Ice40.stat_json().into(),
                    netlist: Some(nextpnr::Arch::Ice40.netlist()),
                    hier: false,
                    dsp,
                    dsp_param,
                    spram: dsp_param.is_some(),
                },
                script,
            )?,
        );
        let script = nextpnr::Arch::Ecp5.script_for(dsp);
        files.insert(
            script.into(),
            render(
                &SynthEcp5 {
                    title: &pnr_title,
                    script: script.into(),
                    rtl_files: &pnr_files,
                    top: t.pnr_top,
                    param_top: t.top,
                    stat_json: nextpnr::Arch::Ecp5.stat_json().into(),
                    netlist: Some(nextpnr::Arch::Ecp5.netlist()),
                    hier: false,
                    dsp,
                    dsp_param,
                },
                script,
            )?,
        );
    }
    files.insert("format.json".into(), format_json(d, t));
    let vector_files = files
        .keys()
        .filter(|k| k.starts_with("vectors/"))
        .map(String::as_str)
        .collect();
    let core = render(
        &Core {
            name: &d.name,
            version: env!("CARGO_PKG_VERSION"),
            core_name: core_name(&d.name),
            core_vlnv: format!("{}:{}", core_name(&d.name), env!("CARGO_PKG_VERSION")),
            description: format!("{} ({}), generated by potmac", t.top, d.weights.summary()),
            rtl_files: t.rtl,
            tb_file: t.tb_file,
            vector_files,
            top: t.top,
            tb_top: t.tb_top,
        },
        "fusesoc.core",
    )?;
    files.insert(format!("{}.core", d.name), core);
    files.insert(COCOTB_RUN.0.into(), COCOTB_RUN.1.into());
    if let Some((path, text)) = &t.cocotb_test {
        files.insert(path.to_string(), text.clone());
    } else {
        for (path, text) in COCOTB {
            files.insert(path.to_string(), text.to_string());
        }
        if d.overflow != Overflow::Exact {
            // A narrow accumulator's model applies its overflow policy after each cycle.
            files
                .get_mut("cocotb/model.py")
                .expect("inserted above")
                .push_str(include_str!(
                    "../../templates/project/cocotb/model_narrow.py"
                ));
        }
    }
    Ok(())
}

/// How a script synthesizes its top.
#[derive(Debug, Clone, Copy, Default)]
struct Script<'a> {
    /// Keep the hierarchy.
    hier: bool,
    /// A parameter of the top set to 1 before elaboration (`chparam -set NAME 1 TOP`).
    dsp_param: Option<&'a str>,
    /// Allow DSP blocks (FPGA targets; the generic target has none, so no generic script).
    dsp: bool,
    /// Generic target: keep the synchronous-read memories as memory cells.
    memories: bool,
}

/// One Yosys script per target for a top (`variant` "" is the design itself).
fn synth_scripts(
    files: &mut BTreeMap<String, String>,
    title: &str,
    variant: &str,
    rtl: &[String],
    top: &str,
    how: Script,
) -> Result<(), EmitError> {
    let Script {
        hier,
        dsp,
        dsp_param,
        ..
    } = how;
    for target in yosys::Target::ALL {
        if dsp && !target.has_dsps() {
            continue;
        }
        let script = target.script_for(variant);
        let stat_json = target.stat_json_for(variant);
        let text = match target {
            yosys::Target::Generic => render(
                &SynthGeneric {
                    title,
                    script: script.clone(),
                    rtl_files: rtl,
                    top,
                    stat_json,
                    comb_json: target.comb_json_for(variant),
                    liberty: liberty::FILE,
                    ge_json: target.ge_json_for(variant),
                    gates: target.gates_for(variant),
                    rtlil: target.rtlil_for(variant),
                    hier,
                    mem_json: how.memories.then(|| target.mem_json_for(variant)),
                },
                &script,
            )?,
            yosys::Target::Ice40 => render(
                &SynthIce40 {
                    title,
                    script: script.clone(),
                    rtl_files: rtl,
                    top,
                    param_top: top,
                    stat_json,
                    netlist: None,
                    hier,
                    dsp,
                    dsp_param,
                    spram: dsp_param.is_some(),
                },
                &script,
            )?,
            yosys::Target::Xc7 => render(
                &SynthXc7 {
                    title,
                    script: script.clone(),
                    rtl_files: rtl,
                    top,
                    stat_json,
                    hier,
                    dsp,
                    dsp_param,
                },
                &script,
            )?,
            yosys::Target::Ecp5 => render(
                &SynthEcp5 {
                    title,
                    script: script.clone(),
                    rtl_files: rtl,
                    top,
                    param_top: top,
                    stat_json,
                    netlist: None,
                    hier,
                    dsp,
                    dsp_param,
                },
                &script,
            )?,
        };
        files.insert(script, text);
    }
    Ok(())
}
