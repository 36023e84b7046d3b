//! Systolic arrays: the analytic cycle formula, the operand schedule of a GEMM, and a
//! register-level golden model of the generated array top.
//!
//! Cycle convention (shared by the formula, the model, the testbench and `docs/arrays.md`):
//! cycle 0 is the first cycle whose inputs the array samples (at rising edge 0). An output
//! "appears in cycle n" when it is visible on `out_row_o` between rising edges n−1 and n, so a
//! consumer samples it at edge n. A GEMM takes `last output cycle + 1` cycles.
//!
//! Weight stationary (`ws`), GEMM `Y[M×N] = X[M×K] · W[K×N]` on R rows × C columns: the array
//! holds a K-tile × N-tile block of W (R × C), the rows of X stream through it, each column
//! adds its partial sum downwards. Tiles: ⌈K/R⌉·⌈N/C⌉, N-tile outer, K-tile inner; a K-tile
//! after the first feeds the previous tile's outputs back in as `psum_row_i`. Tile i loads
//! its weights in cycles i·P … i·P+R−1 and streams X rows in cycles i·P+1 … i·P+M;
//! latency L = R+C−1, period P = max(M, R) + C.
//!
//! Output stationary (`os`): each PE owns one element of a R × C block of Y; column k of X and
//! row k of W stream in for k = 0…K−1, then the block drains. Tiles: ⌈M/R⌉·⌈N/C⌉ (K is never
//! tiled), period P = K + R − 1; tile i's rows appear in cycles i·P + K + R + C − 1 + j,
//! j = 0…R−1.

use crate::config::{ArrayShape, Dataflow, Design};
use crate::rng::Rng;

/// The analytic cycle count of one GEMM.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CycleReport {
    /// Tiles the GEMM is split into.
    pub tiles: u64,
    /// Cycles between the starts of consecutive tiles.
    pub period: u64,
    /// Cycles from an input row to its output row (`ws`), or from the last operand step to
    /// the first output row (`os`).
    pub latency: u64,
    /// Total cycles: first input cycle to last output cycle, inclusive.
    pub total: u64,
    /// Useful MACs (M·K·N).
    pub macs: u64,
    /// `macs / (R·C·total)`.
    pub utilization: f64,
}

/// GEMM dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GemmShape {
    /// Rows of X and Y.
    pub m: u64,
    /// Inner dimension.
    pub k: u64,
    /// Columns of W and Y.
    pub n: u64,
}

/// The analytic cycle count of `shape` on `a` (all dimensions ≥ 1).
pub fn cycles(a: &ArrayShape, shape: GemmShape) -> CycleReport {
    let (r, c) = (u64::from(a.rows), u64::from(a.cols));
    let GemmShape { m, k, n } = shape;
    let (tiles, period, latency, total) = match a.dataflow {
        Dataflow::Ws => {
            let tiles = k.div_ceil(r) * n.div_ceil(c);
            let p = m.max(r) + c;
            (tiles, p, r + c - 1, (tiles - 1) * p + m + r + c)
        }
        Dataflow::Os => {
            let tiles = m.div_ceil(r) * n.div_ceil(c);
            let p = k + r - 1;
            (tiles, p, r + c, (tiles - 1) * p + k + 2 * r + c - 1)
        }
    };
    let macs = m * k * n;
    CycleReport {
        tiles,
        period,
        latency,
        total,
        macs,
        utilization: macs as f64 / (r * c * total) as f64,
    }
}

/// One GEMM: X (M×K activations) and W (K×N weight codes), row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gemm {
    /// Dimensions.
    pub shape: GemmShape,
    /// Activations, `x[m*K + k]`.
    pub x: Vec<i64>,
    /// Weight codes, `w[k*N + n]`.
    pub w: Vec<u32>,
}

impl Gemm {
    fn act(&self, m: u64, k: u64) -> i64 {
        if m < self.shape.m && k < self.shape.k {
            self.x[(m * self.shape.k + k) as usize]
        } else {
            0
        }
    }

