//! mul: `z = x * y` elementwise with numpy broadcasting; `dz/dx = y`, `dz/dy = x`.

use crate::{Tensor, Var};

impl Tensor {
    /// Elementwise `self * other` with broadcasting.
    #[track_caller]
    pub fn mul(&self, other: &Tensor) -> Tensor {
        self.broadcast_zip(other, "mul", |a, b| a * b)
    }
}

impl Var {
    /// Elementwise `self * other` with broadcasting.
    #[track_caller]
    pub fn mul(&self, other: &Var) -> Var {
        let value = self.value().mul(other.value());
        let (x, y) = (self.value().clone(), other.value().clone());
        Var::from_broadcast(&[self, other], value, move |g, needs| {
            [needs[0].then(|| g.mul(&y)), needs[1].then(|| g.mul(&x))]
        })
    }
}

super::binary_operator!(Mul, mul);

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        for case in [
            "mul_same",
            "mul_bcast_row",
            "mul_bcast_outer",
            "mul_bcast_3d",
        ] {
            check_reference(case, |v| &v[0] * &v[1]);
        }
    }

    #[test]
    fn gradcheck_with_broadcast() {
        assert_gradcheck(|v| v[0].mul(&v[1]), &inputs("mul_same"));
        assert_gradcheck(|v| v[0].mul(&v[1]), &inputs("mul_bcast_3d"));
    }

    #[test]
    fn reuse_accumulates() {
        // x * x: both inputs are the same node, so its gradient is 2x.
        let tape = crate::Tape::new();
        let x = tape.leaf(crate::Tensor::from_vec(vec![1.5, -2.0], &[2]));
        let g = (&x * &x).backward_with(crate::Tensor::ones(&[2]));
        assert_eq!(g.get(&x).unwrap().to_vec(), vec![3.0, -4.0]);
    }
}
