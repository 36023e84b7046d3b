//! Place and route runs: synthesize a design folder's wrapper for nextpnr ([`synth`]), place
//! and route it once per placer seed and keep the fastest ([`route`]), and pack an ECP5
//! bitstream. The devices, arguments and report parsers are in [`super::nextpnr`].

use super::nextpnr::{device_args, parse_fmax, parse_utilization, Arch, Device, Used, ECPPACK};
use super::yosys::SynthStats;
use super::{run, ToolError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The result of one place and route.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PnrResult {
    /// `ice40` or `ecp5`.
    pub arch: &'static str,
    /// The device (`hx8k`, `up5k`, `ecp5-85k`, ...).
    pub device: &'static str,
    /// Worst clock's achieved frequency after routing, MHz.
    pub fmax_mhz: f64,
    /// Used sites by type.
    pub utilization: BTreeMap<String, Used>,
    /// The bitstream, relative to the design folder, when one was asked for.
    pub bitstream: Option<PathBuf>,
    /// The placer seed of this result: the best of those tried.
    pub seed: u64,
    /// Every seed tried and its Fmax (MHz), in the order given.
    pub seeds: Vec<(u64, f64)>,
}

/// Synthesize the folder's place-and-route wrapper for `arch` (`synth/pnr*.ys`) and read its
/// Yosys figures (to choose or check a device).
pub fn synth(
    dir: &Path,
    arch: Arch,
    dsp: bool,
    timeout: Duration,
) -> Result<SynthStats, ToolError> {
    let yosys = super::yosys::YOSYS;
    let name = crate::progress::short_name(dir);
    let _step = crate::progress::step(
        &format!(
            "yosys: synthesizing {name} for place and route on {}",
            arch.name()
        ),
        None,
    );
    let log = format!("build/yosys_pnr{}.log", arch.suffix());
    let io = |source| ToolError::Io {
        bin: yosys.bin,
        source,
    };
    std::fs::create_dir_all(dir.join("build")).map_err(io)?;
    run(
        &yosys,
        &super::yosys::args(arch.script_for(dsp), &log),
        dir,
        timeout,
        &dir.join(&log),
    )?
    .check(&yosys)?;
    let json = std::fs::read_to_string(dir.join(arch.stat_json())).map_err(io)?;
    super::yosys::parse_stat(&json, arch.target()).map_err(|m| ToolError::Failed {
        bin: yosys.bin,
        status: 0,
        log: dir.join(&log),
        tail: format!("\n  {m}"),
    })
}

/// Place and route the netlist [`synth`] wrote on `device`, once per placer seed (at least
/// one), and keep the fastest result; with `bitstream` (ECP5), pack `build/<folder>.bit` from
/// it with yowasp-ecppack. One seed writes `build/nextpnr<_arch>.log`; several write one log
/// (and ECP5 configuration) per seed, `..._seed<k>`, and leave the best seed's report in
/// place.
pub fn route(
    dir: &Path,
    device: Device,
    bitstream: bool,
    seeds: &[u64],
    timeout: Duration,
) -> Result<PnrResult, ToolError> {
    let arch = device.arch();
    let tool = arch.tool();
    let name = crate::progress::short_name(dir);
    let pack = bitstream && arch == Arch::Ecp5;
    let several = seeds.len() > 1;
    let tag = |seed: u64| match several {
        true => format!("_seed{seed}"),
        false => String::new(),
    };
    let mut tried = Vec::new();
    // The best run so far: (Fmax, seed, report text, configuration file).
    let mut best: Option<(f64, u64, String, String)> = None;
    for &seed in seeds {
        let config = format!("build/pnr{}{}.config", arch.suffix(), tag(seed));
        let log = dir.join(format!("build/nextpnr{}{}.log", arch.suffix(), tag(seed)));
        {
            let what = match several {
                true => format!(" (seed {seed})"),
                false => String::new(),
            };
            let _step = crate::progress::step(
                &format!(
                    "nextpnr: placing and routing {name} on {}{what}",
                    device.name()
                ),
                None,
            );
            let args = device_args(device, pack.then_some(config.as_str()), seed);
            run(&tool, &args, dir, timeout, &log)?.check(&tool)?;
        }
        let text =
            std::fs::read_to_string(dir.join(arch.report())).map_err(|source| ToolError::Io {
                bin: tool.bin,
                source,
            })?;
        let fmax = parse_fmax(&text).map_err(|m| ToolError::Failed {
            bin: tool.bin,
            status: 0,
            log: log.clone(),
            tail: format!("\n  {m}"),
        })?;
        tried.push((seed, fmax));
        if best.as_ref().is_none_or(|b| fmax > b.0) {
            best = Some((fmax, seed, text, config));
        }
    }
    let Some((fmax_mhz, seed, text, config)) = best else {
        return Err(ToolError::Usage {
            bin: tool.bin,
            message: "no placer seed given".into(),
        });
    };
    let io = |source| ToolError::Io {
        bin: tool.bin,
        source,
    };
    if several {
        std::fs::write(dir.join(arch.report()), &text).map_err(io)?;
    }
    let utilization = parse_utilization(&text).map_err(|m| ToolError::Failed {
        bin: tool.bin,
        status: 0,
        log: dir.join(format!("build/nextpnr{}{}.log", arch.suffix(), tag(seed))),
        tail: format!("\n  {m}"),
    })?;
    let mut bit = None;
    if pack {
        let _step = crate::progress::step(&format!("ecppack: packing {name}"), None);
        let file = PathBuf::from(format!("build/{name}.bit"));
        let args = vec![config, file.display().to_string()];
        let log = dir.join("build/ecppack.log");
        run(&ECPPACK, &args, dir, timeout, &log)?.check(&ECPPACK)?;
        bit = Some(file);
    }
    Ok(PnrResult {
        arch: arch.name(),
        device: device.name(),
        fmax_mhz,
        utilization,
        bitstream: bit,
        seed,
        seeds: tried,
    })
}

/// Synthesize the wrapper (`synth/pnr.ys`), place and route on the iCE40 HX8K, return Fmax in
/// MHz.
pub fn fmax(dir: &Path, timeout: Duration) -> Result<f64, ToolError> {
    synth(dir, Arch::Ice40, false, timeout)?;
    Ok(route(dir, Device::Hx8k, false, &[1], timeout)?.fmax_mhz)
}
