//! exp: `y = e^x`; `dy/dx = e^x = y` (the saved output is reused, no second `exp`).
//!
//! Trap: in f32, `e^x` overflows to `inf` above x ≈ 88.72 and underflows to 0 below about
//! -103.9, exactly as PyTorch's float32 `exp`. Ops that need `exp` of large logits
//! (softmax, log_softmax, cross_entropy, softplus, bce_with_logits) shift or branch first.

use crate::{Tensor, Var};

/// `e^x` in branch-free arithmetic that the compiler vectorises (a libm `expf` call per
/// element does not), within 2 ulp of `f32::exp` for `x` in [-86.5, 88.72]; `inf` above, 0
/// below -86.5 (where the exact value is below 2.7e-38), NaN for NaN. Cephes' `expf`: `x = n ln2
/// + r` with `|r| <= ln2 / 2`, a degree-7 polynomial for `e^r`, and `2^n` built from its
/// exponent bits. For the ops whose saved values do not need `exp`'s exact underflow
/// (sigmoid, cross_entropy); `Tensor::exp` itself keeps `f32::exp`.
#[inline(always)]
// The if-chain (not `clamp`) keeps the select form the vectoriser handles best.
#[allow(clippy::manual_clamp)]
#[track_caller]
pub(crate) fn exp_fast(x: f32) -> f32 {
    const LO: f32 = -86.5;
    const HI: f32 = 88.722_83;
    let xc = if x < LO {
        LO
    } else if x > HI {
        HI
    } else {
        x
    };
    // Round to nearest with the 1.5 * 2^23 trick (exact for |t| < 2^22; no libm `round`).
    let n = (xc * std::f32::consts::LOG2_E + 12_582_912.0) - 12_582_912.0;
    let r = xc - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 0.166_666_65)
        * r
        + 0.5;
    let y = p * r * r + r + 1.0;
    // 2^n as 2^(n-1) * 2 so that n = 128 (x just below HI) stays finite; n >= -125 here.
    let scale = f32::from_bits((((n as i32) + 126).max(0) as u32) << 23);
    let v = y * scale * 2.0;
    if x > HI {
        f32::INFINITY
    } else if x < LO {
        0.0
    } else {
        v
    }
}

impl Tensor {
    /// `e^self` elementwise.
    pub fn exp(&self) -> Tensor {
        self.map(f32::exp)
    }
}

impl Var {
    /// `e^self` elementwise.
    pub fn exp(&self) -> Var {
        let y = self.value().exp();
        let saved = y.clone();
        self.from_unary(y, move |g| g.zip_map(&saved, "exp", |g, y| g * y))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::Tensor;

    #[test]
    fn exp_fast_matches_libm() {
        let mut worst = 0.0f64;
        let mut x = -86.5f32;
        while x <= 88.7 {
            let (a, b) = (super::exp_fast(x) as f64, x.exp() as f64);
            worst = worst.max((a - b).abs() / b);
            x += 0.0137;
        }
        assert!(worst < 3e-7, "relative error {worst}");
        assert_eq!(super::exp_fast(0.0), 1.0);
        assert_eq!(super::exp_fast(-1e4), 0.0);
        assert_eq!(super::exp_fast(89.0), f32::INFINITY);
        assert!(super::exp_fast(f32::NAN).is_nan());
        assert!(super::exp_fast(88.72).is_finite());
    }

    #[test]
    fn matches_pytorch() {
        check_reference("exp", |v| v[0].exp());
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].exp(), &inputs("exp"));
    }

    #[test]
    fn overflow_and_underflow_as_f32() {
        let y = Tensor::from_vec(vec![-200.0, 0.0, 200.0], &[3]).exp();
        assert_eq!(y.to_vec(), vec![0.0, 1.0, f32::INFINITY]);
    }
}
