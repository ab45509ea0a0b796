//! sum: over all elements (`z = sum_i x_i`), along one axis, or over a set of axes (with or
//! without keepdim; an empty set means all, as PyTorch's `dim=[]`). `dz/dx_i = 1`: the
//! upstream gradient is broadcast back over the reduced axes. A sum over nothing is 0.

use super::reduce::Reduce;
use crate::axis::{normalize_axis, reduced_shape};
use crate::{Tensor, Var};
use ndarray::Axis;

impl Tensor {
    /// The sum of all elements, as a scalar tensor (accumulated in f64).
    pub fn sum_all(&self) -> Tensor {
        Tensor::scalar(self.as_slice().iter().map(|&x| x as f64).sum::<f64>() as f32)
    }

    /// The sum over `axes` (negative counts from the end; empty: all); `keepdim` keeps them
    /// as length 1. Accumulated in f64.
    #[track_caller]
    pub fn sum_axes(&self, axes: &[isize], keepdim: bool) -> Tensor {
        if let [a] = axes {
            return self.sum_axis(*a, keepdim);
        }
        let r = Reduce::new(self.shape(), axes, keepdim, "sum");
        r.map_lanes(self, |l| l.iter().map(|&x| x as f64).sum::<f64>() as f32)
    }

    /// The sum along `axis` (negative counts from the end); `keepdim` keeps it as length 1.
    #[track_caller]
    pub fn sum_axis(&self, axis: isize, keepdim: bool) -> Tensor {
        let ax = normalize_axis(axis, self.ndim(), "sum");
        let s = self.view().sum_axis(Axis(ax));
        let t = Tensor::from_array(s);
        if keepdim {
            t.reshape(&reduced_shape(self.shape(), ax, true))
        } else {
            t
        }
    }
}

impl Var {
    /// The sum of all elements (a scalar).
    #[track_caller]
    pub fn sum(&self) -> Var {
        let shape = self.shape().to_vec();
        self.from_unary(self.value().sum_all(), move |g| {
            Tensor::full(&shape, g.item())
        })
    }

    /// The sum over `axes` (empty: all); `keepdim` keeps them as length 1.
    #[track_caller]
    pub fn sum_axes(&self, axes: &[isize], keepdim: bool) -> Var {
        let r = Reduce::new(self.shape(), axes, keepdim, "sum");
        self.from_unary(self.value().sum_axes(axes, keepdim), move |g| r.expand(g))
    }

    /// The sum along `axis`; `keepdim` keeps the axis as length 1.
    #[track_caller]
    pub fn sum_axis(&self, axis: isize, keepdim: bool) -> Var {
        let shape = self.shape().to_vec();
        let ax = normalize_axis(axis, shape.len(), "sum");
        let kept = reduced_shape(&shape, ax, true);
        self.from_unary(self.value().sum_axis(axis, keepdim), move |g| {
            g.reshape(&kept).expand_to(&shape)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        check_reference("sum_all", |v| v[0].sum());
        check_reference("sum_axis0", |v| v[0].sum_axis(0, false));
        check_reference("sum_axis1_keep", |v| v[0].sum_axis(1, true));
        check_cases("sum");
    }

    #[test]
    fn gradcheck() {
        let x = inputs("sum_axis0");
        assert_gradcheck(|v| v[0].sum(), &x);
        assert_gradcheck(|v| v[0].sum_axis(0, false), &x);
        assert_gradcheck(|v| v[0].sum_axis(-1, true), &x);
        let x3 = crate::Tensor::randn(&[2, 3, 4], 0.0, 1.0, &mut crate::rng_from_seed(16));
        assert_gradcheck(|v| v[0].sum_axes(&[0, -1], false), &[x3]);
    }
}
