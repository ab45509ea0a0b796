//! max: over all elements (`max()`), along one axis (`max_axis`) or over a set of axes
//! (`amax`). `y = max_i x_i`; the derivative is 1 at the maximum and 0 elsewhere, and ties
//! follow PyTorch's three rules:
//! - `max()` (all elements) splits the gradient evenly among the elements equal to the
//!   maximum (`dx_i = g / count`), as `torch.max(x)`; with a NaN the maximum is NaN and the
//!   NaNs share the gradient;
//! - `max_axis(dim)` gives the whole gradient to the first index of the maximum (the index
//!   `torch.max(x, dim)` returns; the first NaN when a lane holds one);
//! - `amax(dims)` splits evenly too, written as PyTorch does: `dx = g / count * (x == y)`, so
//!   a lane whose maximum is NaN (no element equals NaN, count 0) gets NaN everywhere.
//!
//! `min.rs` holds the mirror image, through the same code. Reducing an empty set panics
//! (PyTorch raises too).

use super::lanes::Lanes;
use super::reduce::Reduce;
use crate::axis::{normalize_axis, reduced_shape};
use crate::{Tensor, Var};

/// True if `v` beats `best` (NaN beats everything; ties keep the first).
#[inline]
fn beats(v: f32, best: f32, is_max: bool) -> bool {
    if best.is_nan() {
        return false;
    }
    v.is_nan() || if is_max { v > best } else { v < best }
}

/// `(extremum, index of its first occurrence)` of `n` elements at `start + k * stride`.
#[inline]
pub(crate) fn lane_extremum(
    x: &[f32],
    start: usize,
    stride: usize,
    n: usize,
    is_max: bool,
) -> (f32, usize) {
    let (mut best, mut arg) = (x[start], 0);
    for k in 1..n {
        let v = x[start + k * stride];
        if beats(v, best, is_max) {
            best = v;
            arg = k;
        }
    }
    (best, arg)
}

#[track_caller]
fn check_nonempty(x: &Tensor, n: usize, count: usize, op: &str) {
    // Lanes with no element and at least one output: the extremum of nothing.
    if n == 0 && count > 0 {
        panic!(
            "{op}: cannot reduce an empty set of elements (shape {:?})",
            x.shape()
        );
    }
}

/// The extrema along `axis` and, per lane, the index (along the axis) of the first one.
#[track_caller]
pub(crate) fn along_axis(
    x: &Tensor,
    axis: isize,
    is_max: bool,
    op: &str,
) -> (Vec<f32>, Vec<usize>, Lanes) {
    let lanes = Lanes::new(x.shape(), axis, op);
    let count = lanes.outer * lanes.inner;
    check_nonempty(x, lanes.n, count, op);
    let (mut vals, mut args) = (vec![0.0; count], vec![0; count]);
    let xs = x.as_slice();
    lanes.for_each(|lane, start, stride| {
        let (v, a) = lane_extremum(xs, start, stride, lanes.n, is_max);
        vals[lane] = v;
        args[lane] = a;
    });
    (vals, args, lanes)
}

/// `max()` / `min()` over all elements: the value and the recorded op.
#[track_caller]
pub(crate) fn all(x: &Var, is_max: bool, op: &str) -> Var {
    let xv = x.value().clone();
    let y = all_tensor(&xv, is_max, op);
    let best = y.item();
    x.from_unary(y, move |g| {
        let hit = move |v: f32| if best.is_nan() { v.is_nan() } else { v == best };
        let count = xv.as_slice().iter().filter(|&&v| hit(v)).count();
        let share = g.item() / count as f32;
        xv.map(move |v| if hit(v) { share } else { 0.0 })
    })
}

#[track_caller]
pub(crate) fn all_tensor(x: &Tensor, is_max: bool, op: &str) -> Tensor {
    if x.is_empty() {
        panic!(
            "{op}: cannot reduce an empty tensor (shape {:?})",
            x.shape()
        );
    }
    Tensor::scalar(lane_extremum(x.as_slice(), 0, 1, x.len(), is_max).0)
}

/// `max_axis` / `min_axis`: the gradient goes to the first extremum of each lane.
#[track_caller]
pub(crate) fn axis_var(x: &Var, axis: isize, keepdim: bool, is_max: bool, op: &str) -> Var {
    let shape = x.shape().to_vec();
    let ax = normalize_axis(axis, shape.len(), op);
    let (vals, args, lanes) = along_axis(x.value(), axis, is_max, op);
    let y = Tensor::from_vec(vals, &reduced_shape(&shape, ax, keepdim));
    x.from_unary(y, move |g| {
        let mut dx = vec![0.0f32; shape.iter().product()];
        let gs = g.as_slice();
        lanes.for_each(|lane, start, stride| {
            dx[start + args[lane] * stride] = gs[lane];
        });
        Tensor::from_vec(dx, &shape)
    })
}

