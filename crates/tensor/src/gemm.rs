//! Single-precision GEMM: `C = A B` (or `C += A B`) on strided views, through matrixmultiply's
//! run-time-dispatched (AVX2/FMA, AVX-512) kernels.
//!
//! Large products are split along M into row bands that rayon runs on its threads, each band a
//! single-threaded matrixmultiply call: on the 2-core machine this beats matrixmultiply's own
//! threading. Small products stay on the calling thread. Operands may be any strided view
//! (a transposed view costs nothing), so backward rules never materialise `A^T` or `B^T`.

use ndarray::{ArrayView2, ArrayViewMut2};
use rayon::prelude::*;

/// Multiply-adds (m * n * k) from which a product is split across threads.
const PAR_MIN_FLOPS: usize = 1 << 21;
/// Smallest band of rows given to one thread.
const MIN_ROWS_PER_BAND: usize = 32;

/// `c = a @ b + beta * c` for `a` [m, k], `b` [k, n], `c` [m, n] (`beta` 0 overwrites `c`,
/// even if it held NaN). Panics if the inner or outer dimensions disagree.
pub fn gemm(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>, beta: f32, c: ArrayViewMut2<'_, f32>) {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    assert!(
        k == k2 && c.dim() == (m, n),
        "gemm: [{m}, {k}] @ [{k2}, {n}] into [{}, {}]",
        c.dim().0,
        c.dim().1
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        // An empty sum: c = beta * c (beta 0 clears, whatever c held).
        let mut c = c;
        if beta == 0.0 {
            c.fill(0.0);
        } else {
            c.mapv_inplace(|x| beta * x);
        }
        return;
    }
    let threads = rayon::current_num_threads();
    let bands = if m * n * k >= PAR_MIN_FLOPS && threads > 1 {
        threads.min(m / MIN_ROWS_PER_BAND).max(1)
    } else {
        1
    };
    if bands == 1 {
        kernel(a, b, beta, c);
        return;
    }
    let rows = m.div_ceil(bands);
    let mut c = c;
    let c_bands: Vec<ArrayViewMut2<'_, f32>> =
        c.axis_chunks_iter_mut(ndarray::Axis(0), rows).collect();
    c_bands.into_par_iter().enumerate().for_each(|(i, cb)| {
        let r0 = i * rows;
        let a_band = a.slice(ndarray::s![r0..r0 + cb.nrows(), ..]);
        kernel(a_band, b, beta, cb);
    });
}

fn kernel(
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    mut c: ArrayViewMut2<'_, f32>,
) {
    let (m, k) = a.dim();
    let n = b.dim().1;
    let [rsa, csa] = [a.strides()[0], a.strides()[1]];
    let [rsb, csb] = [b.strides()[0], b.strides()[1]];
    let [rsc, csc] = [c.strides()[0], c.strides()[1]];
    // SAFETY: the pointers and strides come from live ndarray views whose dimensions were
    // checked against each other above ([m, k] @ [k, n] into [m, n]); matrixmultiply reads
    // only inside those extents and writes only to c, which we hold mutably. Views with
    // negative strides are valid input: matrixmultiply takes isize strides.
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
            rsc,
            csc,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn naive(a: &Array2<f32>, b: &Array2<f32>) -> Array2<f32> {
        let (m, k) = a.dim();
        let n = b.dim().1;
        Array2::from_shape_fn((m, n), |(i, j)| (0..k).map(|p| a[[i, p]] * b[[p, j]]).sum())
    }

    #[test]
    fn odd_sizes_and_transposed_views_match_naive() {
        for &(m, k, n) in &[
            (0, 3, 4),
            (1, 1, 1),
            (3, 0, 2),
            (63, 65, 1),
            (65, 63, 17),
            (130, 129, 70),
        ] {
            let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
            let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.5 - 3.0);
            let want = naive(&a, &b);
            // NaN canary: beta = 0 must overwrite whatever c held.
            let mut c = Array2::from_elem((m, n), f32::NAN);
            gemm(a.view(), b.view(), 0.0, c.view_mut());
            assert_eq!(c, want, "({m},{k},{n})");
            // The same product through transposed storage.
            let at = a.t().to_owned();
            let bt = b.t().to_owned();
            let mut c2 = Array2::from_elem((m, n), 1.0);
            gemm(at.t(), bt.t(), 1.0, c2.view_mut());
            assert_eq!(c2, want.mapv(|x| x + 1.0), "transposed ({m},{k},{n})");
        }
    }

    #[test]
    fn parallel_split_matches_single_thread() {
        let (m, k, n) = (257, 96, 130);
        let a = Array2::from_shape_fn((m, k), |(i, j)| ((i + 2 * j) % 9) as f32 - 4.0);
        let b = Array2::from_shape_fn((k, n), |(i, j)| ((3 * i + j) % 7) as f32 - 3.0);
        let mut c = Array2::zeros((m, n));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| gemm(a.view(), b.view(), 0.0, c.view_mut()));
        assert_eq!(c, naive(&a, &b));
    }
}
