//! The register-level golden model of the generated array top ([`ArrayModel`]) and the
//! top-level inputs it takes each cycle ([`ArrayStim`]).

use crate::config::{ArrayShape, Dataflow, Design};

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
