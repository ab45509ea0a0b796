//! var / std: the variance `v = Σ (x_i - m)² / (N - c)` (mean `m`, `N` elements reduced,
//! `c` = `correction`: 1 for the unbiased estimate, PyTorch's default; 0 for the population
//! variance) and the standard deviation `s = √v`, over all elements or a set of axes.
//! `dv/dx_i = 2 (x_i - m) / (N - c)`; `ds/dx_i = (x_i - m) / ((N - c) s)`, and 0 where
//! `s = 0` (PyTorch masks it: the std of a constant has gradient 0, not NaN).
//!
//! Degrees of freedom `N - c <= 0` as PyTorch (which also warns): the value is `Σ (x - m)² / 0`
//! (inf, or NaN when the sum is 0); the gradient over all elements is `g · NaN` where
//! `x_i = m` and `g · inf` elsewhere, and over axes `2 / (N - c) · g (x_i - m)` as written.
//! Computed in two passes in f64 (no cancellation of `Σx² - N m²`).

use super::reduce::Reduce;
use crate::{Tensor, Var};

/// `(mean, sum of squared deviations)` of one lane.
fn moments(l: &[f32]) -> (f64, f64) {
    let n = l.len() as f64;
    let m = l.iter().map(|&x| x as f64).sum::<f64>() / n;
    (m, l.iter().map(|&x| (x as f64 - m).powi(2)).sum())
}

/// The variance of each lane with `correction`.
fn lane_var(l: &[f32], correction: f32) -> f32 {
    let dof = (l.len() as f64 - correction as f64).max(0.0);
    (moments(l).1 / dof) as f32
}

/// The gradient of the variance of one lane for upstream `g`, into `d`.
fn var_grad(xs: &[f32], g: f64, correction: f32, all: bool, d: &mut [f32]) {
    let dof = xs.len() as f64 - correction as f64;
    let (m, _) = moments(xs);
    for (di, &v) in d.iter_mut().zip(xs) {
        let dev = v as f64 - m;
        *di = if all && dof <= 0.0 {
            (g * if dev == 0.0 { f64::NAN } else { f64::INFINITY }) as f32
        } else {
            (2.0 / dof * g * dev) as f32
        };
    }
}

/// `var` (`std` with `sqrt`) over `axes`, `all` marking PyTorch's `dim=None` form.
#[track_caller]
fn record(x: &Var, axes: &[isize], correction: f32, keepdim: bool, std: bool, all: bool) -> Var {
    let op = if std { "std" } else { "var" };
    let r = Reduce::new(x.shape(), axes, keepdim, op);
    let y = r.map_lanes(x.value(), |l| {
        let v = lane_var(l, correction);
        if std {
            v.sqrt()
        } else {
            v
        }
    });
    let (xv, yv) = (x.value().clone(), y.clone());
    x.from_unary(y, move |g| {
        r.backward_lanes(&xv, &yv, g, |xs, y, g, d| {
            let gv = if std {
                // PyTorch: var_backward(g / (2 s)), masked to 0 where s = 0.
                if y == 0.0 {
                    0.0
                } else {
                    g as f64 / (2.0 * y as f64)
                }
            } else {
                g as f64
            };
            var_grad(xs, gv, correction, all, d)
        })
    })
}

impl Tensor {
    /// The variance of all elements with `correction` (1: unbiased).
    pub fn var_all(&self, correction: f32) -> Tensor {
        Tensor::scalar(lane_var(self.as_slice(), correction))
    }

    /// The variance over `axes` (empty: all) with `correction`; `keepdim` keeps them.
    #[track_caller]
    pub fn var_axes(&self, axes: &[isize], correction: f32, keepdim: bool) -> Tensor {
        Reduce::new(self.shape(), axes, keepdim, "var").map_lanes(self, |l| lane_var(l, correction))
    }

    /// The standard deviation over `axes` (empty: all) with `correction`.
    #[track_caller]
    pub fn std_axes(&self, axes: &[isize], correction: f32, keepdim: bool) -> Tensor {
        self.var_axes(axes, correction, keepdim).sqrt()
    }
}

impl Var {
    /// The variance of all elements with `correction` (1: unbiased), a scalar.
    #[track_caller]
    pub fn var(&self, correction: f32) -> Var {
        record(self, &[], correction, false, false, true)
    }

    /// The variance over `axes` (empty: all) with `correction`; `keepdim` keeps them.
    #[track_caller]
    pub fn var_axes(&self, axes: &[isize], correction: f32, keepdim: bool) -> Var {
        record(self, axes, correction, keepdim, false, false)
    }

    /// The standard deviation of all elements with `correction`, a scalar.
    #[track_caller]
    pub fn std(&self, correction: f32) -> Var {
        record(self, &[], correction, false, true, true)
    }

    /// The standard deviation over `axes` (empty: all) with `correction`.
    #[track_caller]
    pub fn std_axes(&self, axes: &[isize], correction: f32, keepdim: bool) -> Var {
        record(self, axes, correction, keepdim, true, false)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("var");
        check_cases("std");
    }

    #[test]
    fn gradcheck() {
        let x = Tensor::randn(&[3, 4], 0.0, 1.0, &mut rng_from_seed(18));
        assert_gradcheck(|v| v[0].var(1.0), std::slice::from_ref(&x));
        assert_gradcheck(|v| v[0].var_axes(&[0], 0.0, true), std::slice::from_ref(&x));
        assert_gradcheck(|v| v[0].std(1.0), std::slice::from_ref(&x));
        assert_gradcheck(|v| v[0].std_axes(&[-1], 1.0, false), &[x]);
    }
}
