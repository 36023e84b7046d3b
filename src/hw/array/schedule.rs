//! The operand schedule of a GEMM (the array top's input protocol, cycle by cycle; see the
//! parent module's docs) and whole verification runs: GEMMs scheduled back to back and played
//! through [`ArrayModel`], with every output row and the cycle it appears in.

use super::{cycles, ArrayModel, ArrayStim, Gemm, GemmShape};
use crate::config::{ArrayShape, Dataflow, Design};

/// One output row and the cycle it appears in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayOutput {
    /// Cycle (see the module docs).
    pub cycle: u64,
    /// `out_row_o`, one accumulator per column.
    pub row: Vec<i64>,
}

/// Where one GEMM sits in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GemmMark {
    /// Dimensions.
    pub shape: GemmShape,
    /// Cycle of its first input.
    pub start: u64,
    /// Index (in the run's outputs) of its last output row.
    pub last_output: usize,
}

/// A whole verification run: per-cycle stimulus, every output row with its cycle, and where
/// each GEMM starts and ends.
#[derive(Debug, Clone)]
pub struct ArrayRun {
    /// Inputs, one per cycle from cycle 0.
    pub stim: Vec<ArrayStim>,
    /// Expected output rows, in order.
    pub outputs: Vec<ArrayOutput>,
    /// The GEMMs.
    pub gemms: Vec<GemmMark>,
}

/// Schedule one GEMM from cycle `stim.len()` on, following the documented protocol.
fn schedule(d: &Design, a: &ArrayShape, g: &Gemm, stim: &mut Vec<ArrayStim>) {
    let (r, c) = (u64::from(a.rows), u64::from(a.cols));
    let GemmShape { m, k, n } = g.shape;
    let rep = cycles(a, g.shape);
    let start = stim.len() as u64;
    let end = start + rep.total;
    stim.resize((end) as usize, ArrayStim::idle(a));
    let at = |t: u64| t as usize;
    match a.dataflow {
        Dataflow::Ws => {
            let mut tile = 0;
            for nt in 0..n.div_ceil(c) {
                for kt in 0..k.div_ceil(r) {
                    let base = start + tile * rep.period;
                    for row in 0..r {
                        let s = &mut stim[at(base + row)];
                        s.w_valid = true;
                        s.w = (0..c).map(|j| g.code(kt * r + row, nt * c + j)).collect();
                    }
                    for i in 0..m {
                        let s = &mut stim[at(base + 1 + i)];
                        s.valid = true;
                        s.act = (0..r).map(|t| g.act(i, kt * r + t)).collect();
                        // Partial sum of the K-tiles before this one.
                        s.psum = (0..c)
                            .map(|j| {
                                (0..kt * r)
                                    .map(|t| g.act(i, t) * d.weights.decode(g.code(t, nt * c + j)))
                                    .sum()
                            })
                            .collect();
                    }
                    tile += 1;
                }
            }
        }
        Dataflow::Os => {
            let mut tile = 0;
            for mt in 0..m.div_ceil(r) {
                for nt in 0..n.div_ceil(c) {
                    let base = start + tile * rep.period;
                    for t in 0..k {
                        let s = &mut stim[at(base + t)];
                        s.valid = true;
                        s.last = t + 1 == k;
                        s.act = (0..r).map(|i| g.act(mt * r + i, t)).collect();
                        s.w = (0..c).map(|j| g.code(t, nt * c + j)).collect();
                    }
                    tile += 1;
                }
            }
        }
    }
}

/// Schedule `gemms` back to back (each starts in the cycle after the previous one's last
/// output) and run them through the register-level model.
pub fn run(d: &Design, gemms: &[Gemm]) -> ArrayRun {
    let a = d.array.expect("an array design");
    let mut stim = Vec::new();
    let mut starts = Vec::new();
    for g in gemms {
        starts.push(stim.len() as u64);
        schedule(d, &a, g, &mut stim);
    }
    let mut model = ArrayModel::new(d);
    let mut outputs = Vec::new();
    // A few idle cycles after the end show that nothing else comes out.
    for (cycle, s) in stim
        .iter()
        .chain(std::iter::repeat_n(&ArrayStim::idle(&a), 4))
        .enumerate()
    {
        if let Some(row) = model.output() {
            outputs.push(ArrayOutput {
                cycle: cycle as u64,
                row,
            });
        }
        model.step(s);
    }
    let mut marks = Vec::new();
    let mut seen = 0usize;
    for (g, &start) in gemms.iter().zip(&starts) {
        let end = start + cycles(&a, g.shape).total;
        seen += outputs[seen..].iter().take_while(|o| o.cycle < end).count();
        marks.push(GemmMark {
            shape: g.shape,
            start,
            last_output: seen.wrapping_sub(1),
        });
    }
    ArrayRun {
        stim,
        outputs,
        gemms: marks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hw::array::{test_design, test_gemms};

    /// The model computes the GEMM (final K-tile outputs for ws, every tile for os), and its
    /// last output of every GEMM arrives exactly in the cycle the formula predicts.
    #[test]
    fn model_matches_reference_and_formula() {
        for (fmt, r, c) in [
            ("{format: pot, bits: 4}", 3, 2),
            ("{format: apot, bits: 4}", 1, 4),
            ("{format: uniform, bits: 8}", 4, 1),
            ("{format: pot, bits: 3, zero: none}", 1, 1),
            ("{format: uniform, bits: 4}", 3, 3),
        ] {
            for df in ["ws", "os"] {
                let d = test_design(fmt, r, c, df, 64);
                let a = d.array.unwrap();
                let gemms = test_gemms(&d, 12, 7);
                let run = run(&d, &gemms);
                let (r, c) = (u64::from(r), u64::from(c));
                let mut first = 0usize;
                for (g, mark) in gemms.iter().zip(&run.gemms) {
                    let rep = cycles(&a, g.shape);
                    let outs = &run.outputs[first..=mark.last_output];
                    assert_eq!(
                        outs.last().unwrap().cycle + 1 - mark.start,
                        rep.total,
                        "{fmt} {df} {:?}",
                        g.shape
                    );
                    let GemmShape { m, k, n } = g.shape;
                    let y = g.reference(&d);
                    let check = |row: &[i64], i: u64, nt: u64| {
                        for j in 0..c.min(n - nt * c) {
                            let col = nt * c + j;
                            assert_eq!(row[j as usize], y[(i * n + col) as usize]);
                        }
                    };
                    match a.dataflow {
                        Dataflow::Ws => {
                            let kt = k.div_ceil(r);
                            assert_eq!(outs.len() as u64, kt * n.div_ceil(c) * m);
                            for nt in 0..n.div_ceil(c) {
                                for i in 0..m {
                                    let o = &outs[((nt * kt + kt - 1) * m + i) as usize];
                                    check(&o.row, i, nt);
                                }
                            }
                        }
                        Dataflow::Os => {
                            let ntiles = n.div_ceil(c);
                            assert_eq!(outs.len() as u64, m.div_ceil(r) * ntiles * r);
                            for (t, tile) in outs.chunks(r as usize).enumerate() {
                                let (mt, nt) = (t as u64 / ntiles, t as u64 % ntiles);
                                for (j, o) in tile.iter().enumerate() {
                                    if mt * r + (j as u64) < m {
                                        check(&o.row, mt * r + j as u64, nt);
                                    }
                                }
                            }
                        }
                    }
                    first = mark.last_output + 1;
                }
                assert_eq!(first, run.outputs.len(), "no stray outputs");
            }
        }
    }
}
