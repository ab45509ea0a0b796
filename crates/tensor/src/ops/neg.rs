//! neg: `z = -x`; `dz/dx = -1`.

use crate::{Tensor, Var};

impl Tensor {
    /// Elementwise `-self`.
    pub fn neg(&self) -> Tensor {
        self.map(|x| -x)
    }
}

impl Var {
    /// Elementwise `-self`.
    pub fn neg(&self) -> Var {
        self.from_unary(self.value().neg(), |g| g.neg())
    }
}

impl std::ops::Neg for &Var {
    type Output = Var;
    fn neg(self) -> Var {
        Var::neg(self)
    }
}

impl std::ops::Neg for &Tensor {
    type Output = Tensor;
    fn neg(self) -> Tensor {
        Tensor::neg(self)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        check_reference("neg", |v| -&v[0]);
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].neg(), &inputs("neg"));
    }
}
