//! Forward and backward passes of the layer kinds: dense, 2-D convolution (im2col), ReLU and
//! 2×2 max-pooling.
//!
//! Tensors are flat row-major `f32` slices, batch first: dense activations are `[N][features]`,
//! images `[N][C][H][W]`. Convolutions have stride 1 and symmetric zero padding; the kernel is
//! stored `[O][C][kh][kw]`, i.e. row-major `[out][in]` with `in = C·kh·kw`, which is also the
//! order of the im2col rows and of the exported weight codes.

use super::gemm::sgemm;

/// Shape of a convolution: input `C×H×W`, `O` output channels, square kernel `k`, padding `pad`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConvShape {
    pub in_c: usize,
    pub in_h: usize,
    pub in_w: usize,
    pub out_c: usize,
    pub k: usize,
    pub pad: usize,
}

impl ConvShape {
    /// Output height.
    pub fn out_h(&self) -> usize {
        self.in_h + 2 * self.pad + 1 - self.k
    }
    /// Output width.
    pub fn out_w(&self) -> usize {
        self.in_w + 2 * self.pad + 1 - self.k
    }
    /// Rows of the im2col matrix (= GEMM depth): `C·k·k`.
    pub fn col_rows(&self) -> usize {
        self.in_c * self.k * self.k
    }
    /// Output pixels per channel.
    pub fn out_pixels(&self) -> usize {
        self.out_h() * self.out_w()
    }
    /// Input values per sample.
    pub fn in_len(&self) -> usize {
        self.in_c * self.in_h * self.in_w
    }
}

/// Dense forward: `y[N][out] = x[N][in] · wᵀ + b` with `w` stored `[out][in]`.
pub fn dense_forward(x: &[f32], n: usize, w: &[f32], b: &[f32], y: &mut [f32]) {
    let out = b.len();
    let inp = w.len() / out;
    sgemm(n, inp, out, x, false, w, true, 0.0, y);
    for row in y.chunks_exact_mut(out) {
        for (v, bb) in row.iter_mut().zip(b) {
            *v += bb;
        }
    }
}

/// Dense backward: accumulates nothing, overwrites `dw`, `db` and (if given) `dx`.
pub fn dense_backward(
    x: &[f32],
    n: usize,
    w: &[f32],
    dy: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    dx: Option<&mut [f32]>,
) {
    let out = db.len();
    let inp = w.len() / out;
    sgemm(out, n, inp, dy, true, x, false, 0.0, dw);
    db.fill(0.0);
    for row in dy.chunks_exact(out) {
        for (d, g) in db.iter_mut().zip(row) {
            *d += g;
        }
    }
    if let Some(dx) = dx {
        sgemm(n, out, inp, dy, false, w, false, 0.0, dx);
    }
}