#[track_caller]
pub(crate) fn axes_tensor(
    x: &Tensor,
    axes: &[isize],
    keepdim: bool,
    is_max: bool,
    op: &str,
) -> Tensor {
    let r = Reduce::new(x.shape(), axes, keepdim, op);
    check_nonempty(x, r.n, r.lanes, op);
    r.map_lanes(x, |l| lane_extremum(l, 0, 1, l.len(), is_max).0)
}

/// `amax` / `amin`: PyTorch's `g / count * (x == y)` per lane.
#[track_caller]
pub(crate) fn axes_var(x: &Var, axes: &[isize], keepdim: bool, is_max: bool, op: &str) -> Var {
    let r = Reduce::new(x.shape(), axes, keepdim, op);
    let y = axes_tensor(x.value(), axes, keepdim, is_max, op);
    let (xv, yv) = (x.value().clone(), y.clone());
    x.from_unary(y, move |g| {
        r.backward_lanes(&xv, &yv, g, |xs, y, g, d| {
            let count = xs.iter().filter(|&&v| v == y).count();
            let share = g / count as f32;
            for (di, &v) in d.iter_mut().zip(xs) {
                *di = if v == y { share } else { share * 0.0 };
            }
        })
    })
}

impl Tensor {
    /// The largest element, as a scalar tensor (NaN if any element is NaN). Panics for an
    /// empty tensor.
    #[track_caller]
    pub fn max_all(&self) -> Tensor {
        all_tensor(self, true, "max")
    }

    /// The maxima along `axis` (negative counts from the end); `keepdim` keeps the axis as
    /// length 1.
    #[track_caller]
    pub fn max_axis(&self, axis: isize, keepdim: bool) -> Tensor {
        let ax = normalize_axis(axis, self.ndim(), "max");
        let (vals, _, _) = along_axis(self, axis, true, "max");
        Tensor::from_vec(vals, &reduced_shape(self.shape(), ax, keepdim))
    }

    /// The maxima over `axes` (empty: all), PyTorch's `amax`.
    #[track_caller]
    pub fn amax(&self, axes: &[isize], keepdim: bool) -> Tensor {
        axes_tensor(self, axes, keepdim, true, "amax")
    }
}

impl Var {
    /// The largest element (a scalar); the gradient is shared evenly among ties.
    #[track_caller]
    pub fn max(&self) -> Var {
        all(self, true, "max")
    }

    /// The maxima along `axis`; `keepdim` keeps the axis as length 1. The gradient goes to the
    /// first maximum of each lane.
    #[track_caller]
    pub fn max_axis(&self, axis: isize, keepdim: bool) -> Var {
        axis_var(self, axis, keepdim, true, "max")
    }

    /// The maxima over `axes` (empty: all), PyTorch's `amax`: the gradient is shared evenly
    /// among ties.
    #[track_caller]
    pub fn amax(&self, axes: &[isize], keepdim: bool) -> Var {
        axes_var(self, axes, keepdim, true, "amax")
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("max_axis1", |v| v[0].max_axis(1, false));
        check_reference("max_axis1", |v| v[0].max_axis(-1, false));
        check_cases("max");
        check_cases("amax");
    }

    #[test]
    fn gradcheck() {
        // The fixture's values are distinct, so max is differentiable there.
        let x = inputs("max_axis1");
        assert_gradcheck(|v| v[0].max(), &x);
        assert_gradcheck(|v| v[0].max_axis(0, true), &x);
        assert_gradcheck(|v| v[0].max_axis(1, false), &x);
        let x3 = Tensor::randn(&[2, 3, 4], 0.0, 1.0, &mut rng_from_seed(5));
        assert_gradcheck(|v| v[0].max_axis(1, false), std::slice::from_ref(&x3));
        assert_gradcheck(|v| v[0].amax(&[0, 2], true), &[x3]);
    }

    #[test]
    #[should_panic(expected = "max: cannot reduce an empty tensor")]
    fn empty_panics() {
        Tensor::zeros(&[0, 3]).max_all();
    }

    #[test]
    #[should_panic(expected = "amax: cannot reduce an empty set of elements (shape [0, 3])")]
    fn empty_lanes_panic() {
        Tensor::zeros(&[0, 3]).amax(&[0], false);
    }

    #[test]
    fn empty_lanes_are_fine_when_the_axis_is_not_empty() {
        assert_eq!(Tensor::zeros(&[0, 3]).max_axis(1, false).shape(), &[0]);
        assert_eq!(Tensor::zeros(&[0, 3]).amax(&[1], false).shape(), &[0]);
    }
}
