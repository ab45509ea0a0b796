//! maximum: `z = max(x, y)` elementwise with broadcasting (PyTorch's `torch.maximum`).
//! `dz/dx = 1` where `x > y`, 0 where `x < y`, and 1/2 each at a tie (PyTorch splits the
//! gradient evenly between equal operands).
//!
//! NaN as PyTorch: the result is NaN if either operand is, and then both operands receive the
//! full gradient (PyTorch's rule masks only where one operand is strictly smaller:
//! `dx = g * !(x < y) / (1 + (x == y))`).

use crate::broadcast::binary_grads;
use crate::{Tensor, Var};

/// `max` (or, with `!is_max`, `min`) propagating NaN.
#[inline]
fn pick(a: f32, b: f32, is_max: bool) -> f32 {
    if a.is_nan() || b.is_nan() {
        f32::NAN
    } else if (a > b) == is_max {
        a
    } else {
        b
    }
}

/// The gradient share of the first operand: 0 where it loses strictly, 1/2 at a tie.
#[inline]
fn share(g: f32, a: f32, b: f32, is_max: bool) -> f32 {
    let loses = if is_max { a < b } else { a > b };
    if loses {
        0.0
    } else if a == b {
        g / 2.0
    } else {
        g
    }
}

/// The value and recorded op of `maximum` / `minimum` (shared with `minimum.rs`).
#[track_caller]
pub(crate) fn extremum(x: &Var, y: &Var, is_max: bool, op: &str) -> Var {
    let value = x
        .value()
        .broadcast_zip(y.value(), op, move |a, b| pick(a, b, is_max));
    let (a, b) = (x.value().clone(), y.value().clone());
    Var::from_broadcast(&[x, y], value, move |g, needs| {
        binary_grads(
            g,
            &a,
            &b,
            needs,
            |g, a, b| share(g, a, b, is_max),
            |g, a, b| share(g, b, a, is_max),
        )
    })
}

/// The value of `maximum` / `minimum` on plain tensors.
#[track_caller]
pub(crate) fn extremum_tensor(x: &Tensor, y: &Tensor, is_max: bool, op: &str) -> Tensor {
    x.broadcast_zip(y, op, move |a, b| pick(a, b, is_max))
}

impl Tensor {
    /// Elementwise maximum with broadcasting (NaN if either is NaN).
    #[track_caller]
    pub fn maximum(&self, other: &Tensor) -> Tensor {
        extremum_tensor(self, other, true, "maximum")
    }
}

impl Var {
    /// Elementwise maximum with broadcasting; ties split the gradient evenly.
    #[track_caller]
    pub fn maximum(&self, other: &Var) -> Var {
        extremum(self, other, true, "maximum")
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        check_cases("maximum");
    }

    #[test]
    fn gradcheck_with_broadcast() {
        assert_gradcheck(|v| v[0].maximum(&v[1]), &inputs("mul_bcast_3d"));
    }
}
