//! flatten: axes `start..=end` merged into one (`x.flatten(start, end)`, PyTorch's); a reshape,
//! so it needs no rule of its own. `flatten(0, -1)` of a 0-d tensor gives shape `[1]`, as
//! PyTorch.

use crate::axis::normalize_axis;
use crate::{Tensor, Var};

#[track_caller]
fn flattened(shape: &[usize], start: isize, end: isize) -> Vec<usize> {
    if shape.is_empty() {
        // PyTorch accepts 0 and -1 for a 0-d tensor and returns one element.
        normalize_axis(start, 1, "flatten");
        normalize_axis(end, 1, "flatten");
        return vec![1];
    }
    let (s, e) = (
        normalize_axis(start, shape.len(), "flatten"),
        normalize_axis(end, shape.len(), "flatten"),
    );
    if s > e {
        panic!("flatten: start axis {start} comes after end axis {end} (shape {shape:?})");
    }
    let mut out = shape[..s].to_vec();
    out.push(shape[s..=e].iter().product());
    out.extend_from_slice(&shape[e + 1..]);
    out
}

impl Tensor {
    /// Axes `start..=end` merged into one (negative counts from the end).
    #[track_caller]
    pub fn flatten(&self, start: isize, end: isize) -> Tensor {
        self.reshape(&flattened(self.shape(), start, end))
    }
}

impl Var {
    /// Axes `start..=end` merged into one (negative counts from the end).
    #[track_caller]
    pub fn flatten(&self, start: isize, end: isize) -> Var {
        self.reshape(&flattened(self.shape(), start, end))
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("flatten");
    }

    #[test]
    fn shapes_as_pytorch() {
        let x = Tensor::zeros(&[2, 3, 4, 5]);
        assert_eq!(x.flatten(0, -1).shape(), &[120]);
        assert_eq!(x.flatten(1, 2).shape(), &[2, 12, 5]);
        assert_eq!(x.flatten(-1, -1).shape(), &[2, 3, 4, 5]);
        assert_eq!(Tensor::scalar(1.0).flatten(0, -1).shape(), &[1]);
        assert_eq!(Tensor::zeros(&[2, 0, 3]).flatten(1, 2).shape(), &[2, 0]);
    }

    #[test]
    fn gradcheck() {
        let x = Tensor::randn(&[2, 3, 2], 0.0, 1.0, &mut rng_from_seed(4));
        assert_gradcheck(|v| v[0].flatten(1, 2).mul_scalar(2.0), &[x]);
    }

    #[test]
    #[should_panic(expected = "flatten: start axis 2 comes after end axis 1")]
    fn start_after_end() {
        Tensor::zeros(&[2, 3, 4]).flatten(2, 1);
    }
}
