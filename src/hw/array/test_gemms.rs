//! The GEMMs a generated array testbench runs: directed corner cases (the smallest GEMM, one
//! exact tile, all-zero operands past the array, both extreme products at the accumulator's
//! bounds), then seeded random shapes and operands.

use super::{Gemm, GemmShape};
use crate::config::Design;
use crate::hw::vectors::edge_acts;
use crate::rng::Rng;
use crate::widths::{extreme_products, Tie};

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
        let edges = edge_acts(d);
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
    let e = extreme_products(&d.weights, &d.act, Tie::First);
    let ext = GemmShape {
        m: 2,
        k: kmax.min(4 * r + 3),
        n: c.min(2) + 1,
    };
    let ext_full = GemmShape { k: kmax, ..ext };
    let ext = if kmax <= 1024 { ext_full } else { ext };
    gemms.push(fill(ext, e.hi.act, e.hi.code));
    gemms.push(fill(ext, e.lo.act, e.lo.code));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hw::array::{run, test_design};

    #[test]
    fn extreme_gemms_reach_the_accumulator_bounds() {
        let d = test_design("{format: pot, bits: 4}", 2, 2, "os", 16);
        let run = run(&d, &test_gemms(&d, 0, 1));
        let max = run.outputs.iter().flat_map(|o| o.row.iter()).max().copied();
        // 255 × 64 × 16 terms.
        assert_eq!(max, Some(255 * 64 * 16));
    }

    /// Of two pairs with the smallest product, the extreme GEMM uses the first one searched
    /// (pinned: the generated vectors must not change).
    #[test]
    fn extreme_gemms_take_the_first_tied_pair() {
        let d = crate::config::Design::from_yaml(
            "name: t\nweights: {format: uniform, bits: 4}\nactivations: {bits: 4, signed: true}\n\
             max_dot_length: 4\narray: {rows: 2, cols: 2, dataflow: ws}\n",
            "t",
        )
        .unwrap();
        let g = test_gemms(&d, 0, 1);
        // Directed GEMMs 3 and 4: (−8)·(−8) (code 8), then −8 · 7 (code 7), not 7 · −8.
        assert_eq!((g[3].x[0], g[3].w[0]), (-8, 8));
        assert_eq!((g[4].x[0], g[4].w[0]), (-8, 7));
    }
}
