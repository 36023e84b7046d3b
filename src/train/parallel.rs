//! Data-parallel training kernels (rayon): dense and convolution layers, and the fused
//! ReLU → activation fake-quantization → 2×2 max-pool step, over the samples of a batch.
//!
//! They run on the current rayon pool (the CLI sizes the global pool with `--threads`; a test
//! can `install` a pool of its own). Results are **bit-identical for any thread count**:
//! - work that is independent per sample (the convolution forward, the activation step, the
//!   routing of gradients through pooling and ReLU) is computed per sample, the same way
//!   whichever thread runs it;
//! - GEMMs are split only along an output dimension (rows of the result), never along the
//!   reduction, and `matrixmultiply` sums every output element over the whole depth in the
//!   same order whatever the rows around it (a test checks the splits bit for bit);
//! - the convolution weight gradient, a sum over the batch, is accumulated per fixed chunk of
//!   [`CHUNK`] samples (in sample order) and the chunk sums are added in chunk order, so the
//!   partition never depends on the thread count.
//!
//! The convolution works on one sample at a time: im2col of the sample (`[C·k·k][P]`, small
//! enough to stay in cache), one GEMM straight into the sample's `[O][P]` output, and in the
//! backward pass the im2col is recomputed instead of being kept for the whole batch.

use super::gemm::{sgemm, sgemm_strided};
use super::QatError;
use crate::model::arch::ConvShape;
use rayon::prelude::*;

/// Samples per work item of the convolution weight gradient (fixed: the summation order of
/// the gradient depends on it, never on the thread count).
pub const CHUNK: usize = 8;

/// A rayon pool with `threads` workers.
pub fn pool(threads: usize) -> Result<rayon::ThreadPool, QatError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| QatError::Config(format!("cannot start {threads} threads: {e}")))
}

/// Rows per work item when splitting `rows` over the pool's threads.
fn rows_per_task(rows: usize) -> usize {
    rows.div_ceil(rayon::current_num_threads().max(1)).max(1)
}

/// Dense forward `y[N][out] = x[N][in] · wᵀ + b`, split over samples.
pub fn dense_forward(x: &[f32], n: usize, w: &[f32], b: &[f32], y: &mut [f32]) {
    let out = b.len();
    let inp = w.len() / out;
    let r = rows_per_task(n);
    y.par_chunks_mut(r * out)
        .zip(x.par_chunks(r * inp))
        .for_each(|(yc, xc)| super::layers::dense_forward(xc, yc.len() / out, w, b, yc));
}

/// Dense backward (overwrites `dw`, `db`, `dx`): `dw = dyᵀ·x` split over output neurons,
/// `dx = dy·w` split over samples, `db` the column sums of `dy` (in sample order).
#[allow(clippy::too_many_arguments)]
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
    let r = rows_per_task(out);
    dw.par_chunks_mut(r * inp).enumerate().for_each(|(i, dwc)| {
        let rows = dwc.len() / inp;
        // Rows o0..o0+rows of dyᵀ: column block of dy [N][out], read transposed.
        sgemm_strided(
            rows,
            n,
            inp,
            &dy[i * r..],
            (1, out as isize),
            x,
            (inp as isize, 1),
            0.0,
            dwc,
        );
    });
    db.fill(0.0);
    for row in dy.chunks_exact(out) {
        for (d, g) in db.iter_mut().zip(row) {
            *d += g;
        }
    }
    if let Some(dx) = dx {
        let r = rows_per_task(n);
        dx.par_chunks_mut(r * inp)
            .zip(dy.par_chunks(r * out))
            .for_each(|(dxc, dyc)| {
                sgemm(dxc.len() / inp, out, inp, dyc, false, w, false, 0.0, dxc)
            });
    }
}

/// Convolution forward, one sample at a time: `y` is `[N][O][Ho][Wo]`.
pub fn conv_forward(x: &[f32], s: &ConvShape, w: &[f32], b: &[f32], y: &mut [f32]) {
    let (inl, p) = (s.in_len(), s.out_pixels());
    let outl = s.out_c * p;
    y.par_chunks_mut(CHUNK * outl)
        .zip(x.par_chunks(CHUNK * inl))
        .for_each(|(yc, xc)| conv_chunk_forward(xc, s, w, b, yc));
}

