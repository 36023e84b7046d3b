//! How busy the array is, layer by layer ([`layer_usage`]): each layer's multiply-accumulates
//! per image counted as SCALE-Sim counts a GEMM (M = output pixels before the pool, K = the
//! dot product's length, k²·C_in for a convolution, N = outputs), against the cycles the cycle
//! model gives the layer in a pass (`hw::accel::layer_cycles`, which `infer` checks against
//! the RTL on every pass) times the array's R·C PEs.

use super::plan::LayerPlan;
use crate::config::Dataflow;
use crate::hw::accel::{layer_cycles, Descriptor};
use serde::Serialize;

/// One layer's share of a pass.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerUsage {
    pub layer: usize,
    /// `dense K→N` or `conv k×k/s, pad p, C_in→C_out [+ pool]`.
    pub kind: String,
    /// Multiply-accumulates per image (M·K·N).
    pub macs_per_image: u64,
    /// Cycles of the layer in a pass of `batch` images (FETCH and DRAIN included).
    pub cycles_per_pass: u64,
    /// MACs of the pass over the PE-cycles of the layer: macs·batch / (cycles·R·C).
    pub utilization: f64,
}

/// Every layer's usage of an R×R array of dataflow `df` in a pass of `batch` images.
pub fn layer_usage(
    plans: &[LayerPlan],
    program: &[Descriptor],
    side: u32,
    df: Dataflow,
    batch: u32,
) -> Vec<LayerUsage> {
    plans
        .iter()
        .zip(program)
        .enumerate()
        .map(|(l, (p, d))| {
            let pixels = (p.rows_per_image()) as u64;
            let macs = pixels * p.k as u64 * p.n as u64;
            let cycles = layer_cycles(side, df, d, batch);
            let pe_cycles = cycles as f64 * f64::from(side * side);
            let kind = match p.conv {
                Some(c) => format!(
                    "conv {k}x{k}/{s}, pad {pad}, {}->{}{}",
                    c.in_c,
                    c.out_c,
                    if p.pool { " + pool" } else { "" },
                    k = c.k,
                    s = c.stride,
                    pad = c.pad
                ),
                None => format!("dense {}->{}", p.k, p.n),
            };
            LayerUsage {
                layer: l,
                kind,
                macs_per_image: macs,
                cycles_per_pass: cycles,
                utilization: (macs * u64::from(batch)) as f64 / pe_cycles,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hw::accel::Geometry;

    /// By hand: a dense 784→128 layer on 8×8 ws at batch 64 streams 98 K-tiles × 16 N-tiles
    /// of max(64 + 1, 16) = 65 cycles, plus FETCH 2 and DRAIN 31: 101,953 cycles for
    /// 64·784·128 = 6,422,528 MACs: utilization 6,422,528 / (101,953·64) = 0.9843.
    #[test]
    fn dense_usage_by_hand() {
        let p = LayerPlan {
            input: (784, 1, 1),
            output: (128, 1, 1),
            conv: None,
            pool: false,
            k: 784,
            n: 128,
        };
        let d = Descriptor {
            last: false,
            k_tiles: 98,
            n_tiles: 16,
            n: 128,
            w_base: 0,
            b_base: 0,
            geo: Geometry::dense(64),
        };
        let u = &layer_usage(&[p], &[d], 8, Dataflow::Ws, 64)[0];
        assert_eq!(u.macs_per_image, 100_352);
        assert_eq!(u.cycles_per_pass, 101_953);
        assert!((u.utilization - 6_422_528.0 / (101_953.0 * 64.0)).abs() < 1e-12);
        assert_eq!(u.kind, "dense 784->128");
    }
}
