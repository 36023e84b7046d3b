//! Optimisers: SGD with (heavy-ball) momentum and Adam, with optional L2 weight decay.
//!
//! Parameters are a list of flat `f32` tensors; an optimiser keeps one state tensor (SGD) or
//! two (Adam) per parameter tensor. The learning rate is passed per step so schedules live in
//! the training loop.

use serde::{Deserialize, Serialize};

/// Optimiser choice and hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum OptimizerKind {
    /// `v = μ·v + g; p -= lr·v`.
    Sgd { momentum: f32, weight_decay: f32 },
    /// Adam (Kingma and Ba), bias-corrected.
    Adam {
        beta1: f32,
        beta2: f32,
        eps: f32,
        weight_decay: f32,
    },
}

impl OptimizerKind {
    /// SGD with momentum 0.9 and no weight decay (the paper's fine-tuning optimiser).
    pub fn sgd() -> Self {
        OptimizerKind::Sgd {
            momentum: 0.9,
            weight_decay: 0.0,
        }
    }
    /// Adam with the usual defaults.
    pub fn adam() -> Self {
        OptimizerKind::Adam {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
        }
    }
}

/// Optimiser state for a fixed list of parameter tensors.
#[derive(Debug, Clone)]
pub struct Optimizer {
    kind: OptimizerKind,
    m: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
    t: u32,
}

impl Optimizer {
    /// State for parameter tensors of the given sizes.
    pub fn new(kind: OptimizerKind, sizes: &[usize]) -> Self {
        let zeros = || sizes.iter().map(|&n| vec![0.0; n]).collect::<Vec<_>>();
        let v = match kind {
            OptimizerKind::Adam { .. } => zeros(),
            OptimizerKind::Sgd { .. } => Vec::new(),
        };
        Self {
            kind,
            m: zeros(),
            v,
            t: 0,
        }
    }

    /// One update of every parameter tensor `params[i]` with gradient `grads[i]`.
    pub fn step(&mut self, params: &mut [&mut [f32]], grads: &[&[f32]], lr: f32) {
        assert_eq!(params.len(), self.m.len());
        self.t += 1;
        match self.kind {
            OptimizerKind::Sgd {
                momentum,
                weight_decay,
            } => {
                for ((p, g), m) in params.iter_mut().zip(grads).zip(&mut self.m) {
                    for ((p, &g), m) in p.iter_mut().zip(g.iter()).zip(m.iter_mut()) {
                        let g = g + weight_decay * *p;
                        *m = momentum * *m + g;
                        *p -= lr * *m;
                    }
                }
            }
            OptimizerKind::Adam {
                beta1,
                beta2,
                eps,
                weight_decay,
            } => {
                let c1 = 1.0 - beta1.powi(self.t as i32);
                let c2 = 1.0 - beta2.powi(self.t as i32);
                for (((p, g), m), v) in params
                    .iter_mut()
                    .zip(grads)
                    .zip(&mut self.m)
                    .zip(&mut self.v)
                {
                    for (((p, &g), m), v) in p
                        .iter_mut()
                        .zip(g.iter())
                        .zip(m.iter_mut())
                        .zip(v.iter_mut())
                    {
                        let g = g + weight_decay * *p;
                        *m = beta1 * *m + (1.0 - beta1) * g;
                        *v = beta2 * *v + (1.0 - beta2) * g * g;
                        *p -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both optimisers minimise a convex quadratic f(p) = Σ (p_i − i)².
    #[test]
    fn optimisers_minimise_a_quadratic() {
        for (kind, lr) in [(OptimizerKind::sgd(), 0.05), (OptimizerKind::adam(), 0.05)] {
            let mut p = vec![5.0f32, -3.0, 0.0];
            let mut opt = Optimizer::new(kind, &[3]);
            for _ in 0..600 {
                let g: Vec<f32> = p
                    .iter()
                    .enumerate()
                    .map(|(i, &x)| 2.0 * (x - i as f32))
                    .collect();
                opt.step(&mut [&mut p], &[&g], lr);
            }
            for (i, x) in p.iter().enumerate() {
                assert!((x - i as f32).abs() < 1e-2, "{kind:?}: {p:?}");
            }
        }
        // First Adam step moves each parameter by lr against the gradient sign.
        let mut p = vec![1.0f32, 1.0];
        let mut opt = Optimizer::new(OptimizerKind::adam(), &[2]);
        opt.step(&mut [&mut p], &[&[3.0, -0.001]], 0.1);
        assert!((p[0] - 0.9).abs() < 1e-5 && (p[1] - 1.1).abs() < 1e-4);
    }
}