    /// The code at (k, n), or code 0 in the padding (its products meet zero activations in
    /// `ws`; in `os` they only reach padding outputs).
    fn code(&self, k: u64, n: u64) -> u32 {
        if k < self.shape.k && n < self.shape.n {
            self.w[(k * self.shape.n + n) as usize]
        } else {
            0
        }
    }

    /// Reference result `Y = X · value(W)`, row-major M×N.
    pub fn reference(&self, d: &Design) -> Vec<i64> {
        let GemmShape { m, k, n } = self.shape;
        let mut y = vec![0; (m * n) as usize];
        for i in 0..m {
            for j in 0..n {
                y[(i * n + j) as usize] = (0..k)
                    .map(|t| self.act(i, t) * d.weights.decode(self.code(t, j)))
                    .sum();
            }
        }
        y
    }
}

/// The top-level inputs of one cycle. Unused fields of a dataflow stay zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayStim {
    /// `ws`: `w_valid_i` (a weight row is loaded this cycle).
    pub w_valid: bool,
    /// `in_valid_i`.
    pub valid: bool,
    /// `os`: `in_last_i` (last operand step of a tile).
    pub last: bool,
    /// Weight codes, one per column: `ws` `w_row_i`, `os` `in_w_i`.
    pub w: Vec<u32>,
    /// Activations, one per row: `ws` `in_row_i`, `os` `in_act_i`.
    pub act: Vec<i64>,
    /// `ws`: `psum_row_i`, one per column.
    pub psum: Vec<i64>,
}

impl ArrayStim {
    /// An idle cycle.
    pub fn idle(a: &ArrayShape) -> Self {
        ArrayStim {
            w_valid: false,
            valid: false,
            last: false,
            w: vec![0; a.cols as usize],
            act: vec![0; a.rows as usize],
            psum: vec![0; a.cols as usize],
        }
    }
}

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

/// A register-level model of the generated array top: every register of the skew lines,
/// PEs, output chain, de-skew lines and controller, updated once per rising edge. The MAC
/// arithmetic is the golden MAC's (`decode` and multiply).
#[derive(Debug, Clone)]
pub struct ArrayModel<'a> {
    d: &'a Design,
    a: ArrayShape,
    /// Input skew per row: `r` stages of (valid, first, act).
    act_skew: Vec<Vec<(bool, bool, i64)>>,
    /// `ws`: psum skew per column (`c` stages); `os`: weight skew per column (`c` stages).
    col_skew: Vec<Vec<i64>>,
    /// PE registers, row-major: forwarded valid, first, activation, weight code.
    pe_valid: Vec<bool>,
    pe_first: Vec<bool>,
    pe_act: Vec<i64>,
    pe_w: Vec<u32>,
    /// MAC accumulators.
    acc: Vec<i64>,
    /// `os`: output chain registers.
    out: Vec<i64>,
    /// De-skew per column: `C−1−c` stages.
    deskew: Vec<Vec<i64>>,
    /// `ws`: one-hot weight-row pointer; valid delay line (L stages).
    wrow: usize,
    valid_line: Vec<bool>,
    /// `os`: tile in progress; `last` delay line (R stages); capture skew (C−1 stages);
    /// drain counter.
    busy: bool,
    last_line: Vec<bool>,
    cap_line: Vec<bool>,
    drain: u64,
}

/// Shift `v` into a delay line; return the new line.
fn shift<T: Copy>(line: &[T], v: T) -> Vec<T> {
    let mut out = Vec::with_capacity(line.len());
    if !line.is_empty() {
        out.push(v);
        out.extend_from_slice(&line[..line.len() - 1]);
    }
    out
}

