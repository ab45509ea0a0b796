//! add_scalar: `z = x + c` for a constant `c`; `dz/dx = 1`.

use crate::{Tensor, Var};

impl Tensor {
    /// `self + c` elementwise.
    pub fn add_scalar(&self, c: f32) -> Tensor {
        self.map(move |x| x + c)
    }
}

impl Var {
    /// `self + c` elementwise.
    pub fn add_scalar(&self, c: f32) -> Var {
        self.from_unary(self.value().add_scalar(c), |g| g.clone())
    }
}

impl std::ops::Add<f32> for &Var {
    type Output = Var;
    fn add(self, c: f32) -> Var {
        self.add_scalar(c)
    }
}

impl std::ops::Sub<f32> for &Var {
    type Output = Var;
    fn sub(self, c: f32) -> Var {
        self.add_scalar(-c)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        check_reference("add_scalar", |v| v[0].add_scalar(1.5));
        check_reference("add_scalar", |v| &(&v[0] + 2.0) - 0.5);
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].add_scalar(1.5), &inputs("add_scalar"));
    }
}
