//! softplus (PyTorch's `softplus(x, beta, threshold)`, defaults `beta = 1`, `threshold = 20`):
//! `y = ln(1 + e^(βx)) / β` where `βx <= threshold` and `y = x` above;
//! `dy/dx = sigmoid(βx)` (exactly 1 above the threshold, as PyTorch; NaN stays NaN).
//!
//! Traps: `e^x` overflows for x > 88 in f32, hence the linear branch (where `ln(1 + e^x)`
//! equals x to f32 precision anyway); `ln_1p` keeps precision when `e^x` is tiny; the
//! derivative uses the stable [`sigmoid`](super::sigmoid) rather than `e^x / (1 + e^x)`.

use super::sigmoid::sigmoid;
use crate::{Tensor, Var};

/// PyTorch's default threshold above which softplus is linear.
const THRESHOLD: f32 = 20.0;

#[inline]
fn softplus(x: f32, beta: f32, threshold: f32) -> f32 {
    let bx = x * beta;
    if bx > threshold {
        x
    } else {
        bx.exp().ln_1p() / beta
    }
}

impl Tensor {
    /// `ln(1 + e^self)` elementwise (linear above 20, as PyTorch's defaults).
    pub fn softplus(&self) -> Tensor {
        self.softplus_with(1.0, THRESHOLD)
    }

    /// `ln(1 + e^(β self)) / β` elementwise, linear where `β self > threshold`.
    pub fn softplus_with(&self, beta: f32, threshold: f32) -> Tensor {
        self.map(move |x| softplus(x, beta, threshold))
    }
}

impl Var {
    /// `ln(1 + e^self)` elementwise (linear above 20, as PyTorch's defaults).
    pub fn softplus(&self) -> Var {
        self.softplus_with(1.0, THRESHOLD)
    }

    /// `ln(1 + e^(β self)) / β` elementwise, linear where `β self > threshold`.
    pub fn softplus_with(&self, beta: f32, threshold: f32) -> Var {
        let x = self.value().clone();
        self.from_unary(x.softplus_with(beta, threshold), move |g| {
            g.zip_map(&x, "softplus", |g, x| {
                if x * beta > threshold {
                    g
                } else {
                    g * sigmoid(x * beta)
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("softplus", |v| v[0].softplus());
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].softplus(), &inputs("softplus"));
        assert_gradcheck(|v| v[0].softplus_with(2.0, 3.0), &inputs("log"));
        assert_gradcheck(|v| v[0].softplus_with(0.5, 1.0), &inputs("softplus"));
    }

    #[test]
    fn matches_pytorch_with_options() {
        check_cases("softplus");
    }

    #[test]
    fn finite_at_extremes_and_linear_above_threshold() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(vec![-1e4, -120.0, 20.5, 120.0, 1e4], &[5]));
        let y = x.softplus();
        assert!(y.value().all_finite(), "{y}");
        assert_eq!(y.value().to_vec(), vec![0.0, 0.0, 20.5, 120.0, 1e4]);
        let g = y.backward_with(Tensor::ones(&[5]));
        assert_eq!(g.get(&x).unwrap().to_vec(), vec![0.0, 0.0, 1.0, 1.0, 1.0]);
    }
}
