//! squeeze / unsqueeze: remove axes of length 1, or insert one. Both are reshapes (the
//! elements do not move), so they need no rule of their own; the gradient is reshaped back.
//!
//! As PyTorch: `squeeze(dims)` leaves a listed axis whose length is not 1 unchanged (no
//! error); `squeeze_all()` removes every axis of length 1; `unsqueeze(dim)` accepts
//! `-ndim - 1 <= dim <= ndim` (negative counts from the end of the result).

use crate::axis::{axes_mask, normalize_axis};
use crate::{Tensor, Var};

#[track_caller]
fn squeezed(shape: &[usize], dims: Option<&[isize]>) -> Vec<usize> {
    let mask = match dims {
        Some([]) => vec![false; shape.len()],
        Some(d) => axes_mask(d, shape.len(), "squeeze"),
        None => vec![true; shape.len()],
    };
    shape
        .iter()
        .zip(&mask)
        .filter(|(&n, &m)| !(m && n == 1))
        .map(|(&n, _)| n)
        .collect()
}

#[track_caller]
fn unsqueezed(shape: &[usize], dim: isize) -> Vec<usize> {
    let ax = normalize_axis(dim, shape.len() + 1, "unsqueeze");
    let mut s = shape.to_vec();
    s.insert(ax, 1);
    s
}

impl Tensor {
    /// The listed axes removed where their length is 1 (others stay).
    #[track_caller]
    pub fn squeeze(&self, dims: &[isize]) -> Tensor {
        self.reshape(&squeezed(self.shape(), Some(dims)))
    }

    /// Every axis of length 1 removed.
    pub fn squeeze_all(&self) -> Tensor {
        self.reshape(&squeezed(self.shape(), None))
    }

    /// An axis of length 1 inserted at `dim`.
    #[track_caller]
    pub fn unsqueeze(&self, dim: isize) -> Tensor {
        self.reshape(&unsqueezed(self.shape(), dim))
    }
}

impl Var {
    /// The listed axes removed where their length is 1 (others stay).
    #[track_caller]
    pub fn squeeze(&self, dims: &[isize]) -> Var {
        self.reshape(&squeezed(self.shape(), Some(dims)))
    }

    /// Every axis of length 1 removed.
    pub fn squeeze_all(&self) -> Var {
        self.reshape(&squeezed(self.shape(), None))
    }

    /// An axis of length 1 inserted at `dim`.
    #[track_caller]
    pub fn unsqueeze(&self, dim: isize) -> Var {
        self.reshape(&unsqueezed(self.shape(), dim))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("squeeze");
        check_cases("unsqueeze");
    }

    #[test]
    fn shapes_as_pytorch() {
        let x = Tensor::zeros(&[1, 3, 1, 2]);
        assert_eq!(x.squeeze_all().shape(), &[3, 2]);
        assert_eq!(x.squeeze(&[0]).shape(), &[3, 1, 2]);
        assert_eq!(x.squeeze(&[1, -2]).shape(), &[1, 3, 2]);
        assert_eq!(x.unsqueeze(-1).shape(), &[1, 3, 1, 2, 1]);
        assert_eq!(x.unsqueeze(0).shape(), &[1, 1, 3, 1, 2]);
        assert_eq!(Tensor::scalar(1.0).unsqueeze(0).shape(), &[1]);
    }

    #[test]
    fn gradcheck() {
        let x = Tensor::randn(&[1, 3, 1], 0.0, 1.0, &mut rng_from_seed(3));
        assert_gradcheck(|v| v[0].squeeze_all().unsqueeze(1), &[x]);
    }

    #[test]
    #[should_panic(expected = "unsqueeze: axis 3 is out of range for a tensor of 3 dimensions")]
    fn unsqueeze_range() {
        Tensor::zeros(&[2, 3]).unsqueeze(3);
    }
}
