//! Backend: turns a validated [`Design`] into a self-contained output folder.
//!
//! Everything is rendered in memory first ([`bundle`]) and written in one step ([`write`]):
//! into a temporary sibling folder that replaces `OUT/<name>` only when complete, so a failure
//! or a kill never leaves a half-written design (see [`write`] and [`DesignLock`]). Verilog text lives only in askama templates
//! under `templates/`; the views here hold values computed in Rust.

mod accel;
mod array;
pub mod batch;
mod folder;
pub mod formal;
pub mod hex;
pub mod liberty;
mod mac;
mod mac_view;
mod ports;
pub mod power;
mod project;
pub mod regmap;

use crate::config::Design;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub use accel::{AccelModules, POSTOP_RANDOM};
pub use array::{random_gemms, ArrayModules, PE_VARIANT};
pub use folder::{check_dest, missing_files, recover, replace, write, DesignLock};
pub use mac::PLAIN;
pub use mac_view::MacCommon;

/// Errors while emitting (messages never repeat their `source`: see the crate docs, "Errors").
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    /// A template failed to render.
    #[error("rendering {what}")]
    Render { what: String, source: askama::Error },
    /// Writing the output failed.
    #[error("writing {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Another process holds the design folder's lock for longer than we wait.
    #[error(
        "{path}: another potmac run has been using this design folder for {seconds} s; \
         wait for it to finish (or end it) and run again"
    )]
    Locked { path: PathBuf, seconds: u64 },
    /// Something other than a folder (a file, a FIFO, a dangling link) is where the design
    /// folder goes: it is the user's, so nothing is moved.
    #[error(
        "{path} is not a folder: potmac writes a folder there (a design or an export); move or remove it and \
         run again"
    )]
    NotAFolder { path: PathBuf },
}

/// Generation options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Seeded random vectors after the directed ones.
    pub vectors: usize,
    /// Seed.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            vectors: 2000,
            seed: 1,
        }
    }
}

/// A rendered design folder, in memory.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// Design name (folder name).
    pub name: String,
    /// Top RTL module.
    pub top: String,
    /// Testbench module.
    pub tb_top: String,
    /// Testbench file, relative to the folder.
    pub tb_file: String,
    /// Place-and-route wrapper file (a second top for synthesis), relative to the folder.
    pub pnr_file: String,
    /// Number of checks the testbench makes (its `PASS n`).
    pub vectors: usize,
    /// What one check is: `vectors` (a MAC cycle) or `output rows` (an array row and its cycle).
    pub checks: &'static str,
    /// Relative path → contents.
    pub files: BTreeMap<String, String>,
}

/// Render every file of a design.
pub fn bundle(design: &Design, opts: &Options) -> Result<Bundle, EmitError> {
    match design.array {
        None => mac::bundle(design, opts),
        Some(_) if design.accel.is_some() => accel::bundle(design, opts.seed),
        Some(_) => array::bundle(design, opts),
    }
}

/// Render every file of an array design whose testbench runs the given GEMMs (e.g. the layers
/// of a trained network) instead of the generated test GEMMs.
///
/// # Panics
/// If the design has no `array` section.
pub fn bundle_gemms(
    design: &Design,
    gemms: &[crate::hw::array::Gemm],
) -> Result<Bundle, EmitError> {
    array::bundle_gemms(design, gemms)
}

/// Where a testbench run with `+waves` writes its waveforms (the simulators' constants), for
/// the testbench and Makefile templates.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Waves {
    /// The plusarg name, without `+`.
    pub plusarg: &'static str,
    /// Icarus: VCD.
    pub vcd: &'static str,
    /// Verilator: FST.
    pub fst: &'static str,
}

/// The waveform files of every generated testbench.
pub(crate) const WAVES: Waves = Waves {
    plusarg: crate::tools::WAVES_PLUSARG.split_at(1).1,
    vcd: crate::tools::icarus::WAVES,
    fst: crate::tools::verilator::WAVES,
};

/// Render askama output and restore the final newline askama drops.
pub(crate) fn render<T: askama::Template>(t: &T, what: &str) -> Result<String, EmitError> {
    let mut s = t.render().map_err(|source| EmitError::Render {
        what: what.to_string(),
        source,
    })?;
    if !s.ends_with('\n') {
        s.push('\n');
    }
    Ok(s)
}

/// Header lines shared by every generated Verilog file: what it is, that it is generated, and
/// the fully resolved configuration.
pub(crate) fn config_lines(design: &Design, module: &str) -> Vec<String> {
    let w = &design.widths;
    let derived =
        crate::widths::MacWidths::derive(&design.weights, &design.act, design.max_dot_length);
    let weights = match &design.weights {
        crate::quant::WeightFormat::Pot(p) => format!(
            "{{format: pot, bits: {}, zero: {}}}",
            p.bits(),
            p.zero().name()
        ),
        f => format!("{{format: {}, bits: {}}}", f.kind(), f.bits()),
    };
    let mut v = vec![
        format!(
            " {module}: generated by potmac {}, do not edit.",
            env!("CARGO_PKG_VERSION")
        ),
        " Configuration (fully resolved):".to_string(),
        format!("   name: {}", design.name),
        format!("   weights: {weights}"),
        format!(
            "   activations: {{bits: {}, signed: {}}}",
            design.act.bits(),
            design.act.signed()
        ),
        format!("   max_dot_length: {}", design.max_dot_length),
        match design.overflow {
            crate::widths::Overflow::Exact => format!(
                "   accumulator_bits: {} (derived minimum {})",
                w.acc, derived.acc
            ),
            o => format!(
                "   accumulator: {{bits: {}, overflow: {}}} (exact width {})",
                w.acc,
                o.name(),
                derived.acc
            ),
        },
        format!(
            "   derived: product_bits {}, signed activation bits {}",
            w.product, w.act_ext
        ),
    ];
    // Only when chosen, so designs with the default keep their files byte for byte.
    if design.adder != crate::config::Adder::Xor {
        v.push(format!("   adder: {}", design.adder.name()));
    }
    if let Some(a) = &design.array {
        v.push(format!(
            "   array: {{rows: {}, cols: {}, dataflow: {}}}",
            a.rows,
            a.cols,
            a.dataflow.name()
        ));
    }
    v
}

/// Code-table header lines (omitted for wide uniform formats, which are plain two's complement).
pub(crate) fn table_lines(design: &Design) -> Vec<String> {
    let f = &design.weights;
    let mut v = vec![format!(" Weight codes ({}):", f.summary())];
    if matches!(f, crate::quant::WeightFormat::Uniform(_)) {
        v.push(format!(
            "   two's complement: value = signed(code), {}..={}; the encoder uses ±{}",
            f.value_range().0,
            f.value_range().1,
            f.max_level()
        ));
        return v;
    }
    let bits = f.bits() as usize;
    for e in f.table() {
        v.push(format!(
            "   {:0bits$b}: {:>6} = {}{}",
            e.code,
            e.value,
            e.text,
            if e.produced {
                ""
            } else {
                " (not produced by the encoder)"
            }
        ));
    }
    v
}
