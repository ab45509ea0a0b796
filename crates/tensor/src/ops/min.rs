//! min: over all elements (`min()`), along one axis (`min_axis`) or over a set of axes
//! (`amin`): the mirror image of `max.rs` (which holds the shared code and the tie and NaN
//! rules: `min()` and `amin` split the gradient evenly among ties, `min_axis` gives it to the
//! first minimum; NaN is the minimum of a lane that holds one).

use super::max::{all, all_tensor, along_axis, axes_tensor, axes_var, axis_var};
use crate::axis::{normalize_axis, reduced_shape};
use crate::{Tensor, Var};

impl Tensor {
    /// The smallest element, as a scalar tensor (NaN if any element is NaN). Panics for an
    /// empty tensor.
    #[track_caller]
    pub fn min_all(&self) -> Tensor {
        all_tensor(self, false, "min")
    }

    /// The minima along `axis`; `keepdim` keeps the axis as length 1.
    #[track_caller]
    pub fn min_axis(&self, axis: isize, keepdim: bool) -> Tensor {
        let ax = normalize_axis(axis, self.ndim(), "min");
        let (vals, _, _) = along_axis(self, axis, false, "min");
        Tensor::from_vec(vals, &reduced_shape(self.shape(), ax, keepdim))
    }

    /// The minima over `axes` (empty: all), PyTorch's `amin`.
    #[track_caller]
    pub fn amin(&self, axes: &[isize], keepdim: bool) -> Tensor {
        axes_tensor(self, axes, keepdim, false, "amin")
    }
}

impl Var {
    /// The smallest element (a scalar); the gradient is shared evenly among ties.
    #[track_caller]
    pub fn min(&self) -> Var {
        all(self, false, "min")
    }

    /// The minima along `axis`; the gradient goes to the first minimum of each lane.
    #[track_caller]
    pub fn min_axis(&self, axis: isize, keepdim: bool) -> Var {
        axis_var(self, axis, keepdim, false, "min")
    }

    /// The minima over `axes` (empty: all), PyTorch's `amin`; ties share the gradient.
    #[track_caller]
    pub fn amin(&self, axes: &[isize], keepdim: bool) -> Var {
        axes_var(self, axes, keepdim, false, "amin")
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("min");
        check_cases("amin");
    }

    #[test]
    fn gradcheck() {
        let x = Tensor::randn(&[2, 3, 4], 0.0, 1.0, &mut rng_from_seed(15));
        assert_gradcheck(|v| v[0].min(), std::slice::from_ref(&x));
        assert_gradcheck(|v| v[0].min_axis(-1, true), std::slice::from_ref(&x));
        assert_gradcheck(|v| v[0].amin(&[1], false), &[x]);
    }
}
