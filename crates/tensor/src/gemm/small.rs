//! The direct kernel for small products (the layers of SimpleNet and of small MLPs), where
//! packing both operands would cost more than the whole product.

use ndarray::{ArrayView2, ArrayViewMut2};

/// The direct kernel for small products, dispatched to an AVX2+FMA build when the CPU has it.
pub(super) fn small(
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    mut c: ArrayViewMut2<'_, f32>,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if crate::parallel::has_avx2_fma() {
            // SAFETY: the CPU supports AVX2 and FMA (checked just above).
            unsafe { small_avx2(a, b, beta, c.view_mut()) };
            return;
        }
    }
    small_body::<false>(a, b, beta, c.view_mut());
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn small_avx2(
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    c: ArrayViewMut2<'_, f32>,
) {
    small_body::<true>(a, b, beta, c)
}

/// Columns of `c` computed together by the small kernel (two 8-lane registers).
const NB: usize = 16;
/// Rows of `c` computed together (independent accumulator chains hide the FMA latency).
const MB: usize = 4;

/// `c = a b + beta c` by direct loops: for each block of [`NB`] columns, the block of `b` is
/// copied (any strides) into a zero-padded `[k, NB]` buffer; then each group of [`MB`] rows
/// of `c` is accumulated in registers, `acc[r] += a[i + r, p] * bpad[p]` over p (fixed-width
/// loops the compiler unrolls into FMAs), and added into `c` once. No ndarray views per row:
/// building one costs more than a small row's arithmetic.
#[inline(always)]
fn small_body<const FMA: bool>(
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    mut c: ArrayViewMut2<'_, f32>,
) {
    let (m, k) = a.dim();
    let n = b.dim().1;
    if beta == 0.0 {
        c.fill(0.0);
    } else if beta != 1.0 {
        c.mapv_inplace(|x| beta * x);
    }
    let [rsa, csa] = [a.strides()[0], a.strides()[1]];
    let [rsb, csb] = [b.strides()[0], b.strides()[1]];
    let [rsc, csc] = [c.strides()[0], c.strides()[1]];
    let (ap, bp, cp) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
    let mut pack = vec![0.0f32; k * NB];
    // SAFETY: every pointer offset below is i * rs + j * cs with i, j inside the view's
    // extents ([m, k] for a, [k, n] for b, [m, n] for c, checked by `gemm`): i < m, p < k and
    // j0 + jj < j0 + w <= n. So each addresses an element of a live view; `c` is held
    // mutably and does not alias `a` or `b` (shared borrows while `c` is a unique one).
    unsafe {
        let at = |i: usize, p: usize| *ap.offset(i as isize * rsa + p as isize * csa);
        for j0 in (0..n).step_by(NB) {
            let w = NB.min(n - j0);
            for (p, row) in pack.chunks_exact_mut(NB).enumerate() {
                for (jj, x) in row.iter_mut().enumerate() {
                    *x = if jj < w {
                        *bp.offset(p as isize * rsb + (j0 + jj) as isize * csb)
                    } else {
                        0.0
                    };
                }
            }
            let store = |i: usize, acc: &[f32; NB]| {
                for (jj, &v) in acc.iter().enumerate().take(w) {
                    *cp.offset(i as isize * rsc + (j0 + jj) as isize * csc) += v;
                }
            };
            let mut i = 0;
            while i + MB <= m {
                let mut acc = [[0.0f32; NB]; MB];
                let x = |r: usize, p: usize| at(i + r, p);
                if FMA {
                    #[cfg(target_arch = "x86_64")]
                    avx2::rows4(&pack, &x, &mut acc);
                } else {
                    for (p, bq) in pack.chunks_exact(NB).enumerate() {
                        for (r, accr) in acc.iter_mut().enumerate() {
                            let x = x(r, p);
                            for l in 0..NB {
                                accr[l] += x * bq[l];
                            }
                        }
                    }
                }
                for (r, accr) in acc.iter().enumerate() {
                    store(i + r, accr);
                }
                i += MB;
            }
            for i in i..m {
                let mut acc = [0.0f32; NB];
                for (p, bq) in pack.chunks_exact(NB).enumerate() {
                    let x = at(i, p);
                    for l in 0..NB {
                        acc[l] = madd::<FMA>(x, bq[l], acc[l]);
                    }
                }
                store(i, &acc);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{MB, NB};
    use std::arch::x86_64::*;

    /// `acc[r] += x(r, p) * pack[p]` over p for [`MB`] rows: eight 8-lane accumulators in
    /// registers. Only reached from `small_avx2` (compiled with AVX2 and FMA, which the CPU
    /// was checked to have), into which it is inlined.
    #[inline(always)]
    pub(super) fn rows4(pack: &[f32], x: &impl Fn(usize, usize) -> f32, acc: &mut [[f32; NB]; MB]) {
        // SAFETY: the intrinsics need AVX2 and FMA, which the only caller (inlined into the
        // `target_feature(enable = "avx2,fma")` function `small_avx2`) guarantees; loads read
        // 16 floats from each `NB`-float chunk of `pack`, stores write 16 floats into each
        // `acc[r]` (unaligned forms).
        unsafe {
            let mut v = [_mm256_setzero_ps(); 2 * MB];
            for (p, bq) in pack.chunks_exact(NB).enumerate() {
                let b0 = _mm256_loadu_ps(bq.as_ptr());
                let b1 = _mm256_loadu_ps(bq.as_ptr().add(8));
                for r in 0..MB {
                    let xr = _mm256_set1_ps(x(r, p));
                    v[2 * r] = _mm256_fmadd_ps(xr, b0, v[2 * r]);
                    v[2 * r + 1] = _mm256_fmadd_ps(xr, b1, v[2 * r + 1]);
                }
            }
            for r in 0..MB {
                _mm256_storeu_ps(acc[r].as_mut_ptr(), v[2 * r]);
                _mm256_storeu_ps(acc[r].as_mut_ptr().add(8), v[2 * r + 1]);
            }
        }
    }
}

/// `a * b + c`: one fused instruction in the FMA build, a multiply and an add otherwise
/// (`mul_add` without hardware FMA would be a slow library call).
#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}
