//! Forward and backward passes of the layer kinds: dense, 2-D convolution (im2col), ReLU and
//! 2×2 max-pooling.
//!
//! Tensors are flat row-major `f32` slices, batch first: dense activations are `[N][features]`,
//! images `[N][C][H][W]`. Convolutions have a stride and symmetric zero padding; the kernel is
//! stored `[O][C][kh][kw]`, i.e. row-major `[out][in]` with `in = C·kh·kw`, which is also the
//! order of the im2col rows and of the exported weight codes.

use super::gemm::sgemm;
use crate::model::arch::ConvShape;

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
                        let iy = (y * s.stride) as isize + ky as isize - s.pad as isize;
                        if iy < 0 || iy >= s.in_h as isize {
                            continue;
                        }
                        let src = &img[iy as usize * s.in_w..][..s.in_w];
                        let d = &mut dst[b * p + y * ow..][..ow];
                        for (xo, dv) in d.iter_mut().enumerate() {
                            let ix = (xo * s.stride) as isize + kx as isize - s.pad as isize;
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
                        let iy = (y * s.stride) as isize + ky as isize - s.pad as isize;
                        if iy < 0 || iy >= s.in_h as isize {
                            continue;
                        }
                        let d = &mut img[iy as usize * s.in_w..][..s.in_w];
                        let sv = &src[b * p + y * ow..][..ow];
                        for (xo, g) in sv.iter().enumerate() {
                            let ix = (xo * s.stride) as isize + kx as isize - s.pad as isize;
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
mod tests;