impl<'a> ArrayModel<'a> {
    /// The model in its reset state.
    pub fn new(d: &'a Design) -> Self {
        let a = d.array.expect("an array design");
        let (r, c) = (a.rows as usize, a.cols as usize);
        ArrayModel {
            d,
            a,
            act_skew: (0..r).map(|i| vec![(false, false, 0); i]).collect(),
            col_skew: (0..c).map(|j| vec![0; j]).collect(),
            pe_valid: vec![false; r * c],
            pe_first: vec![false; r * c],
            pe_act: vec![0; r * c],
            pe_w: vec![0; r * c],
            acc: vec![0; r * c],
            out: vec![0; r * c],
            deskew: (0..c).map(|j| vec![0; c - 1 - j]).collect(),
            wrow: 0,
            valid_line: vec![false; r + c - 1],
            busy: false,
            last_line: vec![false; r],
            cap_line: vec![false; c - 1],
            drain: 0,
        }
    }

    /// The output row visible now (before the next edge), when `out_valid_o` is high.
    pub fn output(&self) -> Option<Vec<i64>> {
        let (r, c) = (self.a.rows as usize, self.a.cols as usize);
        let valid = match self.a.dataflow {
            Dataflow::Ws => *self.valid_line.last().expect("L ≥ 1"),
            Dataflow::Os => self.drain != 0,
        };
        valid.then(|| {
            (0..c)
                .map(|j| match self.deskew[j].last() {
                    Some(&v) => v,
                    None => match self.a.dataflow {
                        Dataflow::Ws => self.acc[(r - 1) * c + j],
                        Dataflow::Os => self.out[j],
                    },
                })
                .collect()
        })
    }

    /// Apply one rising edge with the inputs `s`.
    pub fn step(&mut self, s: &ArrayStim) {
        let (r, c) = (self.a.rows as usize, self.a.cols as usize);
        let ix = |i: usize, j: usize| i * c + j;
        let os = self.a.dataflow == Dataflow::Os;
        let first_in = os && s.valid && !self.busy;
        // Skewed inputs (the values the PEs on the edges see before this edge).
        let row_in: Vec<(bool, bool, i64)> = (0..r)
            .map(|i| match self.act_skew[i].last() {
                Some(&v) => v,
                None => (s.valid, first_in, s.act[0]),
            })
            .collect();
        let col_in: Vec<i64> = (0..c)
            .map(|j| match self.col_skew[j].last() {
                Some(&v) => v,
                None if os => i64::from(s.w[0]),
                None => s.psum[0],
            })
            .collect();
        let mut acc = self.acc.clone();
        let mut out = self.out.clone();
        let mut pe_valid = self.pe_valid.clone();
        let mut pe_first = self.pe_first.clone();
        let mut pe_act = self.pe_act.clone();
        let mut pe_w = self.pe_w.clone();
        let cap = |j: usize| -> bool {
            if j == 0 {
                self.last_line[r - 1]
            } else {
                self.cap_line[j - 1]
            }
        };
        for i in 0..r {
            for j in 0..c {
                let (valid, first, act) = if j == 0 {
                    row_in[i]
                } else {
                    let p = ix(i, j - 1);
                    (self.pe_valid[p], self.pe_first[p], self.pe_act[p])
                };
                pe_valid[ix(i, j)] = valid;
                pe_first[ix(i, j)] = first;
                pe_act[ix(i, j)] = act;
                if os {
                    let code = if i == 0 {
                        col_in[j] as u32
                    } else {
                        self.pe_w[ix(i - 1, j)]
                    };
                    pe_w[ix(i, j)] = code;
                    if valid {
                        let base = if first { 0 } else { self.acc[ix(i, j)] };
                        acc[ix(i, j)] = base + act * self.d.weights.decode(code);
                    }
                    out[ix(i, j)] = if cap(j) {
                        self.acc[ix(i, j)]
                    } else if i + 1 < r {
                        self.out[ix(i + 1, j)]
                    } else {
                        0
                    };
                } else {
                    let psum = if i == 0 {
                        col_in[j]
                    } else {
                        self.acc[ix(i - 1, j)]
                    };
                    if valid {
                        acc[ix(i, j)] = psum + act * self.d.weights.decode(self.pe_w[ix(i, j)]);
                    }
                    if s.w_valid && self.wrow == i {
                        pe_w[ix(i, j)] = s.w[j];
                    }
                }
                let bits = self.d.widths.acc;
                let lim = 1i128 << (bits - 1);
                assert!(
                    (-lim..lim).contains(&(acc[ix(i, j)] as i128)),
                    "PE ({i}, {j}): accumulator {} overflows {bits} bits",
                    acc[ix(i, j)]
                );
            }
        }
        // Skew lines: row i's line takes the row's input, column j's takes its operand.
        for i in 0..r {
            self.act_skew[i] = shift(&self.act_skew[i], (s.valid, first_in, s.act[i]));
        }
        for j in 0..c {
            let v = if os { i64::from(s.w[j]) } else { s.psum[j] };
            self.col_skew[j] = shift(&self.col_skew[j], v);
        }
        for j in 0..c {
            let v = if os {
                self.out[j]
            } else {
                self.acc[ix(r - 1, j)]
            };
            self.deskew[j] = shift(&self.deskew[j], v);
        }
        if os {
            let cap_last = cap(c - 1);
            self.drain = if cap_last {
                r as u64
            } else {
                self.drain.saturating_sub(1)
            };
            self.cap_line = shift(&self.cap_line, self.last_line[r - 1]);
            self.last_line = shift(&self.last_line, s.valid && s.last);
            if s.valid {
                self.busy = !s.last;
            }
        } else {
            self.valid_line = shift(&self.valid_line, s.valid);
            if s.w_valid {
                self.wrow = (self.wrow + 1) % r;
            }
        }
        self.acc = acc;
        self.out = out;
        self.pe_valid = pe_valid;
        self.pe_first = pe_first;
        self.pe_act = pe_act;
        self.pe_w = pe_w;
    }
}

