//! Row-major GEMM wrappers over the `matrixmultiply` crate.
//!
//! All matrices are dense row-major slices. `ta`/`tb` select the transposed operand without
//! copying (the strides are swapped), so `C = beta·C + op(A)·op(B)` covers every product the
//! backward passes need. `sgemm` (f32) runs training; `dgemm` (f64) runs the integer-valued
//! evaluation path, where every product and sum of integers below 2^53 is exact.

/// `c[m×n] = beta·c + op(a)[m×k] · op(b)[k×n]` in f32. With `ta`, `a` is stored k×m; with
/// `tb`, `b` is stored n×k.
#[allow(clippy::too_many_arguments)]
pub fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    ta: bool,
    b: &[f32],
    tb: bool,
    beta: f32,
    c: &mut [f32],
) {
    assert_eq!(a.len(), m * k, "sgemm: a has the wrong size");
    assert_eq!(b.len(), k * n, "sgemm: b has the wrong size");
    assert_eq!(c.len(), m * n, "sgemm: c has the wrong size");
    if m == 0 || n == 0 {
        return;
    }
    let (rsa, csa) = if ta { (1, m as isize) } else { (k as isize, 1) };
    let (rsb, csb) = if tb { (1, k as isize) } else { (n as isize, 1) };
    // SAFETY: the asserts above guarantee every index the strides reach lies in the slices.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa,
            csa,
            b.as_ptr(),
            rsb,
            csb,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// `c[m×n] = beta·c + A·B` in f32 with explicit (row, column) strides of `a` (m×k) and `b`
/// (k×n), e.g. a block of columns of a row-major matrix read transposed; `c` is row-major.
#[allow(clippy::too_many_arguments)]
pub fn sgemm_strided(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    (rsa, csa): (isize, isize),
    b: &[f32],
    (rsb, csb): (isize, isize),
    beta: f32,
    c: &mut [f32],
) {
    assert_eq!(c.len(), m * n, "sgemm_strided: c has the wrong size");
    if m == 0 || n == 0 {
        return;
    }
    if k > 0 {
        let last = |r: usize, c: usize, rs: isize, cs: isize| {
            (r as isize - 1) * rs + (c as isize - 1) * cs
        };
        assert!(rsa >= 0 && csa >= 0 && rsb >= 0 && csb >= 0);
        assert!(
            last(m, k, rsa, csa) < a.len() as isize,
            "sgemm_strided: a too short"
        );
        assert!(
            last(k, n, rsb, csb) < b.len() as isize,
            "sgemm_strided: b too short"
        );
    }
    // SAFETY: the asserts above keep every index the non-negative strides reach in the slices.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa,
            csa,
            b.as_ptr(),
            rsb,
            csb,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// f64 version of [`sgemm`].
#[allow(clippy::too_many_arguments)]
pub fn dgemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f64],
    ta: bool,
    b: &[f64],
    tb: bool,
    beta: f64,
    c: &mut [f64],
) {
    assert_eq!(a.len(), m * k, "dgemm: a has the wrong size");
    assert_eq!(b.len(), k * n, "dgemm: b has the wrong size");
    assert_eq!(c.len(), m * n, "dgemm: c has the wrong size");
    if m == 0 || n == 0 {
        return;
    }
    let (rsa, csa) = if ta { (1, m as isize) } else { (k as isize, 1) };
    let (rsb, csb) = if tb { (1, k as isize) } else { (n as isize, 1) };
    // SAFETY: as in `sgemm`.
    unsafe {
        matrixmultiply::dgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa,
            csa,
            b.as_ptr(),
            rsb,
            csb,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(m: usize, k: usize, n: usize, a: &[f32], ta: bool, b: &[f32], tb: bool) -> Vec<f32> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut s = 0.0;
                for p in 0..k {
                    let av = if ta { a[p * m + i] } else { a[i * k + p] };
                    let bv = if tb { b[j * k + p] } else { b[p * n + j] };
                    s += av * bv;
                }
                c[i * n + j] = s;
            }
        }
        c
    }

    #[test]
    fn all_transpose_combinations_match_naive() {
        let (m, k, n) = (3, 5, 4);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
        for ta in [false, true] {
            for tb in [false, true] {
                let mut c = vec![0.0; m * n];
                sgemm(m, k, n, &a, ta, &b, tb, 0.0, &mut c);
                let r = naive(m, k, n, &a, ta, &b, tb);
                for (x, y) in c.iter().zip(&r) {
                    assert!((x - y).abs() < 1e-5, "ta={ta} tb={tb}");
                }
                let ad: Vec<f64> = a.iter().map(|&v| v as f64).collect();
                let bd: Vec<f64> = b.iter().map(|&v| v as f64).collect();
                let mut cd = vec![1.0; m * n];
                dgemm(m, k, n, &ad, ta, &bd, tb, 1.0, &mut cd);
                for (x, y) in cd.iter().zip(&r) {
                    assert!((x - 1.0 - *y as f64).abs() < 1e-5);
                }
            }
        }
    }
}