/// One chunk of [`conv_forward`].
#[inline(never)]
fn conv_chunk_forward(xc: &[f32], s: &ConvShape, w: &[f32], b: &[f32], yc: &mut [f32]) {
    let (inl, p) = (s.in_len(), s.out_pixels());
    let outl = s.out_c * p;
    let mut cols = vec![0.0f32; s.col_rows() * p];
    for (ys, xs) in yc.chunks_exact_mut(outl).zip(xc.chunks_exact(inl)) {
        im2col_one(xs, s, &mut cols);
        sgemm(s.out_c, s.col_rows(), p, w, false, &cols, false, 0.0, ys);
        for (row, bb) in ys.chunks_exact_mut(p).zip(b) {
            for v in row {
                *v += bb;
            }
        }
    }
}

/// Convolution backward from the layer input `x` (im2col recomputed per sample); overwrites
/// `dw`, `db` and (if given) `dx`. The batch sums follow the fixed [`CHUNK`] partition.
#[allow(clippy::too_many_arguments)]
pub fn conv_backward(
    x: &[f32],
    s: &ConvShape,
    w: &[f32],
    dy: &[f32],
    dw: &mut [f32],
    db: &mut [f32],
    dx: Option<&mut [f32]>,
) {
    let (inl, outl) = (s.in_len(), s.out_c * s.out_pixels());
    let parts: Vec<(Vec<f32>, Vec<f32>)> = match dx {
        Some(dx) => dx
            .par_chunks_mut(CHUNK * inl)
            .zip(x.par_chunks(CHUNK * inl))
            .zip(dy.par_chunks(CHUNK * outl))
            .map(|((dxc, xc), dyc)| conv_chunk_backward(xc, s, w, dyc, Some(dxc)))
            .collect(),
        None => x
            .par_chunks(CHUNK * inl)
            .zip(dy.par_chunks(CHUNK * outl))
            .map(|(xc, dyc)| conv_chunk_backward(xc, s, w, dyc, None))
            .collect(),
    };
    dw.fill(0.0);
    db.fill(0.0);
    for (pw, pb) in parts {
        for (d, v) in dw.iter_mut().zip(&pw) {
            *d += v;
        }
        for (d, v) in db.iter_mut().zip(&pb) {
            *d += v;
        }
    }
}

/// One chunk of [`conv_backward`]: the chunk's weight and bias gradient sums, and its `dx`.
fn conv_chunk_backward(
    xc: &[f32],
    s: &ConvShape,
    w: &[f32],
    dyc: &[f32],
    mut dxc: Option<&mut [f32]>,
) -> (Vec<f32>, Vec<f32>) {
    let (inl, p, k) = (s.in_len(), s.out_pixels(), s.col_rows());
    let outl = s.out_c * p;
    let mut pw = vec![0.0f32; s.out_c * k];
    let mut pb = vec![0.0f32; s.out_c];
    let (mut cols, mut dcols) = (vec![0.0f32; k * p], vec![0.0f32; k * p]);
    for (i, (xs, dys)) in xc.chunks_exact(inl).zip(dyc.chunks_exact(outl)).enumerate() {
        im2col_one(xs, s, &mut cols);
        sgemm(s.out_c, p, k, dys, false, &cols, true, 1.0, &mut pw);
        for (d, row) in pb.iter_mut().zip(dys.chunks_exact(p)) {
            *d += row.iter().sum::<f32>();
        }
        if let Some(dx) = dxc.as_deref_mut() {
            sgemm(k, s.out_c, p, w, true, dys, false, 0.0, &mut dcols);
            col2im_one(&dcols, s, &mut dx[i * inl..(i + 1) * inl]);
        }
    }
    (pw, pb)
}

