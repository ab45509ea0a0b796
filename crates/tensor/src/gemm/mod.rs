//! Single-precision GEMM: `C = A B` (or `C = A B + beta C`) on strided views.
//!
//! Three paths, chosen per call:
//! - small products (at most [`SMALL_MAX_FLOPS`] multiply-adds: the layers of SimpleNet and
//!   of small MLPs) run a direct register-blocked loop (`small.rs`), since packing both
//!   operands would cost more than the whole product;
//! - on CPUs with AVX2 and FMA (detected at run time; no `target-cpu=native` needed), the
//!   rest runs tapegrad's packed GEMM (`packed.rs`, micro-kernel in `kernel_avx2.rs`), which
//!   spreads row blocks over rayon's threads for products of at least 2^21 multiply-adds;
//! - elsewhere (other CPUs, negative strides) matrixmultiply, split along M into row bands
//!   that rayon runs on its threads.
//!
//! Operands may be any strided view (a transposed view costs nothing), so backward rules never
//! materialise `A^T` or `B^T`.

use ndarray::{ArrayView2, ArrayViewMut2};
use rayon::prelude::*;

#[cfg(target_arch = "x86_64")]
mod kernel_avx2;
#[cfg(target_arch = "x86_64")]
mod packed;
mod small;

/// Multiply-adds (m * n * k) from which a product is split across threads.
const PAR_MIN_FLOPS: usize = 1 << 21;
/// Smallest band of rows given to one thread (matrixmultiply path).
const MIN_ROWS_PER_BAND: usize = 32;
/// Multiply-adds up to which a product runs the direct small kernel (measured: at 32x64x64
/// the direct loop and a packed GEMM are even; below, the direct loop wins).
pub const SMALL_MAX_FLOPS: usize = 1 << 15;

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
    if m * n * k <= SMALL_MAX_FLOPS {
        small::small(a, b, beta, c);
        return;
    }
    #[cfg(target_arch = "x86_64")]
    {
        let strides = [a.strides(), b.strides(), c.strides()];
        if crate::parallel::has_avx2_fma() && strides.iter().all(|s| s.iter().all(|&x| x >= 0)) {
            let mut c = c;
            let mat = |v: &ArrayView2<'_, f32>| packed::Mat {
                ptr: v.as_ptr(),
                rs: v.strides()[0],
                cs: v.strides()[1],
            };
            let cm = packed::MatMut {
                ptr: c.as_mut_ptr(),
                rs: c.strides()[0],
                cs: c.strides()[1],
            };
            // SAFETY: AVX2 and FMA were detected; the pointers and strides come from live
            // views whose shapes were checked above ([m, k] @ [k, n] into [m, n], all
            // non-zero), with non-negative strides; `c` is borrowed mutably, so it overlaps
            // neither `a` nor `b` and nothing else touches it during the call.
            unsafe { packed::gemm(m, n, k, mat(&a), mat(&b), beta, cm) };
            return;
        }
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

/// `a @ b` in a new array (its buffer from the [`crate::pool`]: gemm with beta 0 overwrites
/// every element, so stale values never show).
pub(crate) fn product(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>) -> ndarray::Array2<f32> {
    let buf = crate::pool::take(a.nrows() * b.ncols());
    let mut c = ndarray::Array2::from_shape_vec((a.nrows(), b.ncols()), buf)
        .expect("buffer length is m * n");
    gemm(a, b, 0.0, c.view_mut());
    c
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

    /// Small-integer operands keep every partial sum exact, so any summation order must give
    /// exactly the naive result.
    fn exact_operands(m: usize, k: usize, n: usize) -> (Array2<f32>, Array2<f32>) {
        let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
        let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.5 - 3.0);
        (a, b)
    }

    #[test]
    fn packed_blocks_edges_beta_and_strided_c() {
        // Sizes that cross the packed kernel's row block (144), depth block (256) and column
        // block (3072), with partial 6x16 tiles at every edge.
        for &(m, k, n) in &[(150, 520, 40), (7, 300, 3100), (13, 17, 19), (6, 256, 16)] {
            let (a, b) = exact_operands(m, k, n);
            let want = naive(&a, &b);
            let mut c = Array2::from_elem((m, n), f32::NAN);
            gemm(a.view(), b.view(), 0.0, c.view_mut());
            assert_eq!(c, want, "({m},{k},{n})");
            // beta 0.5 into a C stored transposed (column strides != 1).
            let mut ct = Array2::from_elem((n, m), 2.0f32);
            gemm(a.view(), b.view(), 0.5, ct.view_mut().reversed_axes());
            assert_eq!(
                ct.t(),
                want.mapv(|x| x + 1.0),
                "beta, strided c ({m},{k},{n})"
            );
        }
    }

    #[test]
    fn negative_strides_take_the_fallback_and_agree() {
        let (a, b) = exact_operands(70, 90, 50);
        let ar = a.slice(ndarray::s![..;-1, ..]);
        let want = naive(&ar.to_owned(), &b);
        let mut c = Array2::zeros((70, 50));
        gemm(ar, b.view(), 0.0, c.view_mut());
        assert_eq!(c, want);
    }

    #[test]
    fn results_do_not_depend_on_thread_count() {
        use rand::Rng;
        let mut rng = crate::rng_from_seed(9);
        let (m, k, n) = (300, 700, 200);
        let a = Array2::from_shape_fn((m, k), |_| rng.random_range(-1.0f32..1.0));
        let b = Array2::from_shape_fn((k, n), |_| rng.random_range(-1.0f32..1.0));
        let run = |threads: usize| {
            let mut c = Array2::zeros((m, n));
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| gemm(a.view(), b.view(), 0.0, c.view_mut()));
            c
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one, two);
        let want = a.dot(&b);
        let err = (&one - &want).iter().fold(0.0f32, |e, x| e.max(x.abs()));
        assert!(err < 1e-4, "max error {err} against ndarray's dot");
    }

    #[test]
    fn random_shapes_layouts_and_betas_match_naive() {
        use rand::Rng;
        let mut rng = crate::rng_from_seed(21);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        for case in 0..60 {
            // Mostly past the small-kernel bound, with every edge remainder of the 6x16 tile.
            let (m, k, n) = (
                rng.random_range(1..200usize),
                rng.random_range(1..300usize),
                rng.random_range(1..200usize),
            );
            let (a, b) = exact_operands(m, k, n);
            let want = naive(&a, &b);
            let (at, bt) = (a.t().to_owned(), b.t().to_owned());
            let a_view = if case % 2 == 0 { a.view() } else { at.t() };
            let b_view = if case % 3 == 0 { b.view() } else { bt.t() };
            let beta = [0.0f32, 1.0, 0.5][case % 3];
            let mut c = Array2::from_elem((m, n), if beta == 0.0 { f32::NAN } else { 2.0 });
            let threads_run = |c: &mut Array2<f32>| gemm(a_view, b_view, beta, c.view_mut());
            if case % 4 == 0 {
                pool.install(|| threads_run(&mut c));
            } else {
                threads_run(&mut c);
            }
            let expect = want.mapv(|x| x + if beta == 0.0 { 0.0 } else { 2.0 * beta });
            assert_eq!(c, expect, "case {case}: ({m},{k},{n}), beta {beta}");
        }
    }
}
