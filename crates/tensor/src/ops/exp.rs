//! exp: `y = e^x`; `dy/dx = e^x = y` (the saved output is reused, no second `exp`).
//!
//! Trap: in f32, `e^x` overflows to `inf` above x ≈ 88.72 and underflows to 0 below about
//! -103.9, exactly as PyTorch's float32 `exp`. Ops that need `exp` of large logits
//! (softmax, log_softmax, cross_entropy, softplus, bce_with_logits) shift or branch first.

use crate::{Tensor, Var};

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