/// The valid output columns `x0..x1` of kernel column `kx` (input column `x + kx − pad`
/// inside the image), for one output row; empty (`x0 == x1`, then `x0 + kx − pad` may be
/// negative) when the kernel column falls in the padding for every output, as with a 5×5
/// "same" kernel on a map narrower than 3 pixels.
fn valid_cols(s: &ConvShape, kx: usize) -> (usize, usize) {
    let ow = s.out_w();
    let x0 = s.pad.saturating_sub(kx).min(ow);
    let x1 = (s.in_w + s.pad).saturating_sub(kx).clamp(x0, ow);
    (x0, x1)
}

/// [`super::layers::im2col`] of one sample into `cols` (`[C·k·k][P]`, every value written),
/// with a slice copy per output row.
fn im2col_one(x: &[f32], s: &ConvShape, cols: &mut [f32]) {
    if s.stride != 1 {
        // The row copies below assume stride 1; a strided layer takes the plain loop.
        let mut v = Vec::new();
        super::layers::im2col(&x[..s.in_len()], 1, s, &mut v);
        cols[..v.len()].copy_from_slice(&v);
        return;
    }
    let (oh, ow, p) = (s.out_h(), s.out_w(), s.out_pixels());
    for c in 0..s.in_c {
        let img = &x[c * s.in_h * s.in_w..][..s.in_h * s.in_w];
        for ky in 0..s.k {
            for kx in 0..s.k {
                let row = (c * s.k + ky) * s.k + kx;
                let dst = &mut cols[row * p..(row + 1) * p];
                let (x0, x1) = valid_cols(s, kx);
                for y in 0..oh {
                    let d = &mut dst[y * ow..(y + 1) * ow];
                    let iy = (y + ky).wrapping_sub(s.pad);
                    if iy >= s.in_h {
                        d.fill(0.0);
                        continue;
                    }
                    d[..x0].fill(0.0);
                    d[x1..].fill(0.0);
                    if x0 == x1 {
                        continue; // the kernel column is in the padding for the whole row
                    }
                    let src = &img[iy * s.in_w..];
                    d[x0..x1].copy_from_slice(&src[x0 + kx - s.pad..x1 + kx - s.pad]);
                }
            }
        }
    }
}

/// Adjoint of [`im2col_one`]: `dx` (one sample) = the scatter-add of `dcols`.
fn col2im_one(dcols: &[f32], s: &ConvShape, dx: &mut [f32]) {
    if s.stride != 1 {
        super::layers::col2im(dcols, 1, s, dx);
        return;
    }
    let (oh, ow, p) = (s.out_h(), s.out_w(), s.out_pixels());
    dx.fill(0.0);
    for c in 0..s.in_c {
        let img = &mut dx[c * s.in_h * s.in_w..][..s.in_h * s.in_w];
        for ky in 0..s.k {
            for kx in 0..s.k {
                let row = (c * s.k + ky) * s.k + kx;
                let src = &dcols[row * p..(row + 1) * p];
                let (x0, x1) = valid_cols(s, kx);
                for y in 0..oh {
                    let iy = (y + ky).wrapping_sub(s.pad);
                    if iy >= s.in_h || x0 == x1 {
                        continue;
                    }
                    let d = &mut img[iy * s.in_w + x0 + kx - s.pad..][..x1 - x0];
                    for (o, g) in d.iter_mut().zip(&src[y * ow + x0..y * ow + x1]) {
                        *o += g;
                    }
                }
            }
        }
    }
}

