//! log1p: y = ln(1 + x); dy/dx = 1 / (1 + x). Accurate for tiny x where `ln(1 + x)` would round `1 + x` first. As PyTorch: -inf at x = -1 (gradient +inf), NaN below.

use crate::{Tensor, Var};

impl Tensor {
    /// `ln(1 + x)` elementwise.
    pub fn log1p(&self) -> Tensor {
        self.map(f32::ln_1p)
    }
}

impl Var {
    /// `ln(1 + x)` elementwise.
    pub fn log1p(&self) -> Var {
        let x = self.value().clone();
        self.from_unary(x.log1p(), move |g| {
            g.zip_map(&x, "log1p", |g, x| g / (1.0 + x))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        check_cases("log1p");
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].log1p(), &inputs("log"));
    }
}