/// Random GEMMs in a run per requested random MAC vector budget: one GEMM per this many.
pub const VECTORS_PER_GEMM: usize = 250;

/// The GEMMs a generated testbench runs: directed ones (1×1×1, exactly one tile, an all-zero
/// GEMM with every dimension past the array, both extreme products over the longest dot
/// product the accumulator allows) then `n_random` seeded random shapes (not multiples of
/// the array, K up to several times the rows) and operands (one in eight an edge value).
pub fn test_gemms(d: &Design, n_random: usize, seed: u64) -> Vec<Gemm> {
    let a = d.array.expect("an array design");
    let (r, c) = (u64::from(a.rows), u64::from(a.cols));
    let kmax = d.max_dot_length;
    let mut rng = Rng::new(seed);
    let fill = |shape: GemmShape, act: i64, code: u32| Gemm {
        shape,
        x: vec![act; (shape.m * shape.k) as usize],
        w: vec![code; (shape.k * shape.n) as usize],
    };
    let mut gemms = Vec::new();
    let random = |shape: GemmShape, rng: &mut Rng| {
        let edges = super::vectors::edge_acts(d);
        let x = (0..shape.m * shape.k)
            .map(|_| {
                if rng.chance(1, 8) {
                    edges[rng.below(edges.len() as u64) as usize]
                } else {
                    rng.range_i64(d.act.min(), d.act.max())
                }
            })
            .collect();
        let w = (0..shape.k * shape.n)
            .map(|_| rng.below(u64::from(d.weights.num_codes())) as u32)
            .collect();
        Gemm { shape, x, w }
    };
    gemms.push(random(GemmShape { m: 1, k: 1, n: 1 }, &mut rng));
    gemms.push(random(
        GemmShape {
            m: r,
            k: r.min(kmax),
            n: c,
        },
        &mut rng,
    ));
    let zero_shape = GemmShape {
        m: r + 1,
        k: (r + 1).min(kmax),
        n: c + 1,
    };
    gemms.push(fill(zero_shape, 0, (d.weights.num_codes() - 1).min(3)));
    // Extreme products: every term the largest (then the smallest) product, K = the longest
    // dot product, so the outputs reach the accumulator's bounds.
    let (hi, lo) = extreme(d);
    let ext = GemmShape {
        m: 2,
        k: kmax.min(4 * r + 3),
        n: c.min(2) + 1,
    };
    let ext_full = GemmShape { k: kmax, ..ext };
    let ext = if kmax <= 1024 { ext_full } else { ext };
    gemms.push(fill(ext, hi.0, hi.1));
    gemms.push(fill(ext, lo.0, lo.1));
    for _ in 0..n_random {
        let shape = GemmShape {
            m: 1 + rng.below(2 * r + 3),
            k: 1 + rng.below((4 * r + 5).min(kmax)),
            n: 1 + rng.below(2 * c + 2),
        };
        gemms.push(random(shape, &mut rng));
    }
    gemms
}

