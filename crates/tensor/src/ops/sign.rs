//! sign: `y = sign(x)` (1 above 0, -1 below, 0 at ±0); `dy/dx = 0` everywhere (PyTorch
//! records the op with a zero gradient rather than cutting the graph, so a loss through it
//! backpropagates zeros). As PyTorch 2.15: `sign(NaN) = 0`.

use crate::{Tensor, Var};

/// `sign(x)` with `sign(±0) = 0` and `sign(NaN) = 0`, as `torch.sign`.
#[inline]
pub(crate) fn sign(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

impl Tensor {
    /// The sign of each element (0 at 0 and for NaN).
    pub fn sign(&self) -> Tensor {
        self.map(sign)
    }
}

impl Var {
    /// The sign of each element; the gradient is zero.
    pub fn sign(&self) -> Var {
        self.from_unary(self.value().sign(), |g| Tensor::zeros(g.shape()))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::Tensor;

    #[test]
    fn matches_pytorch() {
        check_cases("sign");
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].sign(), &inputs("abs"));
    }

    #[test]
    fn zero_and_nan() {
        let x = Tensor::from_vec(vec![0.0, -0.0, f32::NAN, -3.0, 2.0], &[5]);
        assert_eq!(x.sign().to_vec(), vec![0.0, 0.0, 0.0, -1.0, 1.0]);
    }
}