/// Per sample: ReLU, then (with `fq = Some((step, qmax))`) unsigned fake quantization
/// `clamp(round(x/step), 0, qmax)·step`, then (with `pool = Some((planes, h, w))`) 2×2
/// max-pooling. Returns the activations and, when pooling, the flat batch index of every
/// maximum (the first one in row-major order on ties, as [`super::layers::maxpool2`]).
pub fn activate(
    z: &[f32],
    n: usize,
    fq: Option<(f32, f32)>,
    pool: Option<(usize, usize, usize)>,
) -> (Vec<f32>, Vec<usize>) {
    let per = z.len() / n.max(1);
    let Some((planes, h, w)) = pool else {
        let mut a = vec![0.0f32; z.len()];
        a.par_chunks_mut(per.max(1))
            .zip(z.par_chunks(per.max(1)))
            .for_each(|(ac, zc)| act_slice(zc, fq, ac));
        return (a, Vec::new());
    };
    let (oh, ow) = (h / 2, w / 2);
    let outl = planes * oh * ow;
    let mut a = vec![0.0f32; n * outl];
    let mut idx = vec![0usize; n * outl];
    a.par_chunks_mut(outl)
        .zip(idx.par_chunks_mut(outl))
        .enumerate()
        .for_each(|(sn, (ac, ic))| {
            pool_sample(
                &z[sn * per..(sn + 1) * per],
                sn * per,
                (planes, h, w),
                fq,
                ac,
                ic,
            )
        });
    (a, idx)
}

/// ReLU and (with `fq`) activation fake quantization of a slice, in a loop the compiler
/// vectorizes.
fn act_slice(z: &[f32], fq: Option<(f32, f32)>, out: &mut [f32]) {
    match fq {
        Some((st, qmax)) => {
            for (o, &v) in out.iter_mut().zip(z) {
                *o = super::quantizer::fake_quant_act(v.max(0.0), st, qmax);
            }
        }
        None => {
            for (o, &v) in out.iter_mut().zip(z) {
                *o = v.max(0.0);
            }
        }
    }
}

/// One sample of [`activate`] with pooling; `base` is the sample's offset in the batch.
#[inline(never)]
fn pool_sample(
    zs: &[f32],
    base: usize,
    (planes, h, w): (usize, usize, usize),
    fq: Option<(f32, f32)>,
    ac: &mut [f32],
    ic: &mut [usize],
) {
    let mut t = vec![0.0f32; zs.len()];
    act_slice(zs, fq, &mut t);
    let (oh, ow) = (h / 2, w / 2);
    let mut o = 0;
    for pl in 0..planes {
        for yy in 0..oh {
            let r0 = pl * h * w + 2 * yy * w;
            let (row0, row1) = (&t[r0..r0 + w], &t[r0 + w..r0 + 2 * w]);
            for xx in 0..ow {
                let c = 2 * xx;
                let (mut best, mut at) = (row0[c], r0 + c);
                if row0[c + 1] > best {
                    (best, at) = (row0[c + 1], r0 + c + 1);
                }
                if row1[c] > best {
                    (best, at) = (row1[c], r0 + w + c);
                }
                if row1[c + 1] > best {
                    (best, at) = (row1[c + 1], r0 + w + c + 1);
                }
                ac[o] = best;
                ic[o] = base + at;
                o += 1;
            }
        }
    }
}

/// Gradient through [`activate`]: route `da` to the pooled maxima (when `idx` is given), then
/// keep it only where `0 < z < hi` (ReLU and the activation clip's straight-through window).
pub fn activate_backward(
    da: &[f32],
    idx: Option<&[usize]>,
    z: &[f32],
    n: usize,
    hi: f32,
) -> Vec<f32> {
    let per = z.len() / n.max(1);
    let mut dz = vec![0.0f32; z.len()];
    match idx {
        Some(idx) => {
            let outl = da.len() / n.max(1);
            dz.par_chunks_mut(per)
                .zip(da.par_chunks(outl).zip(idx.par_chunks(outl)))
                .enumerate()
                .for_each(|(sn, (dc, (gc, ic)))| {
                    let base = sn * per;
                    for (&g, &i) in gc.iter().zip(ic) {
                        let v = z[i];
                        if v > 0.0 && v < hi {
                            dc[i - base] += g;
                        }
                    }
                });
        }
        None => dz
            .par_chunks_mut(per.max(1))
            .zip(da.par_chunks(per.max(1)).zip(z.par_chunks(per.max(1))))
            .for_each(|(dc, (gc, zc))| {
                for ((d, &g), &v) in dc.iter_mut().zip(gc).zip(zc) {
                    if v > 0.0 && v < hi {
                        *d = g;
                    }
                }
            }),
    }
    dz
}

#[cfg(test)]
mod tests;