/// (act, code) of the largest and of the smallest product.
fn extreme(d: &Design) -> ((i64, u32), (i64, u32)) {
    let mut hi = (0, 0, i64::MIN);
    let mut lo = (0, 0, i64::MAX);
    for code in 0..d.weights.num_codes() {
        for act in [d.act.min(), d.act.max()] {
            let p = act * d.weights.decode(code);
            if p > hi.2 {
                hi = (act, code, p);
            }
            if p < lo.2 {
                lo = (act, code, p);
            }
        }
    }
    ((hi.0, hi.1), (lo.0, lo.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn design(fmt: &str, r: u32, c: u32, df: &str, maxk: u64) -> Design {
        Design::from_yaml(
            &format!(
                "name: t\nweights: {fmt}\nactivations: {{bits: 8, signed: false}}\n\
                 max_dot_length: {maxk}\narray: {{rows: {r}, cols: {c}, dataflow: {df}}}\n"
            ),
            "t",
        )
        .unwrap()
    }

    /// Hand-counted cycles of small cases.
    #[test]
    fn formula_hand_values() {
        let ws = ArrayShape {
            rows: 1,
            cols: 1,
            dataflow: Dataflow::Ws,
        };
        // Load in cycle 0, input in cycle 1, output in cycle 2.
        let one = GemmShape { m: 1, k: 1, n: 1 };
        assert_eq!(cycles(&ws, one).total, 3);
        let os = ArrayShape {
            dataflow: Dataflow::Os,
            ..ws
        };
        // MAC at edge 0, capture at edge 1, output in cycle 2.
        assert_eq!(cycles(&os, one).total, 3);
        let a = ArrayShape {
            rows: 4,
            cols: 3,
            dataflow: Dataflow::Ws,
        };
        // 2 K-tiles × 2 N-tiles, P = max(5, 4) + 3 = 8, total = 3·8 + 5 + 4 + 3 = 36.
        let r = cycles(&a, GemmShape { m: 5, k: 7, n: 4 });
        assert_eq!((r.tiles, r.period, r.total), (4, 8, 36));
        let a = ArrayShape {
            dataflow: Dataflow::Os,
            ..a
        };
        // 2 M-tiles × 2 N-tiles, P = 7 + 3 = 10, total = 3·10 + 7 + 8 + 3 − 1 = 47.
        let r = cycles(&a, GemmShape { m: 5, k: 7, n: 4 });
        assert_eq!((r.tiles, r.period, r.total), (4, 10, 47));
        assert!((r.utilization - 140.0 / (12.0 * 47.0)).abs() < 1e-12);
    }

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
                let d = design(fmt, r, c, df, 64);
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

    #[test]
    fn extreme_gemms_reach_the_accumulator_bounds() {
        let d = design("{format: pot, bits: 4}", 2, 2, "os", 16);
        let run = run(&d, &test_gemms(&d, 0, 1));
        let max = run.outputs.iter().flat_map(|o| o.row.iter()).max().copied();
        // 255 × 64 × 16 terms.
        assert_eq!(max, Some(255 * 64 * 16));
    }
}
