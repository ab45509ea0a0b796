//! div: `z = x / y` elementwise with numpy broadcasting; `dz/dx = 1 / y`,
//! `dz/dy = -x / y^2`.

use crate::{Tensor, Var};

impl Tensor {
    /// Elementwise `self / other` with broadcasting (IEEE semantics: x / 0 is +-inf or NaN).
    #[track_caller]
    pub fn div(&self, other: &Tensor) -> Tensor {
        self.broadcast_zip(other, "div", |a, b| a / b)
    }
}

impl Var {
    /// Elementwise `self / other` with broadcasting.
    #[track_caller]
    pub fn div(&self, other: &Var) -> Var {
        let value = self.value().div(other.value());
        let (x, y) = (self.value().clone(), other.value().clone());
        Var::from_broadcast(&[self, other], value, move |g, needs| {
            [
                needs[0].then(|| g.div(&y)),
                needs[1].then(|| {
                    // -g * x / y^2, evaluated on the broadcast shape in one pass.
                    let gx = g.mul(&x);
                    gx.broadcast_zip(&y, "div", |gx, y| -gx / (y * y))
                }),
            ]
        })
    }
}

super::binary_operator!(Div, div);

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        for case in ["div_same", "div_bcast"] {
            check_reference(case, |v| &v[0] / &v[1]);
        }
    }

    #[test]
    fn gradcheck_with_broadcast() {
        assert_gradcheck(|v| v[0].div(&v[1]), &inputs("div_same"));
        assert_gradcheck(|v| v[0].div(&v[1]), &inputs("div_bcast"));
    }
}
