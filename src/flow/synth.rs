//! `synth`: generate each design folder and synthesize it with Yosys (DSPs off); arrays also
//! synthesize one PE alone (for the plumbing overhead), accelerators each of their parts
//! ([`accel`]); `pnr` adds iCE40 Fmax from nextpnr, `baseline` the hand-written uniform MAC.

pub mod accel;

use super::{generate_all, lock_folders, usage, Context, Result, RunOpts};
use crate::config::Design;
use crate::emit;
use crate::tools::yosys::{self, SynthStats, Target};
use crate::tools::{self, nextpnr};
use accel::AccelArea;

/// What to synthesize and measure.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    pub target: Target,
    /// Place and route on iCE40 HX8K and report Fmax.
    pub pnr: bool,
    /// Add the hand-written behavioural MAC of each uniform design as a baseline row.
    pub baseline: bool,
    /// Arrays: keep the hierarchy, so that each distinct module (the PE, …) is synthesized
    /// once and the totals are weighted by its instances (`synth/hier_*.ys`); MACs and
    /// accelerators are synthesized flat either way.
    pub hierarchical: bool,
    /// Output folder and timeout (synthesis always regenerates its folders).
    pub run: RunOpts,
}

/// Check what can be checked before any folder is written: the tools, and that `--pnr` is
/// not asked of an accelerator.
pub fn check(designs: &[Design], o: &SynthOptions) -> Result<()> {
    tools::find(&yosys::YOSYS)?;
    if o.pnr {
        tools::find(&nextpnr::NEXTPNR)?;
        if let Some(d) = designs.iter().find(|d| d.accel.is_some()) {
            return usage(format!(
                "--pnr: `{}` is an accelerator design; place and route its array alone (the \
                 same config without `accelerator`)",
                d.name
            ));
        }
    }
    Ok(())
}

/// Generate and synthesize every design; one row per design (and per baseline).
pub fn run(designs: &[Design], o: &SynthOptions) -> Result<Vec<SynthRow>> {
    check(designs, o)?;
    let target = o.target;
    let timeout = o.run.timeout;
    let gen = emit::Options {
        vectors: 0,
        ..emit::Options::default()
    };
    let mut rows = Vec::new();
    let _locks = lock_folders(designs.iter().map(|d| d.name.as_str()), &o.run.out, timeout)?;
    let folders = generate_all(designs, &gen, &o.run.out)?;
    let all = crate::progress::step("synthesizing", Some(folders.len() as u64));
    for ((b, dir), d) in folders.into_iter().zip(designs) {
        if d.accel.is_some() {
            let area = accel::synth(&dir, d, target, timeout)?;
            let mut r = row(d, target, area.logic(), None);
            r.accel = Some(area);
            rows.push(r);
            all.inc(1);
            continue;
        }
        let variant = if o.hierarchical && d.array.is_some() {
            yosys::HIER_VARIANT
        } else {
            ""
        };
        let stats = yosys::synth_variant(&dir, target, variant, timeout)
            .context(|| format!("synthesizing `{}` for {}", b.name, target.name()))?;
        let fmax_mhz = if o.pnr {
            Some(
                nextpnr::fmax(&dir, timeout)
                    .context(|| format!("place and route of `{}`", b.name))?,
            )
        } else {
            None
        };
        let mut r = row(d, target, stats, fmax_mhz);
        if d.array.is_some() {
            let pe = yosys::synth_variant(&dir, target, emit::PE_VARIANT, timeout)
                .context(|| format!("synthesizing one PE of `{}`", b.name))?;
            r.array = ArrayArea::new(d, &r.stats, pe);
        }
        rows.push(r);
        if o.baseline
            && matches!(d.weights, crate::quant::WeightFormat::Uniform(_))
            && d.overflow != crate::widths::Overflow::Saturate
        {
            let stats = yosys::synth_variant(&dir, target, emit::PLAIN, timeout)
                .context(|| format!("synthesizing the hand-written baseline of `{}`", b.name))?;
            let mut r = row(d, target, stats, None);
            r.name = format!("{} (hand-written)", d.name);
            rows.push(r);
        }
        all.inc(1);
    }
    Ok(rows)
}

/// One design's results.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SynthRow {
    /// Design name.
    pub name: String,
    /// Weight format summary.
    pub weights: String,
    /// Activation bits.
    pub act_bits: u32,
    /// Accumulator bits.
    pub acc_bits: u32,
    /// Target.
    pub target: &'static str,
    /// Yosys figures.
    pub stats: SynthStats,
    /// iCE40 Fmax in MHz, with `--pnr`.
    pub fmax_mhz: Option<f64>,
    /// Array designs: one PE synthesized alone and the plumbing overhead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub array: Option<ArrayArea>,
    /// Accelerator designs: the array, the post-op units, the control and the memories.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accel: Option<AccelArea>,
}

/// Area of an array design against its PEs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ArrayArea {
    /// Rows.
    pub rows: u32,
    /// Columns.
    pub cols: u32,
    /// `ws` or `os`.
    pub dataflow: &'static str,
    /// One PE (MAC unit plus its forwarding registers) synthesized alone.
    pub pe: SynthStats,
    /// Array cells / (rows · cols · PE cells): the cost of skew, de-skew, control and
    /// wiring on top of the PEs (1.0 = none).
    pub overhead_cells: f64,
    /// The same ratio on the main area figure: transistors (generic) or LUTs (FPGA).
    pub overhead_area: Option<f64>,
    /// The same ratio on flip-flops: skew, de-skew and control registers show up here.
    pub overhead_ffs: f64,
}

impl ArrayArea {
    pub fn new(d: &Design, array: &SynthStats, pe: SynthStats) -> Option<ArrayArea> {
        let a = d.array?;
        let n = f64::from(a.rows * a.cols);
        let main = |s: &SynthStats| s.transistors.or(s.luts);
        let overhead_area = match (main(array), main(&pe)) {
            (Some(x), Some(y)) if y > 0 => Some(x as f64 / (n * y as f64)),
            _ => None,
        };
        Some(ArrayArea {
            rows: a.rows,
            cols: a.cols,
            dataflow: a.dataflow.name(),
            overhead_cells: array.cells as f64 / (n * pe.cells.max(1) as f64),
            overhead_area,
            overhead_ffs: array.ffs as f64 / (n * pe.ffs.max(1) as f64),
            pe,
        })
    }
}

/// A row of `d`'s figures.
pub fn row(d: &Design, target: Target, stats: SynthStats, fmax_mhz: Option<f64>) -> SynthRow {
    SynthRow {
        name: d.name.clone(),
        weights: d.weights.summary(),
        act_bits: d.act.bits(),
        acc_bits: d.widths.acc,
        target: target.name(),
        stats,
        fmax_mhz,
        array: None,
        accel: None,
    }
}
