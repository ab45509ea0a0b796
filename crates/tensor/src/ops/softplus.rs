//! softplus (PyTorch's, `beta = 1`, `threshold = 20`): `y = ln(1 + e^x)` for x <= 20 and
//! `y = x` above; `dy/dx = sigmoid(x)` (exactly 1 above the threshold).
//!
//! Traps: `e^x` overflows for x > 88 in f32, hence the linear branch (where `ln(1 + e^x)`
//! equals x to f32 precision anyway); `ln_1p` keeps precision when `e^x` is tiny; the
//! derivative uses the stable [`sigmoid`](super::sigmoid) rather than `e^x / (1 + e^x)`.

use super::sigmoid::sigmoid;
use crate::{Tensor, Var};

/// PyTorch's default threshold above which softplus is linear.
const THRESHOLD: f32 = 20.0;

#[inline]
fn softplus(x: f32) -> f32 {
    if x > THRESHOLD {
        x
    } else {
        x.exp().ln_1p()
    }
}

impl Tensor {
    /// `ln(1 + e^self)` elementwise (linear above 20, as PyTorch).
    pub fn softplus(&self) -> Tensor {
        self.map(softplus)
    }
}

impl Var {
    /// `ln(1 + e^self)` elementwise (linear above 20, as PyTorch).
    pub fn softplus(&self) -> Var {
        let x = self.value().clone();
        self.from_unary(x.softplus(), move |g| {
            g.zip_map(&x, "softplus", |g, x| {
                if x > THRESHOLD {
                    g
                } else {
                    g * sigmoid(x)
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
