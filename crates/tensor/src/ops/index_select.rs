//! index_select: `y = x.index_select(dim, index)` picks the slices `index[k]` along `dim`:
//! `y[.., k, ..] = x[.., index[k], ..]`, so `y` has `x`'s shape with `dim` of length
//! `len(index)`. The gradient adds each upstream slice back at its index:
//! `dx[.., j, ..] = Σ_{k: index[k] = j} dy[.., k, ..]` (a repeated index accumulates, an index
//! never picked gets 0).
//!
//! As PyTorch: `index` is a 0-d or 1-d [`IntTensor`]; a negative or too large index panics
//! naming the op, the index and the axis length (PyTorch raises too; only slicing accepts
//! negative positions).

use super::lanes::{put_along, take_along, Lanes};
use crate::axis::normalize_axis;
use crate::{IntTensor, Tensor, Var};

/// The checked indices and the lanes of `shape` along `dim`.
#[track_caller]
fn plan(shape: &[usize], dim: isize, index: &IntTensor) -> (Vec<usize>, Lanes, Vec<usize>) {
    if index.ndim() > 1 {
        panic!(
            "index_select: index must be 0-d or 1-d, got shape {:?}",
            index.shape()
        );
    }
    let ax = normalize_axis(dim, shape.len(), "index_select");
    let picks = index.checked_indices(shape[ax], "index_select", ax);
    let mut out = shape.to_vec();
    out[ax] = picks.len();
    (picks, Lanes::new(shape, dim, "index_select"), out)
}

impl Tensor {
    /// The slices `index[k]` along `dim` (see the module notes).
    #[track_caller]
    pub fn index_select(&self, dim: isize, index: &IntTensor) -> Tensor {
        let (picks, lanes, out) = plan(self.shape(), dim, index);
        Tensor::from_vec(take_along(self.as_slice(), lanes, &picks), &out)
    }
}

impl Var {
    /// The slices `index[k]` along `dim`; the gradient accumulates at the indices.
    #[track_caller]
    pub fn index_select(&self, dim: isize, index: &IntTensor) -> Var {
        let (picks, lanes, out) = plan(self.shape(), dim, index);
        let value = Tensor::from_vec(take_along(self.value().as_slice(), lanes, &picks), &out);
        let shape = self.shape().to_vec();
        self.from_unary(value, move |g| {
            Tensor::from_vec(put_along(g.as_slice(), lanes, &picks), &shape)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ops::testing::*;
    use crate::{rng_from_seed, IntTensor, Tape, Tensor};

    #[test]
    fn matches_pytorch() {
        check_cases("index_select");
    }

    #[test]
    fn gradcheck_with_repeats() {
        let x = Tensor::randn(&[3, 4], 0.0, 1.0, &mut rng_from_seed(7));
        let idx = IntTensor::from_vec(vec![3, 0, 3], &[3]);
        assert_gradcheck(|v| v[0].index_select(1, &idx), std::slice::from_ref(&x));
        assert_gradcheck(|v| v[0].index_select(-2, &IntTensor::scalar(2)), &[x]);
    }

    #[test]
    fn repeated_indices_accumulate() {
        let tape = Tape::new();
        let x = tape.leaf(Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]));
        let y = x.index_select(0, &IntTensor::from_vec(vec![2, 2, 0], &[3]));
        assert_eq!(y.value().to_vec(), vec![3.0, 3.0, 1.0]);
        let g = y.backward_with(Tensor::from_vec(vec![1.0, 10.0, 100.0], &[3]));
        assert_eq!(g.get(&x).unwrap().to_vec(), vec![100.0, 0.0, 11.0]);
    }

    #[test]
    #[should_panic(
        expected = "index_select: index -1 is out of bounds for dimension 1 with size 3"
    )]
    fn negative_index() {
        Tensor::zeros(&[2, 3]).index_select(1, &IntTensor::from_vec(vec![-1], &[1]));
    }
}
