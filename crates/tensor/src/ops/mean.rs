//! mean: `sum / n`, over all elements, along one axis or over a set of axes (empty: all).
//! Composed from `sum` and `mul_scalar`, so it needs no backward rule of its own. The mean of
//! nothing is NaN, as PyTorch.

use crate::{Tensor, Var};

impl Tensor {
    /// The mean of all elements, as a scalar tensor (NaN for an empty tensor, as PyTorch).
    pub fn mean_all(&self) -> Tensor {
        self.sum_all().mul_scalar(1.0 / self.len() as f32)
    }

    /// The mean over `axes` (empty: all); `keepdim` keeps them as length 1.
    #[track_caller]
    pub fn mean_axes(&self, axes: &[isize], keepdim: bool) -> Tensor {
        let n = super::reduce::Reduce::new(self.shape(), axes, keepdim, "mean").n;
        self.sum_axes(axes, keepdim).mul_scalar(1.0 / n as f32)
    }

    /// The mean along `axis`; `keepdim` keeps the axis as length 1.
    #[track_caller]
    pub fn mean_axis(&self, axis: isize, keepdim: bool) -> Tensor {
        let n = self.shape()[crate::axis::normalize_axis(axis, self.ndim(), "mean")];
        self.sum_axis(axis, keepdim).mul_scalar(1.0 / n as f32)
    }
}

impl Var {
    /// The mean of all elements (a scalar).
    #[track_caller]
    pub fn mean(&self) -> Var {
        self.sum().mul_scalar(1.0 / self.value().len() as f32)
    }

    /// The mean over `axes` (empty: all); `keepdim` keeps them as length 1.
    #[track_caller]
    pub fn mean_axes(&self, axes: &[isize], keepdim: bool) -> Var {
        let n = super::reduce::Reduce::new(self.shape(), axes, keepdim, "mean").n;
        self.sum_axes(axes, keepdim).mul_scalar(1.0 / n as f32)
    }

    /// The mean along `axis`; `keepdim` keeps the axis as length 1.
    #[track_caller]
    pub fn mean_axis(&self, axis: isize, keepdim: bool) -> Var {
        let n = self.shape()[crate::axis::normalize_axis(axis, self.shape().len(), "mean")];
        self.sum_axis(axis, keepdim).mul_scalar(1.0 / n as f32)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;

    #[test]
    fn matches_pytorch() {
        check_reference("mean_all", |v| v[0].mean());
        check_reference("mean_axis1", |v| v[0].mean_axis(1, false));
        check_cases("mean");
    }

    #[test]
    fn gradcheck() {
        let x = inputs("mean_axis1");
        assert_gradcheck(|v| v[0].mean(), &x);
        assert_gradcheck(|v| v[0].mean_axis(0, true), &x);
        assert_gradcheck(|v| v[0].mean_axes(&[0, 1], true), &x);
    }
}
