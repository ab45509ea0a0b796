//! pow: `z = x^y` elementwise with a tensor exponent and broadcasting (PyTorch's
//! `torch.pow(x, y)`); `dz/dx = y x^(y-1)`, `dz/dy = x^y ln x`.
//!
//! Kinks and edges as PyTorch: `dz/dx = 0` where `y == 0` (not `0 · x^-1`, which would be NaN
//! at x = 0); `dz/dy = 0` where `x == 0` and `y >= 0` (where `x^y ln x` would be `0 · -inf`);
//! a negative `x` with a non-integer `y` gives NaN (value and gradients); `0^y` for `y < 0` is
//! `+inf`. The constant-exponent form is `powf`.

use crate::broadcast::binary_grads;
use crate::{Tensor, Var};

impl Tensor {
    /// `self^exponent` elementwise with broadcasting.
    #[track_caller]
    pub fn pow(&self, exponent: &Tensor) -> Tensor {
        self.broadcast_zip(exponent, "pow", f32::powf)
    }
}

impl Var {
    /// `self^exponent` elementwise with broadcasting; both get gradients.
    #[track_caller]
    pub fn pow(&self, exponent: &Var) -> Var {
        let value = self.value().pow(exponent.value());
        let (a, b) = (self.value().clone(), exponent.value().clone());
        Var::from_broadcast(&[self, exponent], value, move |g, needs| {
            binary_grads(
                g,
                &a,
                &b,
                needs,
                |g, x, y| {
                    if y == 0.0 {
                        0.0
                    } else {
                        g * y * x.powf(y - 1.0)
                    }
                },
                |g, x, y| {
                    if x == 0.0 && y >= 0.0 {
                        0.0
                    } else {
                        g * x.powf(y) * x.ln()
                    }
                },
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
        check_cases("pow");
    }

    #[test]
    fn gradcheck_with_broadcast() {
        let x = Tensor::from_vec(vec![0.5, 1.2, 2.0, 0.8, 1.5, 3.0], &[2, 3]);
        let y = Tensor::from_vec(vec![-1.5, 0.5, 2.0], &[3]);
        assert_gradcheck(|v| v[0].pow(&v[1]), &[x, y]);
    }
}
