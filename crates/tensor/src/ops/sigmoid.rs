//! sigmoid: `y = 1 / (1 + e^-x)`; `dy/dx = y (1 - y)`.
//!
//! Trap: `1 / (1 + e^-x)` overflows `e^-x` for x below about -88 in f32. For x < 0 the value
//! is computed as `e^x / (1 + e^x)` instead, which is finite for every x (this is why sigmoid
//! has its own rule rather than being composed from exp and div).

use crate::{Tensor, Var};

/// The numerically stable logistic function: with `e = e^-|x|` (never overflows),
/// `1 / (1 + e)` for x >= 0 and `e / (1 + e)` below. Branch-free (a select), with the
/// vectorisable [`exp_fast`](super::exp::exp_fast), so the loop runs 8 lanes wide.
#[inline(always)]
pub(crate) fn sigmoid(x: f32) -> f32 {
    let e = super::exp::exp_fast(-x.abs());
    let r = 1.0 / (1.0 + e);
    if x >= 0.0 {
        r
    } else {
        e * r
    }
}

impl Tensor {
    /// The logistic function elementwise, finite for every input.
    pub fn sigmoid(&self) -> Tensor {
        self.map(sigmoid)
    }
}

impl Var {
    /// The logistic function elementwise, finite for every input.
    pub fn sigmoid(&self) -> Var {
        let y = self.value().sigmoid();
        let saved = y.clone();
        self.from_unary(y, move |g| {
            g.zip_map(&saved, "sigmoid", |g, y| g * y * (1.0 - y))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch_including_extremes() {
        check_reference("sigmoid", |v| v[0].sigmoid());
        check_reference("sigmoid_extreme", |v| v[0].sigmoid());
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].sigmoid(), &inputs("sigmoid"));
    }

    #[test]
    fn finite_everywhere() {
        let x = crate::Tensor::from_vec(vec![-1e4, -120.0, -88.8, 0.0, 88.8, 1e4], &[6]);
        let y = x.sigmoid();
        assert!(y.all_finite(), "{y}");
        assert_eq!(y.as_slice()[0], 0.0);
        assert_eq!(y.as_slice()[5], 1.0);
    }
}
