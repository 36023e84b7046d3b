//! Statistics over seeds: one run per seed (`--seeds N`), summarised as mean ± sample standard
//! deviation of the float accuracy, the quantized (integer-path) accuracy and their difference.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// A fraction as a percentage with two decimals (`0.9514` → `95.14`).
pub fn pct(x: f64) -> String {
    format!("{:.2}", 100.0 * x)
}

/// Mean and sample standard deviation (n − 1 in the denominator; 0 for a single value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    pub mean: f64,
    pub std: f64,
    pub n: usize,
}

impl MeanStd {
    /// Of `values` (not empty).
    pub fn of(values: &[f64]) -> Self {
        let n = values.len();
        assert!(n > 0, "MeanStd::of needs at least one value");
        let mean = values.iter().sum::<f64>() / n as f64;
        let std = if n < 2 {
            0.0
        } else {
            (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        };
        Self { mean, std, n }
    }

    /// Fractions as percentage points, `88.17 ± 0.21`.
    pub fn pct(&self) -> String {
        format!("{} ± {}", pct(self.mean), pct(self.std))
    }

    /// A difference of fractions as signed percentage points, `−0.20 ± 0.10`.
    pub fn signed_pct(&self) -> String {
        format!("{:+.2} ± {}", 100.0 * self.mean, pct(self.std))
    }
}

/// One seed's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedRun {
    /// Seed of the float initialisation and batch order (QAT uses `seed + 1`).
    pub seed: u64,
    /// Float epochs actually run (fewer than the cap when early stopping fired).
    pub fp_epochs: usize,
    pub fp_test_acc: f64,
    /// Integer-path test accuracy of the quantized model.
    pub qat_test_acc: f64,
    /// Samples on which the integer path differed from the fake-quant path (must be 0).
    pub layer_mismatches: usize,
}

/// Every seed's result and the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedSummary {
    pub runs: Vec<SeedRun>,
    pub fp: MeanStd,
    pub qat: MeanStd,
    /// Quantized minus float accuracy, per seed, then summarised.
    pub delta: MeanStd,
    /// The seed whose model is exported.
    pub exported_seed: u64,
}

impl SeedSummary {
    /// Summarise `runs` (not empty); the first run's model is the exported one.
    pub fn new(runs: Vec<SeedRun>) -> Self {
        let f = |g: fn(&SeedRun) -> f64| MeanStd::of(&runs.iter().map(g).collect::<Vec<_>>());
        Self {
            fp: f(|r| r.fp_test_acc),
            qat: f(|r| r.qat_test_acc),
            delta: f(|r| r.qat_test_acc - r.fp_test_acc),
            exported_seed: runs[0].seed,
            runs,
        }
    }

    /// Markdown section for `report.md`.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "\n## Seeds\n\n{} seeds, mean ± sample standard deviation; the exported model is seed {}.\n",
            self.runs.len(),
            self.exported_seed
        );
        let _ = writeln!(
            s,
            "| seed | FP epochs | FP test % | QAT test % | Δ points |\n|---|---|---|---|---|"
        );
        for r in &self.runs {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {:+.2} |",
                r.seed,
                r.fp_epochs,
                pct(r.fp_test_acc),
                pct(r.qat_test_acc),
                100.0 * (r.qat_test_acc - r.fp_test_acc)
            );
        }
        let _ = writeln!(
            s,
            "| mean ± std | | {} | {} | {} |",
            self.fp.pct(),
            self.qat.pct(),
            self.delta.signed_pct()
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_standard_deviation_by_hand() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, Σ(x−5)² = 32, sample variance 32/7.
        let m = MeanStd::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(m.mean, 5.0);
        assert!((m.std - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!(MeanStd::of(&[0.5]).std, 0.0);
        assert_eq!(MeanStd::of(&[0.881, 0.879]).pct(), "88.00 ± 0.14");
        assert_eq!(MeanStd::of(&[-0.002, -0.004]).signed_pct(), "-0.30 ± 0.14");
    }

    #[test]
    fn summary_of_seeds() {
        let run = |seed, fp, q| SeedRun {
            seed,
            fp_epochs: 10,
            fp_test_acc: fp,
            qat_test_acc: q,
            layer_mismatches: 0,
        };
        let s = SeedSummary::new(vec![run(3, 0.90, 0.89), run(4, 0.92, 0.92)]);
        assert_eq!(s.exported_seed, 3);
        assert!((s.delta.mean + 0.005).abs() < 1e-12);
        assert!((s.fp.mean - 0.91).abs() < 1e-12);
        assert!(s.markdown().contains("| 3 | 10 | 90.00 | 89.00 | -1.00 |"));
    }
}
