//! sin: y = sin x; dy/dx = cos x.

use crate::{Tensor, Var};

impl Tensor {
    /// Sine elementwise.
    pub fn sin(&self) -> Tensor {
        self.map(f32::sin)
    }
}

impl Var {
    /// Sine elementwise.
    pub fn sin(&self) -> Var {
        let x = self.value().clone();
        self.from_unary(x.sin(), move |g| g.zip_map(&x, "sin", |g, x| g * x.cos()))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        check_cases("sin");
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].sin(), &inputs("log"));
    }
}
