//! clamp: `y = min(max(x, lo), hi)` with either bound optional (PyTorch's `clamp(min, max)`).
//! `dy/dx = 1` where `lo < x < hi` and 0 elsewhere: at a bound the gradient is 0, as
//! PyTorch 2.15 computes it (checked live: `clamp([0, 1, 0.5], 0, 1)` gives `[0, 0, 1]`;
//! older PyTorch versions passed it, and PyTorch's own tensor-bound clamp splits it 1/2).
//!
//! As PyTorch: NaN stays NaN and takes gradient 0; with `lo > hi` every element becomes `hi`
//! and takes gradient 0; with neither bound the call panics.

use crate::{Tensor, Var};

#[inline]
fn clamp1(x: f32, lo: Option<f32>, hi: Option<f32>) -> f32 {
    let mut y = x;
    if let Some(lo) = lo {
        if y < lo {
            y = lo;
        }
    }
    if let Some(hi) = hi {
        if y > hi {
            y = hi;
        }
    }
    y
}

#[inline]
fn passes(x: f32, lo: Option<f32>, hi: Option<f32>) -> bool {
    lo.is_none_or(|lo| x > lo) && hi.is_none_or(|hi| x < hi)
}

#[track_caller]
fn check(lo: Option<f32>, hi: Option<f32>) {
    if lo.is_none() && hi.is_none() {
        panic!("clamp: at least one of min and max must be given");
    }
}

impl Tensor {
    /// Each element limited to `[min, max]` (either bound optional).
    #[track_caller]
    pub fn clamp(&self, min: Option<f32>, max: Option<f32>) -> Tensor {
        check(min, max);
        self.map(move |x| clamp1(x, min, max))
    }
}

impl Var {
    /// Each element limited to `[min, max]`; the gradient passes strictly inside the bounds.
    #[track_caller]
    pub fn clamp(&self, min: Option<f32>, max: Option<f32>) -> Var {
        let x = self.value().clone();
        self.from_unary(x.clamp(min, max), move |g| {
            g.zip_map(
                &x,
                "clamp",
                |g, x| if passes(x, min, max) { g } else { 0.0 },
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::Tensor;

    #[test]
    fn matches_pytorch() {
        check_cases("clamp");
    }

    #[test]
    fn gradcheck() {
        // Inputs away from the bounds (the derivative jumps there).
        let x = Tensor::from_vec(vec![-1.5, -0.3, 0.2, 0.7, 1.6], &[5]);
        assert_gradcheck(
            |v| v[0].clamp(Some(-0.5), Some(1.0)),
            std::slice::from_ref(&x),
        );
        assert_gradcheck(|v| v[0].clamp(None, Some(0.5)), &[x]);
    }

    #[test]
    #[should_panic(expected = "clamp: at least one of min and max must be given")]
    fn no_bound() {
        Tensor::zeros(&[2]).clamp(None, None);
    }
}
