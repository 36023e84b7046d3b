//! Unit tests of `train::parallel`.

use super::*;
use crate::rng::Rng;

fn rand_vec(r: &mut Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| r.normal() as f32).collect()
}

fn with_threads<R: Send>(t: usize, f: impl FnOnce() -> R + Send) -> R {
    pool(t).unwrap().install(f)
}

#[test]
fn dense_kernels_are_bit_identical_to_the_serial_ones_for_any_thread_count() {
    let mut r = Rng::new(5);
    let (n, inp, out) = (37, 29, 23);
    let x = rand_vec(&mut r, n * inp);
    let w = rand_vec(&mut r, out * inp);
    let b = rand_vec(&mut r, out);
    let dy = rand_vec(&mut r, n * out);
    let mut y0 = vec![0.0; n * out];
    super::super::layers::dense_forward(&x, n, &w, &b, &mut y0);
    let (mut dw0, mut db0, mut dx0) = (vec![0.0; w.len()], vec![0.0; out], vec![0.0; x.len()]);
    super::super::layers::dense_backward(&x, n, &w, &dy, &mut dw0, &mut db0, Some(&mut dx0));
    for t in [1, 2, 3, 8] {
        with_threads(t, || {
            let mut y = vec![0.0; n * out];
            dense_forward(&x, n, &w, &b, &mut y);
            assert_eq!(y, y0, "{t} threads");
            let (mut dw, mut db, mut dx) = (vec![1.0; w.len()], vec![1.0; out], vec![1.0; x.len()]);
            dense_backward(&x, n, &w, &dy, &mut dw, &mut db, Some(&mut dx));
            assert_eq!((&dw, &db, &dx), (&dw0, &db0, &dx0), "{t} threads");
        });
    }
}

#[test]
fn conv_kernels_match_the_batched_ones_and_do_not_depend_on_threads() {
    // The row-copy fast path (stride 1) and the plain-loop fallback (stride 2), with 3×3 and
    // 5×5 kernels, "same" and no padding.
    for (k, pad, stride) in [(3, 1, 1), (5, 2, 2), (5, 0, 1), (3, 1, 2), (1, 0, 2)] {
        conv_kernels_match(k, pad, stride);
    }
}

fn conv_kernels_match(k: usize, pad: usize, stride: usize) {
    let mut r = Rng::new(6);
    let s = ConvShape {
        in_c: 3,
        in_h: 7,
        in_w: 6,
        out_c: 5,
        k,
        pad,
        stride,
    };
    let n = 19; // two full chunks and a partial one
    let x = rand_vec(&mut r, n * s.in_len());
    let w = rand_vec(&mut r, s.out_c * s.col_rows());
    let b = rand_vec(&mut r, s.out_c);
    let dy = rand_vec(&mut r, n * s.out_c * s.out_pixels());
    let (mut cols, mut tmp, mut y0) = (Vec::new(), Vec::new(), vec![0.0; dy.len()]);
    super::super::layers::conv_forward(&x, n, &s, &w, &b, &mut cols, &mut tmp, &mut y0);
    let (mut dw0, mut db0, mut dx0) = (vec![0.0; w.len()], vec![0.0; b.len()], vec![0.0; x.len()]);
    super::super::layers::conv_backward(&cols, n, &s, &w, &dy, &mut dw0, &mut db0, Some(&mut dx0));
    let mut first = None;
    for t in [1, 2, 4] {
        let got = with_threads(t, || {
            let mut y = vec![0.0; dy.len()];
            conv_forward(&x, &s, &w, &b, &mut y);
            // Per-sample GEMMs sum each output over the same depth: identical values.
            assert_eq!(y, y0, "{s:?}");
            let (mut dw, mut db, mut dx) =
                (vec![0.0; w.len()], vec![0.0; b.len()], vec![0.0; x.len()]);
            conv_backward(&x, &s, &w, &dy, &mut dw, &mut db, Some(&mut dx));
            assert_eq!(dx, dx0, "dx is per sample, {s:?}");
            for (a, c) in dw.iter().zip(&dw0).chain(db.iter().zip(&db0)) {
                assert!((a - c).abs() <= 1e-4 * (1.0 + c.abs()), "{a} vs {c}");
            }
            (dw, db)
        });
        // The batch sums follow the fixed chunks: the same bits for every thread count.
        assert_eq!(
            first.get_or_insert_with(|| got.clone()),
            &got,
            "{t} threads"
        );
    }
}

#[test]
fn one_sample_im2col_matches_the_generic_one() {
    let mut r = Rng::new(8);
    for (c, h, w, k, pad, stride) in [
        (2, 5, 4, 3, 1, 1),
        (1, 3, 7, 3, 0, 1),
        (3, 4, 4, 1, 0, 1),
        (1, 6, 5, 5, 2, 1),
        (2, 8, 8, 5, 0, 1),
        // A kernel wider than the map, the padding reaching past it on both sides.
        (1, 1, 1, 5, 2, 1),
        (2, 2, 1, 5, 2, 1),
        (1, 3, 3, 5, 2, 1),
        // Strided: the plain-loop fallback.
        (2, 8, 8, 5, 2, 2),
        (1, 7, 6, 3, 1, 2),
        (1, 1, 1, 5, 2, 2),
    ] {
        let s = ConvShape {
            in_c: c,
            in_h: h,
            in_w: w,
            out_c: 1,
            k,
            pad,
            stride,
        };
        let x = rand_vec(&mut r, s.in_len());
        let mut want = Vec::new();
        super::super::layers::im2col(&x, 1, &s, &mut want);
        let mut got = vec![f32::NAN; want.len()];
        im2col_one(&x, &s, &mut got);
        assert_eq!(got, want, "{s:?}");
        let d = rand_vec(&mut r, want.len());
        let mut want_dx = vec![0.0; x.len()];
        super::super::layers::col2im(&d, 1, &s, &mut want_dx);
        let mut dx = vec![f32::NAN; x.len()];
        col2im_one(&d, &s, &mut dx);
        assert_eq!(dx, want_dx, "{s:?}");
    }
}

#[test]
fn activation_step_matches_relu_quant_and_maxpool() {
    let mut r = Rng::new(7);
    let (n, planes, h, w) = (3, 2, 5, 6);
    let z = rand_vec(&mut r, n * planes * h * w);
    let (st, qmax) = (0.1f32, 15.0f32);
    let relu_q: Vec<f32> = z
        .iter()
        .map(|&v| super::super::quantizer::fake_quant_act(v.max(0.0), st, qmax))
        .collect();
    let (want, want_idx) = super::super::layers::maxpool2(&relu_q, n * planes, h, w);
    let (a, idx) = activate(&z, n, Some((st, qmax)), Some((planes, h, w)));
    assert_eq!((a, idx.clone()), (want, want_idx));
    let (a, none) = activate(&z, n, None, None);
    assert!(none.is_empty());
    assert_eq!(a, z.iter().map(|v| v.max(0.0)).collect::<Vec<_>>());
    // Backward: gradient only at the maxima inside (0, hi).
    let da = vec![1.0f32; idx.len()];
    let dz = activate_backward(&da, Some(&idx), &z, n, 1.0);
    for (i, &g) in dz.iter().enumerate() {
        let want = idx.contains(&i) && z[i] > 0.0 && z[i] < 1.0;
        assert_eq!(g, if want { 1.0 } else { 0.0 });
    }
}
