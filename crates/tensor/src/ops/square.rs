//! square: `z = x^2`; `dz/dx = 2x`.

use crate::{Tensor, Var};

impl Tensor {
    /// `self^2` elementwise.
    pub fn square(&self) -> Tensor {
        self.map(|x| x * x)
    }
}

impl Var {
    /// `self^2` elementwise.
    pub fn square(&self) -> Var {
        let x = self.value().clone();
        self.from_unary(x.square(), move |g| {
            g.zip_map(&x, "square", |g, x| 2.0 * x * g)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        check_reference("square", |v| v[0].square());
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].square(), &inputs("square"));
    }
}
