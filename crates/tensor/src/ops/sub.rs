//! sub: `z = x - y` with numpy broadcasting; `dz/dx = 1`, `dz/dy = -1`.

use crate::{Tensor, Var};

impl Tensor {
    /// Elementwise `self - other` with broadcasting.
    #[track_caller]
    pub fn sub(&self, other: &Tensor) -> Tensor {
        self.broadcast_zip(other, "sub", |a, b| a - b)
    }
}

impl Var {
    /// Elementwise `self - other` with broadcasting.
    #[track_caller]
    pub fn sub(&self, other: &Var) -> Var {
        let value = self.value().sub(other.value());
        Var::from_broadcast(&[self, other], value, |g, needs| {
            [needs[0].then(|| g.clone()), needs[1].then(|| g.map(|x| -x))]
        })
    }
}

super::binary_operator!(Sub, sub);

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        for case in [
            "sub_same",
            "sub_bcast_row",
            "sub_bcast_outer",
            "sub_bcast_3d",
        ] {
            check_reference(case, |v| &v[0] - &v[1]);
        }
    }

    #[test]
    fn gradcheck_with_broadcast() {
        assert_gradcheck(|v| v[0].sub(&v[1]), &inputs("sub_bcast_row"));
        assert_gradcheck(|v| v[0].sub(&v[1]), &inputs("sub_bcast_3d"));
    }
}
