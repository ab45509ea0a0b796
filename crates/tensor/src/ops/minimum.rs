//! minimum: `z = min(x, y)` elementwise with broadcasting (PyTorch's `torch.minimum`).
//! `dz/dx = 1` where `x < y`, 0 where `x > y`, 1/2 each at a tie; NaN propagates and both
//! operands then receive the full gradient, as PyTorch (see `maximum.rs`, which holds the
//! shared rule).

use super::maximum::{extremum, extremum_tensor};
use crate::{Tensor, Var};

impl Tensor {
    /// Elementwise minimum with broadcasting (NaN if either is NaN).
    #[track_caller]
    pub fn minimum(&self, other: &Tensor) -> Tensor {
        extremum_tensor(self, other, false, "minimum")
    }
}

impl Var {
    /// Elementwise minimum with broadcasting; ties split the gradient evenly.
    #[track_caller]
    pub fn minimum(&self, other: &Var) -> Var {
        extremum(self, other, false, "minimum")
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        check_cases("minimum");
    }

    #[test]
    fn gradcheck_with_broadcast() {
        assert_gradcheck(|v| v[0].minimum(&v[1]), &inputs("mul_bcast_outer"));
    }
}
