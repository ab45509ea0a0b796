//! argmax / argmin: the index of the largest (smallest) element, over all elements
//! (flattened, `dim = None`) or along one axis, as an [`IntTensor`]. No gradient (an index is
//! not differentiable); on a `Var` they read the value.
//!
//! As PyTorch: ties give the first index; a NaN counts as the extremum (the first NaN's index
//! is returned); `keepdim` keeps the reduced axis (all axes for `dim = None`) as length 1; an
//! empty reduction panics.

use super::max::{along_axis, lane_extremum};
use crate::axis::{normalize_axis, reduced_shape};
use crate::{IntTensor, Tensor, Var};

#[track_caller]
fn arg(x: &Tensor, dim: Option<isize>, keepdim: bool, is_max: bool) -> IntTensor {
    let op = if is_max { "argmax" } else { "argmin" };
    match dim {
        None => {
            if x.is_empty() {
                panic!(
                    "{op}: cannot reduce an empty tensor (shape {:?})",
                    x.shape()
                );
            }
            let i = lane_extremum(x.as_slice(), 0, 1, x.len(), is_max).1 as i64;
            let shape = if keepdim {
                vec![1; x.ndim()]
            } else {
                Vec::new()
            };
            IntTensor::from_vec(vec![i], &shape)
        }
        Some(d) => {
            let ax = normalize_axis(d, x.ndim(), op);
            let (_, args, _) = along_axis(x, d, is_max, op);
            IntTensor::from_vec(
                args.into_iter().map(|a| a as i64).collect(),
                &reduced_shape(x.shape(), ax, keepdim),
            )
        }
    }
}

impl Tensor {
    /// The index of the largest element (flattened for `dim = None`, else along `dim`).
    #[track_caller]
    pub fn argmax(&self, dim: Option<isize>, keepdim: bool) -> IntTensor {
        arg(self, dim, keepdim, true)
    }

    /// The index of the smallest element (flattened for `dim = None`, else along `dim`).
    #[track_caller]
    pub fn argmin(&self, dim: Option<isize>, keepdim: bool) -> IntTensor {
        arg(self, dim, keepdim, false)
    }
}

impl Var {
    /// The index of the largest element of the value (no gradient).
    #[track_caller]
    pub fn argmax(&self, dim: Option<isize>, keepdim: bool) -> IntTensor {
        arg(self.value(), dim, keepdim, true)
    }

    /// The index of the smallest element of the value (no gradient).
    #[track_caller]
    pub fn argmin(&self, dim: Option<isize>, keepdim: bool) -> IntTensor {
        arg(self.value(), dim, keepdim, false)
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::Tensor;

    #[test]
    fn matches_pytorch() {
        check_cases("argmax");
        check_cases("argmin");
    }

    #[test]
    fn shapes() {
        let x = Tensor::zeros(&[2, 3]);
        assert_eq!(x.argmax(None, false).shape(), &[] as &[usize]);
        assert_eq!(x.argmax(None, true).shape(), &[1, 1]);
        assert_eq!(x.argmin(Some(1), true).shape(), &[2, 1]);
        assert_eq!(x.argmin(Some(0), false).to_vec(), vec![0, 0, 0]);
    }

    #[test]
    #[should_panic(expected = "argmax: cannot reduce an empty tensor")]
    fn empty() {
        Tensor::zeros(&[0]).argmax(None, false);
    }
}