/// im2col over a whole batch: `cols[C·k·k][N·P]`, column `n·P + p` for output pixel `p` of
/// sample `n`; padded positions are zero. Generic so the f64 evaluation path can share it.
pub fn im2col<T: Copy + Default>(x: &[T], n: usize, s: &ConvShape, cols: &mut Vec<T>) {
    let (oh, ow, p) = (s.out_h(), s.out_w(), s.out_pixels());
    let np = n * p;
    cols.clear();
    cols.resize(s.col_rows() * np, T::default());
    for c in 0..s.in_c {
        for ky in 0..s.k {
            for kx in 0..s.k {
                let row = (c * s.k + ky) * s.k + kx;
                let dst = &mut cols[row * np..(row + 1) * np];
                for b in 0..n {
                    let img = &x[b * s.in_len() + c * s.in_h * s.in_w..][..s.in_h * s.in_w];
                    for y in 0..oh {
                        let iy = y as isize + ky as isize - s.pad as isize;
                        if iy < 0 || iy >= s.in_h as isize {
                            continue;
                        }
                        let src = &img[iy as usize * s.in_w..][..s.in_w];
                        let d = &mut dst[b * p + y * ow..][..ow];
                        for (xo, dv) in d.iter_mut().enumerate() {
                            let ix = xo as isize + kx as isize - s.pad as isize;
                            if ix >= 0 && ix < s.in_w as isize {
                                *dv = src[ix as usize];
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Adjoint of [`im2col`]: scatter-add `dcols` back into `dx` (overwritten).
pub fn col2im(dcols: &[f32], n: usize, s: &ConvShape, dx: &mut [f32]) {
    let (oh, ow, p) = (s.out_h(), s.out_w(), s.out_pixels());
    let np = n * p;
    dx.fill(0.0);
    for c in 0..s.in_c {
        for ky in 0..s.k {
            for kx in 0..s.k {
                let row = (c * s.k + ky) * s.k + kx;
                let src = &dcols[row * np..(row + 1) * np];
                for b in 0..n {
                    let img = &mut dx[b * s.in_len() + c * s.in_h * s.in_w..][..s.in_h * s.in_w];
                    for y in 0..oh {
                        let iy = y as isize + ky as isize - s.pad as isize;
                        if iy < 0 || iy >= s.in_h as isize {
                            continue;
                        }
                        let d = &mut img[iy as usize * s.in_w..][..s.in_w];
                        let sv = &src[b * p + y * ow..][..ow];
                        for (xo, g) in sv.iter().enumerate() {
                            let ix = xo as isize + kx as isize - s.pad as isize;
                            if ix >= 0 && ix < s.in_w as isize {
                                d[ix as usize] += g;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Reorder `[O][N·P]` (GEMM output) to `[N][O][P]`, adding a per-channel bias.
pub fn channels_to_batch<T: Copy + std::ops::Add<Output = T>>(
    t: &[T],
    n: usize,
    o: usize,
    p: usize,
    bias: &[T],
    y: &mut [T],
) {
    for b in 0..n {
        for c in 0..o {
            let src = &t[c * n * p + b * p..][..p];
            let dst = &mut y[(b * o + c) * p..][..p];
            for (d, s) in dst.iter_mut().zip(src) {
                *d = *s + bias[c];
            }
        }
    }
}

/// Convolution forward. `cols` receives the im2col matrix (kept for the backward pass) and
/// `tmp` is scratch; `y` is `[N][O][Ho][Wo]`.
#[allow(clippy::too_many_arguments)]
pub fn conv_forward(
    x: &[f32],
    n: usize,
    s: &ConvShape,
    w: &[f32],
    b: &[f32],
    cols: &mut Vec<f32>,
    tmp: &mut Vec<f32>,
    y: &mut [f32],
) {
    im2col(x, n, s, cols);
    let np = n * s.out_pixels();
    tmp.clear();
    tmp.resize(s.out_c * np, 0.0);
    sgemm(s.out_c, s.col_rows(), np, w, false, cols, false, 0.0, tmp);
    channels_to_batch(tmp, n, s.out_c, s.out_pixels(), b, y);
}

/// Convolution backward from the cached `cols`; overwrites `dw`, `db` and (if given) `dx`.
#[allow(clippy::too_many_arguments)]
pub fn conv_backward(
    cols: &[f32],
    n: usize,
    s: &ConvShape,
    w: &[f32],
    dy: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    dx: Option<&mut [f32]>,
) {
    let (o, p) = (s.out_c, s.out_pixels());
    let np = n * p;
    // dy [N][O][P] → dyt [O][N·P].
    let mut dyt = vec![0.0f32; o * np];
    db.fill(0.0);
    for b in 0..n {
        for c in 0..o {
            let src = &dy[(b * o + c) * p..][..p];
            dyt[c * np + b * p..][..p].copy_from_slice(src);
            db[c] += src.iter().sum::<f32>();
        }
    }
    sgemm(o, np, s.col_rows(), &dyt, false, cols, true, 0.0, dw);
    if let Some(dx) = dx {
        let mut dcols = vec![0.0f32; s.col_rows() * np];
        sgemm(s.col_rows(), o, np, w, true, &dyt, false, 0.0, &mut dcols);
        col2im(&dcols, n, s, dx);
    }
}

/// 2×2 max-pool with stride 2 (odd edges dropped) over `[N·C][H][W]` planes. Returns the
/// pooled planes and, for the backward pass, the flat input index of every maximum (the first
/// one in row-major order on ties). Generic so the integer paths share the exact rule.
pub fn maxpool2<T: Copy + PartialOrd>(
    x: &[T],
    planes: usize,
    h: usize,
    w: usize,
) -> (Vec<T>, Vec<usize>) {
    let (oh, ow) = (h / 2, w / 2);
    let mut y = Vec::with_capacity(planes * oh * ow);
    let mut idx = Vec::with_capacity(planes * oh * ow);
    for pl in 0..planes {
        let base = pl * h * w;
        for yy in 0..oh {
            for xx in 0..ow {
                let mut best = base + 2 * yy * w + 2 * xx;
                for (dy, dx) in [(0, 1), (1, 0), (1, 1)] {
                    let i = base + (2 * yy + dy) * w + 2 * xx + dx;
                    if x[i] > x[best] {
                        best = i;
                    }
                }
                y.push(x[best]);
                idx.push(best);
            }
        }
    }
    (y, idx)
}

/// Backward of [`maxpool2`]: route each output gradient to its argmax.
pub fn maxpool2_backward(dy: &[f32], idx: &[usize], in_len: usize) -> Vec<f32> {
    let mut dx = vec![0.0f32; in_len];
    for (g, &i) in dy.iter().zip(idx) {
        dx[i] += g;
    }
    dx
}

#[cfg(test)]
mod tests {
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
        let mut r = Rng::new(2);
        let s = ConvShape {
            in_c: 2,
            in_h: 5,
            in_w: 4,
            out_c: 3,
            k: 3,
            pad: 1,
        };
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
                            for ky in 0..3 {
                                for kx in 0..3 {
                                    let iy = oy as isize + ky as isize - 1;
                                    let ix = ox as isize + kx as isize - 1;
                                    if iy >= 0
                                        && ix >= 0
                                        && (iy as usize) < s.in_h
                                        && (ix as usize) < s.in_w
                                    {
                                        acc += x[bb * s.in_len()
                                            + (c * s.in_h + iy as usize) * s.in_w
                                            + ix as usize]
                                            as f64
                                            * w[((o * s.in_c + c) * 3 + ky) * 3 + kx] as f64;
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
        check(
            &dw,
            |i, e| {
                let mut w2 = w.clone();
                w2[i] += e;
                loss(&x, &w2, &b)
            },
            1e-2,
            "conv dw",
        );
        check(
            &db,
            |i, e| {
                let mut b2 = b.clone();
                b2[i] += e;
                loss(&x, &w, &b2)
            },
            1e-2,
            "conv db",
        );
        check(
            &dx,
            |i, e| {
                let mut x2 = x.clone();
                x2[i] += e;
                loss(&x2, &w, &b)
            },
            1e-2,
            "conv dx",
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
}
