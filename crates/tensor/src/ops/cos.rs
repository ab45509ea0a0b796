//! cos: y = cos x; dy/dx = -sin x.

use crate::{Tensor, Var};

impl Tensor {
    /// Cosine elementwise.
    pub fn cos(&self) -> Tensor {
        self.map(f32::cos)
    }
}

impl Var {
    /// Cosine elementwise.
    pub fn cos(&self) -> Var {
        let x = self.value().clone();
        self.from_unary(x.cos(), move |g| g.zip_map(&x, "cos", |g, x| -g * x.sin()))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        check_cases("cos");
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].cos(), &inputs("log"));
    }
}
