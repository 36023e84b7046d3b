//! Systolic arrays: the analytic cycle formula ([`cycles`]), here, and re-exported from the
//! submodules: one GEMM and its reference result ([`Gemm`], `gemm.rs`), the register-level
//! golden model of the generated array top and its per-cycle inputs ([`ArrayModel`],
//! [`ArrayStim`], `model.rs`), the operand schedule of GEMMs run back to back through that
//! model ([`run`], [`ArrayRun`], `schedule.rs`), and the GEMMs a generated testbench runs
//! ([`test_gemms`], `test_gemms.rs`).
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

mod gemm;
mod model;
mod schedule;
mod test_gemms;

pub use gemm::Gemm;
pub use model::{ArrayModel, ArrayStim};
pub use schedule::{run, ArrayOutput, ArrayRun, GemmMark};
pub use test_gemms::{test_gemms, VECTORS_PER_GEMM};

use crate::config::{ArrayShape, Dataflow};

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

/// Largest GEMM dimension potmac accepts (`cycles --gemm`, a sweep's `gemm`).
pub const MAX_GEMM_DIM: u64 = 1 << 20;

impl GemmShape {
    /// A GEMM with each of M, K and N in `1..=MAX_GEMM_DIM`.
    pub fn new(m: u64, k: u64, n: u64) -> Result<GemmShape, String> {
        if (1..=MAX_GEMM_DIM).contains(&m.min(k).min(n)) && m.max(k).max(n) <= MAX_GEMM_DIM {
            Ok(GemmShape { m, k, n })
        } else {
            Err(format!(
                "M, K and N must each be in 1..={MAX_GEMM_DIM}, got {m},{k},{n}"
            ))
        }
    }
}

impl std::str::FromStr for GemmShape {
    type Err = String;
    /// `M,K,N`, e.g. `64,256,64`.
    fn from_str(s: &str) -> Result<GemmShape, String> {
        let v: Vec<u64> = s
            .split(',')
            .map(|t| t.trim().parse::<u64>())
            .collect::<Result<_, _>>()
            .map_err(|e| format!("expected M,K,N (positive integers), got `{s}`: {e}"))?;
        match v[..] {
            [m, k, n] => GemmShape::new(m, k, n).map_err(|e| format!("`{s}`: {e}")),
            _ => Err(format!("expected M,K,N, got `{s}`")),
        }
    }
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

/// An array design with 8-bit unsigned activations, for the submodules' tests.
#[cfg(test)]
fn test_design(fmt: &str, r: u32, c: u32, df: &str, maxk: u64) -> crate::config::Design {
    crate::config::Design::from_yaml(
        &format!(
            "name: t\nweights: {fmt}\nactivations: {{bits: 8, signed: false}}\n\
             max_dot_length: {maxk}\narray: {{rows: {r}, cols: {c}, dataflow: {df}}}\n"
        ),
        "t",
    )
    .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

#[cfg(test)]
mod gemm_shape_tests {
    use super::*;

    #[test]
    fn gemm_shapes_parse_within_bounds() {
        assert_eq!(
            "3, 100,17".parse::<GemmShape>(),
            Ok(GemmShape {
                m: 3,
                k: 100,
                n: 17
            })
        );
        for bad in ["3,4", "0,1,1", "1,2,3,4", "a,b,c", "1,1,2000000", ""] {
            assert!(bad.parse::<GemmShape>().is_err(), "{bad}");
        }
        assert!(GemmShape::new(9_223_372_036_854_775_807, 1, 1).is_err());
        assert!(GemmShape::new(1 << 20, 1, 1).is_ok());
    }
}
