//! norm: the vector p-norm over all elements or a set of axes (PyTorch's `norm(p, dim)` /
//! `linalg.vector_norm`), for `p` = 1, 2 and infinity:
//! - `p = 1`: `y = Σ |x_i|`, `dy/dx_i = sign(x_i)` (0 at 0 and at NaN, PyTorch's `sgn`);
//! - `p = 2`: `y = √(Σ x_i²)`, `dy/dx_i = x_i / y`, and 0 where `y = 0` (PyTorch masks it, so
//!   the norm of zeros has gradient 0, not NaN);
//! - `p = inf`: `y = max |x_i|`, `dy/dx_i = sign(x_i) / count` at the elements with
//!   `|x_i| = y` (ties share evenly, as PyTorch) or NaN, 0 elsewhere.
//!
//! The norm of nothing is 0 for p = 1 and 2; for p = inf it panics (PyTorch raises: the max
//! has no identity). Other `p` panic.

use super::reduce::Reduce;
use super::sign::sign;
use crate::{Tensor, Var};

#[track_caller]
fn check(p: f32, r: &Reduce) {
    if !(p == 1.0 || p == 2.0 || p == f32::INFINITY) {
        panic!("norm: p = {p} is not supported (1, 2 or infinity)");
    }
    if p == f32::INFINITY && r.n == 0 && r.lanes > 0 {
        panic!(
            "norm: cannot compute the inf norm of an empty set of elements (shape {:?})",
            r.shape
        );
    }
}

fn lane_norm(l: &[f32], p: f32) -> f32 {
    if p == 1.0 {
        l.iter().map(|&x| (x as f64).abs()).sum::<f64>() as f32
    } else if p == 2.0 {
        l.iter().map(|&x| (x as f64).powi(2)).sum::<f64>().sqrt() as f32
    } else {
        l.iter().fold(0.0f32, |m, &x| {
            let a = x.abs();
            if m.is_nan() || a.is_nan() {
                f32::NAN
            } else {
                m.max(a)
            }
        })
    }
}

fn lane_grad(xs: &[f32], y: f32, g: f32, p: f32, d: &mut [f32]) {
    if p == 1.0 {
        for (di, &v) in d.iter_mut().zip(xs) {
            *di = g * sign(v);
        }
    } else if p == 2.0 {
        let s = if y == 0.0 { 0.0 } else { g / y };
        for (di, &v) in d.iter_mut().zip(xs) {
            *di = v * s;
        }
    } else {
        let hit = |v: f32| v.abs() == y || v.is_nan();
        let share = g / xs.iter().filter(|&&v| hit(v)).count() as f32;
        for (di, &v) in d.iter_mut().zip(xs) {
            *di = sign(v) * if hit(v) { share } else { share * 0.0 };
        }
    }
}

impl Tensor {
    /// The `p`-norm (1, 2 or infinity) over `axes` (empty: all).
    #[track_caller]
    pub fn norm(&self, p: f32, axes: &[isize], keepdim: bool) -> Tensor {
        let r = Reduce::new(self.shape(), axes, keepdim, "norm");
        check(p, &r);
        r.map_lanes(self, |l| lane_norm(l, p))
    }
}

impl Var {
    /// The `p`-norm (1, 2 or infinity) over `axes` (empty: all); see the module notes for
    /// the gradient at 0 and at ties.
    #[track_caller]
    pub fn norm(&self, p: f32, axes: &[isize], keepdim: bool) -> Var {
        let r = Reduce::new(self.shape(), axes, keepdim, "norm");
        check(p, &r);
        let y = r.map_lanes(self.value(), |l| lane_norm(l, p));
        let (x, yv) = (self.value().clone(), y.clone());
        self.from_unary(y, move |g| {
            r.backward_lanes(&x, &yv, g, |xs, y, g, d| lane_grad(xs, y, g, p, d))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("norm");
    }

    #[test]
    fn gradcheck_every_p() {
        let x = Tensor::randn(&[3, 4], 0.0, 1.0, &mut rng_from_seed(20));
        for p in [1.0, 2.0, f32::INFINITY] {
            assert_gradcheck(|v| v[0].norm(p, &[], false), std::slice::from_ref(&x));
            assert_gradcheck(|v| v[0].norm(p, &[1], true), std::slice::from_ref(&x));
        }
    }

    #[test]
    #[should_panic(expected = "norm: p = 3 is not supported (1, 2 or infinity)")]
    fn other_p() {
        Tensor::zeros(&[2]).norm(3.0, &[], false);
    }
}
