//! add: `z = x + y` with numpy broadcasting; `dz/dx = 1`, `dz/dy = 1` (each summed back over
//! the axes it was broadcast along, by `Var::from_broadcast`).

use crate::{Tensor, Var};

impl Tensor {
    /// Elementwise `self + other` with broadcasting.
    #[track_caller]
    pub fn add(&self, other: &Tensor) -> Tensor {
        self.broadcast_zip(other, "add", |a, b| a + b)
    }
}

impl Var {
    /// Elementwise `self + other` with broadcasting.
    #[track_caller]
    pub fn add(&self, other: &Var) -> Var {
        let value = self.value().add(other.value());
        Var::from_broadcast(&[self, other], value, |g, needs| {
            [needs[0].then(|| g.clone()), needs[1].then(|| g.clone())]
        })
    }
}

super::binary_operator!(Add, add);

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        for case in [
            "add_same",
            "add_bcast_row",
            "add_bcast_outer",
            "add_bcast_3d",
        ] {
            check_reference(case, |v| &v[0] + &v[1]);
        }
    }

    #[test]
    fn gradcheck_with_broadcast() {
        assert_gradcheck(|v| v[0].add(&v[1]), &inputs("add_bcast_3d"));
        assert_gradcheck(|v| v[0].add(&v[1]), &inputs("add_bcast_outer"));
    }
}
