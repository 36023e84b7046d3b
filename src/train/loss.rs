//! Softmax cross-entropy over a batch of logits, with its gradient.

/// Mean cross-entropy of `logits[N][classes]` against `labels`, and `dlogits` (the gradient
/// of the mean loss), computed with the max-subtracted (stable) softmax.
pub fn softmax_cross_entropy(
    logits: &[f32],
    labels: &[u8],
    classes: usize,
    dlogits: &mut [f32],
) -> f64 {
    let n = labels.len();
    assert_eq!(logits.len(), n * classes);
    let mut loss = 0.0f64;
    for (&label, (row, drow)) in labels.iter().zip(
        logits
            .chunks_exact(classes)
            .zip(dlogits.chunks_exact_mut(classes)),
    ) {
        let m = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        let mut z = 0.0f64;
        for (d, &v) in drow.iter_mut().zip(row) {
            let e = ((v - m) as f64).exp();
            *d = e as f32;
            z += e;
        }
        loss += z.ln() - (row[label as usize] - m) as f64;
        for d in drow.iter_mut() {
            *d = (*d as f64 / z / n as f64) as f32;
        }
        drow[label as usize] -= 1.0 / n as f32;
    }
    loss / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::argmax_rows;
    use crate::rng::Rng;

    #[test]
    fn cross_entropy_gradient_matches_finite_differences() {
        let mut r = Rng::new(5);
        let (n, c) = (4, 5);
        let logits: Vec<f32> = (0..n * c).map(|_| 2.0 * r.normal() as f32).collect();
        let labels = [0u8, 3, 4, 1];
        let mut d = vec![0.0; n * c];
        let l0 = softmax_cross_entropy(&logits, &labels, c, &mut d);
        assert!(l0 > 0.0);
        let mut scratch = vec![0.0; n * c];
        let eps = 1e-2f32;
        for i in 0..n * c {
            let mut p = logits.clone();
            p[i] += eps;
            let lp = softmax_cross_entropy(&p, &labels, c, &mut scratch);
            p[i] -= 2.0 * eps;
            let lm = softmax_cross_entropy(&p, &labels, c, &mut scratch);
            let num = (lp - lm) / (2.0 * eps as f64);
            assert!((num - d[i] as f64).abs() < 1e-3, "i={i}: {num} vs {}", d[i]);
        }
        // Known value: uniform logits give ln(classes).
        let l = softmax_cross_entropy(&[0.0; 5], &[2], 5, &mut [0.0; 5]);
        assert!((l - 5f64.ln()).abs() < 1e-9);
        assert_eq!(argmax_rows(&[1, 3, 3, 0, 9, 2], 3), vec![1, 1]);
    }
}
