//! expm1: y = e^x - 1; dy/dx = e^x. Accurate for tiny x where `e^x - 1` cancels. As PyTorch in f32: +inf above x ≈ 88.7.

use crate::{Tensor, Var};

impl Tensor {
    /// `e^x - 1` elementwise.
    pub fn expm1(&self) -> Tensor {
        self.map(f32::exp_m1)
    }
}

impl Var {
    /// `e^x - 1` elementwise.
    pub fn expm1(&self) -> Var {
        let x = self.value().clone();
        self.from_unary(x.expm1(), move |g| {
            g.zip_map(&x, "expm1", |g, x| g * x.exp())
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        check_cases("expm1");
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].expm1(), &inputs("log"));
    }
}
