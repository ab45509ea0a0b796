//! abs: `y = |x|`; `dy/dx = sign(x)`, with `sign(0) = 0` as PyTorch (a subgradient; the
//! finite difference at exactly 0 would say 0 too) and gradient 0 at NaN (PyTorch's
//! `sgn(NaN) = 0`).

use super::sign::sign;
use crate::{Tensor, Var};

impl Tensor {
    /// Absolute value elementwise.
    pub fn abs(&self) -> Tensor {
        self.map(f32::abs)
    }
}

impl Var {
    /// Absolute value elementwise (gradient 0 at 0, as PyTorch).
    pub fn abs(&self) -> Var {
        let x = self.value().clone();
        self.from_unary(x.abs(), move |g| g.zip_map(&x, "abs", |g, x| g * sign(x)))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("abs", |v| v[0].abs());
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].abs(), &inputs("abs"));
    }

    #[test]
    fn gradient_at_zero_is_zero() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(vec![0.0, -0.0, -3.0, 2.0], &[4]));
        let g = x.abs().backward_with(Tensor::ones(&[4]));
        assert_eq!(g.get(&x).unwrap().to_vec(), vec![0.0, 0.0, -1.0, 1.0]);
    }
}
