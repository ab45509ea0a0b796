//! mul_scalar: `z = c * x` for a constant `c`; `dz/dx = c`.

use crate::{Tensor, Var};

impl Tensor {
    /// `self * c` elementwise.
    pub fn mul_scalar(&self, c: f32) -> Tensor {
        self.map(move |x| x * c)
    }
}

impl Var {
    /// `self * c` elementwise.
    pub fn mul_scalar(&self, c: f32) -> Var {
        self.from_unary(self.value().mul_scalar(c), move |g| g.mul_scalar(c))
    }
}

impl std::ops::Mul<f32> for &Var {
    type Output = Var;
    fn mul(self, c: f32) -> Var {
        self.mul_scalar(c)
    }
}

impl std::ops::Div<f32> for &Var {
    type Output = Var;
    fn div(self, c: f32) -> Var {
        self.mul_scalar(1.0 / c)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        check_reference("mul_scalar", |v| v[0].mul_scalar(-0.75));
        check_reference("mul_scalar", |v| &v[0] * -0.75);
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].mul_scalar(-0.75), &inputs("mul_scalar"));
    }
}
