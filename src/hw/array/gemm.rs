//! One GEMM on the array: its operands (activations X, weight codes W) with zero padding
//! past the edges, and its reference result.

use super::GemmShape;
use crate::config::Design;

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
    pub(super) fn act(&self, m: u64, k: u64) -> i64 {
        if m < self.shape.m && k < self.shape.k {
            self.x[(m * self.shape.k + k) as usize]
        } else {
            0
        }
    }

    /// The code at (k, n), or code 0 in the padding (its products meet zero activations in
    /// `ws`; in `os` they only reach padding outputs).
    pub(super) fn code(&self, k: u64, n: u64) -> u32 {
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
