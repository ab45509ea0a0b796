//! transpose: `transpose(d0, d1)` swaps two axes of a tensor of any rank (a [`permute`] of
//! two axes, so it needs no rule of its own); `t()` is PyTorch's `t()`: the transpose of a
//! 2-D tensor, a 0-D or 1-D one unchanged. `y[.., j, .., i, ..] = x[.., i, .., j, ..]`; the
//! gradient is the upstream gradient transposed back.
//!
//! [`permute`]: crate::Tensor::permute

use crate::axis::normalize_axis;
use crate::{Tensor, Var};

/// The permutation swapping `d0` and `d1` of `ndim` axes.
#[track_caller]
fn swap(d0: isize, d1: isize, ndim: usize) -> Vec<isize> {
    // PyTorch accepts dims 0 and -1 on a 0-d tensor (nothing to swap).
    if ndim == 0 && [d0, d1].iter().all(|d| *d == 0 || *d == -1) {
        return Vec::new();
    }
    let (a, b) = (
        normalize_axis(d0, ndim, "transpose"),
        normalize_axis(d1, ndim, "transpose"),
    );
    let mut p: Vec<isize> = (0..ndim as isize).collect();
    p.swap(a, b);
    p
}

#[track_caller]
fn check_t(shape: &[usize]) {
    if shape.len() > 2 {
        panic!(
            "t: expects a tensor of at most 2 dimensions, got shape {shape:?} (use transpose(d0, d1))"
        );
    }
}

impl Tensor {
    /// Axes `d0` and `d1` swapped (negative counts from the end), as a new row-major tensor.
    #[track_caller]
    pub fn transpose(&self, d0: isize, d1: isize) -> Tensor {
        self.permute(&swap(d0, d1, self.ndim()))
    }

    /// The transpose of a 2-D tensor (a 0-D or 1-D one is returned unchanged, as PyTorch's
    /// `t()`). Panics naming the shape for more axes.
    #[track_caller]
    pub fn t(&self) -> Tensor {
        check_t(self.shape());
        if self.ndim() < 2 {
            return self.clone();
        }
        self.transpose(0, 1)
    }
}

impl Var {
    /// Axes `d0` and `d1` swapped (see [`Tensor::transpose`]).
    #[track_caller]
    pub fn transpose(&self, d0: isize, d1: isize) -> Var {
        self.permute(&swap(d0, d1, self.ndim()))
    }

    /// The transpose of a 2-D value (see [`Tensor::t`]).
    #[track_caller]
    pub fn t(&self) -> Var {
        check_t(self.shape());
        if self.ndim() < 2 {
            return self.clone();
        }
        self.transpose(0, 1)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor};

    #[test]
    fn matches_pytorch() {
        check_reference("transpose", |v| v[0].t());
    }

    #[test]
    fn gradcheck() {
        assert_gradcheck(|v| v[0].t(), &inputs("transpose"));
        let x = Tensor::randn(&[2, 3, 4], 0.0, 1.0, &mut rng_from_seed(2));
        assert_gradcheck(|v| v[0].transpose(0, -1), &[x]);
    }

    #[test]
    fn odd_sizes_round_trip() {
        for (m, n) in [(0, 3), (1, 1), (1, 7), (63, 65)] {
            let x = Tensor::from_vec((0..m * n).map(|i| i as f32).collect(), &[m, n]);
            let t = x.t();
            assert_eq!(t.shape(), &[n, m]);
            if m > 0 {
                assert_eq!(t.as_slice()[1.min(m - 1)], x.as_slice()[1.min(m - 1) * n]);
            }
            assert_eq!(t.t(), x);
        }
        let v = Tensor::zeros(&[3]);
        assert_eq!(v.t(), v);
        let x = Tensor::from_vec((0..24).map(|i| i as f32).collect(), &[2, 3, 4]);
        let y = x.transpose(1, 2);
        assert_eq!(y.shape(), &[2, 4, 3]);
        assert_eq!(y.as_slice()[1], x.as_slice()[4]);
    }

    #[test]
    #[should_panic(expected = "t: expects a tensor of at most 2 dimensions, got shape [2, 3, 4]")]
    fn t_rejects_3d() {
        Tensor::zeros(&[2, 3, 4]).t();
    }
}
