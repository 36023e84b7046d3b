//! Unit tests of `train::layers`.

use super::*;
use crate::rng::Rng;

fn rand_vec(r: &mut Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| r.normal() as f32).collect()
}

/// Loss L = Σ y·g for a fixed random g, so dL/dy = g. Compares analytic gradients to central
/// differences computed in f64 from f32 forward passes.
fn check(analytic: &[f32], mut f: impl FnMut(usize, f32) -> f64, eps: f32, what: &str) {
    let mut worst = 0.0f64;
    for (i, &a) in analytic.iter().enumerate() {
        let num = (f(i, eps) - f(i, -eps)) / (2.0 * eps as f64);
        let err = (num - a as f64).abs() / (1e-2 + num.abs().max(a.abs() as f64));
        worst = worst.max(err);
    }
    assert!(worst < 2e-2, "{what}: relative gradient error {worst}");
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum()
}

#[test]
fn dense_gradients_match_finite_differences() {
    let mut r = Rng::new(1);
    let (n, inp, out) = (3, 5, 4);
    let x = rand_vec(&mut r, n * inp);
    let w = rand_vec(&mut r, out * inp);
    let b = rand_vec(&mut r, out);
    let g = rand_vec(&mut r, n * out);
    let loss = |x: &[f32], w: &[f32], b: &[f32]| {
        let mut y = vec![0.0; n * out];
        dense_forward(x, n, w, b, &mut y);
        dot(&y, &g)
    };
    let (mut dw, mut db, mut dx) = (vec![0.0; out * inp], vec![0.0; out], vec![0.0; n * inp]);
    dense_backward(&x, n, &w, &g, &mut dw, &mut db, Some(&mut dx));
    check(
        &dw,
        |i, e| {
            let mut w2 = w.clone();
            w2[i] += e;
            loss(&x, &w2, &b)
        },
        1e-2,
        "dense dw",
    );
    check(
        &db,
        |i, e| {
            let mut b2 = b.clone();
            b2[i] += e;
            loss(&x, &w, &b2)
        },
        1e-2,
        "dense db",
    );
    check(
        &dx,
        |i, e| {
            let mut x2 = x.clone();
            x2[i] += e;
            loss(&x2, &w, &b)
        },
        1e-2,
        "dense dx",
    );
    // The check must be able to fail: a wrong gradient is rejected.
    let mut bad = dw.clone();
    bad[3] += 0.5;
    let r = std::panic::catch_unwind(|| {
        check(
            &bad,
            |i, e| {
                let mut w2 = w.clone();
                w2[i] += e;
                loss(&x, &w2, &b)
            },
            1e-2,
            "bad",
        )
    });
    assert!(r.is_err());
}

#[test]
fn conv_gradients_match_finite_differences() {
    conv_gradients(3, 1, 1);
    // Stride 2 on 5×4 with padding 1: 3×2 outputs.
    conv_gradients(3, 1, 2);
    // 5×5, stride 2, padding 2 ("same"): 3×2 outputs.
    conv_gradients(5, 2, 2);
    // 1×1, stride 2, no padding: 3×2 outputs.
    conv_gradients(1, 0, 2);
}

fn conv_gradients(k: usize, pad: usize, stride: usize) {
    let mut r = Rng::new(2);
    let s = ConvShape {
        in_c: 2,
        in_h: 5,
        in_w: 4,
        out_c: 3,
        k,
        pad,
        stride,
    };
    assert!(s.misfit().is_none(), "{s:?}");
    let n = 2;
    let x = rand_vec(&mut r, n * s.in_len());
    let w = rand_vec(&mut r, s.out_c * s.col_rows());
    let b = rand_vec(&mut r, s.out_c);
    let g = rand_vec(&mut r, n * s.out_c * s.out_pixels());
    let loss = |x: &[f32], w: &[f32], b: &[f32]| {
        let (mut cols, mut tmp) = (Vec::new(), Vec::new());
        let mut y = vec![0.0; g.len()];
        conv_forward(x, n, &s, w, b, &mut cols, &mut tmp, &mut y);
        dot(&y, &g)
    };
    let (mut cols, mut tmp) = (Vec::new(), Vec::new());
    let mut y = vec![0.0; g.len()];
    conv_forward(&x, n, &s, &w, &b, &mut cols, &mut tmp, &mut y);
    // Direct convolution as an independent reference for the forward pass.
    for bb in 0..n {
        for o in 0..s.out_c {
            for oy in 0..s.out_h() {
                for ox in 0..s.out_w() {
                    let mut acc = b[o] as f64;
                    for c in 0..s.in_c {
                        for ky in 0..k {
                            for kx in 0..k {
                                let iy = (oy * stride + ky) as isize - pad as isize;
                                let ix = (ox * stride + kx) as isize - pad as isize;
                                if iy >= 0
                                    && ix >= 0
                                    && (iy as usize) < s.in_h
                                    && (ix as usize) < s.in_w
                                {
                                    acc += x[bb * s.in_len()
                                        + (c * s.in_h + iy as usize) * s.in_w
                                        + ix as usize]
                                        as f64
                                        * w[((o * s.in_c + c) * k + ky) * k + kx] as f64;
                                }
                            }
                        }
                    }
                    let got = y[((bb * s.out_c + o) * s.out_h() + oy) * s.out_w() + ox] as f64;
                    assert!((got - acc).abs() < 1e-4);
                }
            }
        }
    }
    let (mut dw, mut db, mut dx) = (vec![0.0; w.len()], vec![0.0; b.len()], vec![0.0; x.len()]);
    conv_backward(&cols, n, &s, &w, &g, &mut dw, &mut db, Some(&mut dx));
    let what = format!("{k}×{k} pad {pad} stride {stride}");
    check(
        &dw,
        |i, e| {
            let mut w2 = w.clone();
            w2[i] += e;
            loss(&x, &w2, &b)
        },
        1e-2,
        &format!("conv dw, {what}"),
    );
    check(
        &db,
        |i, e| {
            let mut b2 = b.clone();
            b2[i] += e;
            loss(&x, &w, &b2)
        },
        1e-2,
        &format!("conv db, {what}"),
    );
    check(
        &dx,
        |i, e| {
            let mut x2 = x.clone();
            x2[i] += e;
            loss(&x2, &w, &b)
        },
        1e-2,
        &format!("conv dx, {what}"),
    );
}

#[test]
fn maxpool_gradients_match_finite_differences() {
    let mut r = Rng::new(3);
    let (planes, h, w) = (3, 5, 4); // odd height: the last row is dropped
    let x = rand_vec(&mut r, planes * h * w);
    let g = rand_vec(&mut r, planes * (h / 2) * (w / 2));
    let (y, idx) = maxpool2(&x, planes, h, w);
    assert_eq!(y.len(), g.len());
    let dx = maxpool2_backward(&g, &idx, x.len());
    // Random normal inputs have no ties, so a small step does not move the argmax.
    check(
        &dx,
        |i, e| {
            let mut x2 = x.clone();
            x2[i] += e;
            dot(&maxpool2(&x2, planes, h, w).0, &g)
        },
        1e-3,
        "maxpool dx",
    );
    assert_eq!(maxpool2(&[1, 5, 3, 2], 1, 2, 2).0, vec![5]);
}
