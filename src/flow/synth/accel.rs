//! Synthesis of an accelerator design, in two views.
//!
//! **The whole top** (the row's `stats`, done by [`super::run`]): every RTL file of the folder
//! with the accelerator top as Yosys's top (the bundle's `top` and file list, scripts
//! `synth/<target>.ys`), so the figures hold everything the top holds: the array, the post-op
//! units, the sequencer, the argmax, and the top's own partial-sum buffer, tag delay line and
//! stage registers. The memories are inferred as the target builds them: block RAM
//! (SB_RAM40_4K, DP16KD, RAMB36E1/RAMB18E1), LUT RAM where the target has it
//! (TRELLIS_DPR16X4, RAM32M/RAM64M/...) or flip-flops (the partial-sum buffer's asynchronous
//! read on iCE40); on the generic target the synchronous-read RAMs stay memory cells,
//! reported by count and bits and left out of cells, transistors and GE (a chip builds them
//! from SRAM macros), while register files become flip-flops. DSPs are off unless `--dsp`.
//! Memories that nothing writes are removed by synthesis with everything they feed: the
//! figures are of the RTL as it is.
//!
//! **The parts** ([`AccelArea`], this module): the array, one post-op unit, the sequencer and
//! the argmax synthesized alone (the folder's synthesis variants, DSPs off), and the
//! memories by their configured size. [`AccelArea::logic`] adds them up (array + C post-op
//! units + sequencer + argmax): a breakdown, not a total, since it has none of the top's own
//! registers and buffers.

use crate::config::Design;
use crate::flow::{Context, Result};
use crate::hw::accel::{memories, AccelWidths};
use crate::tools::liberty::GeArea;
use crate::tools::yosys::{self, SynthStats, Target};
use std::path::Path;
use std::time::Duration;

/// Area of an accelerator design by part (each synthesized alone, DSPs off).
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccelArea {
    pub array: SynthStats,
    /// One post-op unit, and how many the accelerator has (one per column).
    pub postop: SynthStats,
    pub postops: u32,
    pub sequencer: SynthStats,
    pub argmax: SynthStats,
    /// (memory, words, bits per word).
    pub memories: Vec<(&'static str, u64, u32)>,
}

/// The sum of `parts`, each counted `n` times.
pub fn add(parts: &[(&SynthStats, u64)]) -> SynthStats {
    let opt = |f: &dyn Fn(&SynthStats) -> Option<u64>| {
        parts
            .iter()
            .map(|(s, n)| f(s).map(|v| v * n))
            .sum::<Option<u64>>()
    };
    SynthStats {
        cells: parts.iter().map(|(s, n)| s.cells * n).sum(),
        transistors: opt(&|s| s.transistors),
        ffs: parts.iter().map(|(s, n)| s.ffs * n).sum(),
        luts: opt(&|s| s.luts),
        carries: opt(&|s| s.carries),
        dsps: parts.iter().map(|(s, n)| s.dsps * n).sum(),
        brams: opt(&|s| s.brams),
        lutram: opt(&|s| s.lutram),
        lutram_luts: opt(&|s| s.lutram_luts),
        spram: opt(&|s| s.spram),
        bram36: None,
        memories: None,
        memory_bits: None,
        by_type: Default::default(),
        ge: parts
            .iter()
            .map(|(s, n)| {
                s.ge.map(|g| GeArea {
                    comb: g.comb * *n as f64,
                    seq: g.seq * *n as f64,
                    total: g.total * *n as f64,
                })
            })
            .try_fold(
                GeArea {
                    comb: 0.0,
                    seq: 0.0,
                    total: 0.0,
                },
                |acc, g| {
                    g.map(|g| GeArea {
                        comb: acc.comb + g.comb,
                        seq: acc.seq + g.seq,
                        total: acc.total + g.total,
                    })
                },
            ),
    }
}

impl AccelArea {
    /// The logic: array + every post-op unit + sequencer + argmax.
    pub fn logic(&self) -> SynthStats {
        add(&[
            (&self.array, 1),
            (&self.postop, u64::from(self.postops)),
            (&self.sequencer, 1),
            (&self.argmax, 1),
        ])
    }

    /// Memory bits in all.
    pub fn memory_bits(&self) -> u64 {
        self.memories.iter().map(|m| m.1 * u64::from(m.2)).sum()
    }
}

/// Synthesize the parts of the accelerator in `dir` (the whole top is the folder's own
/// script, run by [`super::run`]).
pub fn synth(dir: &Path, d: &Design, target: Target, timeout: Duration) -> Result<AccelArea> {
    let part = |variant: &str| {
        yosys::synth_variant(dir, target, variant, timeout)
            .context(|| format!("synthesizing the {variant} of `{}`", d.name))
    };
    Ok(AccelArea {
        array: part("array")?,
        postop: part("postop")?,
        postops: AccelWidths::new(d).side,
        sequencer: part("seq")?,
        argmax: part("argmax")?,
        memories: memories(d),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_add_up() {
        let s = |cells, tr, ffs, ge: Option<f64>| SynthStats {
            cells,
            transistors: Some(tr),
            ffs,
            ge: ge.map(|t| GeArea {
                comb: t - 1.0,
                seq: 1.0,
                total: t,
            }),
            ..SynthStats::default()
        };
        let a = AccelArea {
            array: s(100, 400, 10, Some(50.0)),
            postop: s(10, 40, 2, Some(5.0)),
            postops: 8,
            sequencer: s(5, 20, 3, Some(4.0)),
            argmax: s(7, 28, 4, Some(6.0)),
            memories: vec![("weights", 16, 32), ("program", 3, 10)],
        };
        let l = a.logic();
        assert_eq!((l.cells, l.transistors, l.ffs), (192, Some(768), 33));
        assert_eq!(l.ge.map(|g| g.total), Some(100.0));
        assert_eq!(a.memory_bits(), 16 * 32 + 30);
        let b = AccelArea {
            argmax: s(7, 28, 4, None),
            ..a
        };
        assert_eq!(b.logic().ge, None);
    }
}
