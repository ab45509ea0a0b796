//! PyTorch's `lerp`, rounded as its CPU kernels round it.

/// PyTorch's `lerp(start, end, weight)` as its vectorized CPU kernel computes it: one fused
/// multiply-add, from `start` for small weights and from `end` otherwise (exact at either
/// end). Matching its rounding matters where a one-ulp difference is amplified (Muon's
/// bfloat16 iterations).
#[inline]
pub(crate) fn lerp(start: f32, end: f32, weight: f32) -> f32 {
    if weight.abs() < 0.5 {
        weight.mul_add(end - start, start)
    } else {
        (weight - 1.0).mul_add(end - start, end)
    }
}
